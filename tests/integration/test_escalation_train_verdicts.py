"""`escalation_train --with-verdicts`: the supervisors' examples join the training rows (never
the frozen validation split); the new model is activated only when it is no worse than the
active one on that split, or with --force. Small synthetic files keep each training ~1 s."""

from __future__ import annotations

import json
import random
import zlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from escalation.evaluation import is_validation
from escalation.learning import triage_example_rows
from escalation.model_store import shipped_model
from escalation.model_versions import triage_model_active, triage_model_active_info
from escalation.models import TriageExample, TriageModelVersion
from escalation.policy_store import policy_current
from escalation.training import load_rows, train
from tests.support.synthetic_triage import HUMAN, ROUTINE, SECURITY

pytestmark = pytest.mark.django_db

TAILS = ["please", "today", "thanks", "asap", "now", ""]


@pytest.fixture
def data_file(tmp_path):
    rng = random.Random(11)
    path = tmp_path / "synthetic.jsonl"
    with path.open("w") as lines:
        for number in range(900):
            kind = number % 5
            pool, expected = (
                (SECURITY, "security")
                if kind == 0
                else (HUMAN, "human_request")
                if kind == 1
                else (ROUTINE, "none")
            )
            text = f"{rng.choice(pool)} {rng.choice(TAILS)}".strip()
            lines.write(json.dumps({"id": f"s:{number}", "text": text, "expected": expected}))
            lines.write("\n")
    return path


def retrain(data_file, *extra: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(
        "escalation_train", "--with-verdicts", "--data", str(data_file), *extra, stdout=out
    )
    return out.getvalue()


def contradictory_examples(count: int = 400) -> None:
    """Hacked accounts labelled `none` and routine questions labelled `security`: a model
    that learns these misses security on the validation split."""
    rng = random.Random(5)
    TriageExample.objects.bulk_create(
        TriageExample(
            text=f"{rng.choice(SECURITY if n % 2 else ROUTINE)} {n}",
            label="none" if n % 2 else "security",
        )
        for n in range(count)
    )


def test_an_equal_model_is_accepted_a_worse_one_refused_and_force_activates_it(data_file):
    baseline = retrain(data_file, "--force")
    assert "activated model" in baseline
    first = triage_model_active()
    assert first.version == TriageModelVersion.objects.get(active=True).version
    assert policy_current().classifier.version == first.version  # the engine decides with it

    # The same data again: the same weights (the same hash), metrics equal: no worse.
    same = retrain(data_file)
    assert "No worse (tolerance 0.5 pt): activated model" in same
    assert "current P" in same and "macro F1" in same and "security" in same
    again = triage_model_active()
    # Same weights, same hash (trained within the same second: the very same version).
    assert again.version.split("-")[-1] == first.version.split("-")[-1]
    stored = TriageModelVersion.objects.count()

    contradictory_examples()
    with pytest.raises(CommandError) as refused:
        retrain(data_file)
    message = str(refused.value)
    assert message.startswith("Not activated: on the frozen validation split the new model's")
    assert "macro-F1 falls from" in message and "more than 0.5 pt" in message
    assert f"The current model {again.version} stays active" in message
    assert triage_model_active().version == again.version
    assert TriageModelVersion.objects.count() == stored  # a refused model is not stored

    forced = retrain(data_file, "--force")
    assert "Forced: activated model" in forced
    active = TriageModelVersion.objects.get(active=True)
    assert active.note.startswith("forced over: macro-F1 falls")
    assert active.examples == 400
    assert (
        active.metrics["validation"]["macro_f1"]
        < active.metrics["compared_with"]["validation"]["macro_f1"]
    )
    info = triage_model_active_info()
    assert (info.version, info.source, info.examples) == (active.version, "trained", 400)


def test_a_dry_run_compares_and_stores_nothing(data_file):
    output = retrain(data_file, "--dry-run")
    assert "Dry run: the new model is" in output and "Nothing stored." in output
    assert not TriageModelVersion.objects.exists()
    assert triage_model_active_info().source == "shipped"


def test_force_needs_with_verdicts(data_file):
    with pytest.raises(CommandError, match="--force only applies with --with-verdicts"):
        call_command("escalation_train", "--data", str(data_file), "--force")


def test_examples_never_join_the_validation_split(data_file):
    # Ids chosen so that, were they ordinary rows, the crc32 rule would put them in validation.
    TriageExample.objects.bulk_create(
        TriageExample(text=f"my account was hacked {n}", label="security") for n in range(30)
    )
    examples = triage_example_rows()
    assert any(zlib.crc32(row["id"].encode()) % 3 == 0 for row in examples)
    assert not any(is_validation(row) for row in examples)

    rows = load_rows([data_file])
    quiet = {"progress": lambda line: None, "version": "t"}
    without, _ = train(rows, **quiet)
    with_examples, _ = train([*rows, *examples], **quiet)
    assert with_examples.metrics["validation_rows"] == without.metrics["validation_rows"]
    assert with_examples.metrics["trained_rows"] == without.metrics["trained_rows"] + 30


def test_admin_shows_the_active_models_version_and_metrics(admin_client, data_file):
    page = admin_client.get("/admin/escalation/triagemodelversion/").content.decode()
    assert "Active triage model" in page and shipped_model().version in page
    assert "the shipped file" in page and "security: precision" in page

    retrain(data_file, "--force")
    active = TriageModelVersion.objects.get(active=True)
    page = admin_client.get("/admin/escalation/triagemodelversion/").content.decode()
    assert active.version in page and "trained with 0 labelled examples" in page
    assert "security: precision 1.000, recall" in page
    detail = admin_client.get(f"/admin/escalation/triagemodelversion/{active.pk}/change/")
    assert detail.status_code == 200 and active.version in detail.content.decode()
    assert admin_client.get("/admin/escalation/triagemodelversion/add/").status_code == 403


def test_admin_rolls_back_to_a_version_or_to_the_shipped_model(admin_client, data_file):
    retrain(data_file, "--force")
    first = TriageModelVersion.objects.get(active=True)
    contradictory_examples()
    retrain(data_file, "--force")
    assert triage_model_active().version != first.version

    url = "/admin/escalation/triagemodelversion/"
    both = list(TriageModelVersion.objects.values_list("pk", flat=True))
    refused = admin_client.post(url, {"action": "activate", "_selected_action": both}, follow=True)
    assert "Select exactly one version to activate." in refused.content.decode()
    admin_client.post(url, {"action": "activate", "_selected_action": [first.pk]})
    assert triage_model_active().version == first.version
    assert policy_current().classifier.version == first.version

    admin_client.post(url, {"action": "use_shipped_model", "_selected_action": [first.pk]})
    assert not TriageModelVersion.objects.filter(active=True).exists()
    assert policy_current().classifier.version == shipped_model().version


def test_an_example_repeating_a_validation_row_is_dropped_and_counted(data_file):
    """A supervisor's label on a message that is also in the frozen validation split would be
    trained on and then scored on: it is left out of training, and the command says so."""
    validation = [row for row in load_rows([data_file]) if is_validation(row)]
    repeated = validation[0]["text"]
    TriageExample.objects.create(text=f"  {repeated.upper()}!  ", label="security")
    TriageExample.objects.create(text="where is my parcel from last week", label="none")

    output = retrain(data_file, "--force")
    assert "+ 1 labelled examples from agents' verdicts" in output
    assert "Dropped 1 labelled example whose text is in the frozen validation split" in output
    assert TriageModelVersion.objects.get(active=True).examples == 1


def test_a_view_only_staff_user_can_neither_see_nor_post_the_model_swap(client, data_file):
    from django.contrib.auth.models import Permission, User

    retrain(data_file, "--force")
    active = TriageModelVersion.objects.get(active=True)
    viewer = User.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_triagemodelversion"))
    client.force_login(viewer)
    url = "/admin/escalation/triagemodelversion/"
    page = client.get(url)
    assert page.status_code == 200 and active.version in page.content.decode()
    assert 'value="activate"' not in page.content.decode()
    assert 'value="use_shipped_model"' not in page.content.decode()

    client.post(url, {"action": "use_shipped_model", "_selected_action": [active.pk]})
    assert TriageModelVersion.objects.get(active=True).version == active.version

    viewer.user_permissions.add(Permission.objects.get(codename="change_triagemodelversion"))
    viewer = User.objects.get(pk=viewer.pk)  # drop the cached permissions
    client.force_login(viewer)
    assert 'value="use_shipped_model"' in client.get(url).content.decode()
    client.post(url, {"action": "use_shipped_model", "_selected_action": [active.pk]})
    assert not TriageModelVersion.objects.filter(active=True).exists()
