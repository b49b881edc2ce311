"""Editing a threshold in admin changes the very next decision in another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from escalation.engine import Snapshot, decide
from escalation.model_store import shipped_model
from escalation.models import ClassifierThreshold, EscalationSettings
from escalation.policy import Policy
from escalation.policy_store import policy_current, policy_replace
from escalation.signals.classifier import LABELS
from tests.factories import StaffFactory
from tests.support.database import live_database_url

ROOT = Path(__file__).resolve().parents[2]

# Another process: reads a confidence per line, prints the action its cached policy gives.
DECIDER = """
import sys, django
django.setup()
from django.utils import timezone
from escalation.engine import Snapshot, decide
from escalation.policy_store import policy_current
for line in sys.stdin:
    snapshot = Snapshot(message="How long does shipping take?").with_answer(float(line))
    print(decide(snapshot, policy_current(), timezone.now()).action, flush=True)
"""


@pytest.fixture
def decider(transactional_db):
    env = {
        **os.environ,
        "DATABASE_URL": live_database_url(),
        "DJANGO_SETTINGS_MODULE": "chatsy.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", DECIDER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )

    def ask(confidence: float) -> str:
        process.stdin.write(f"{confidence}\n")
        process.stdin.flush()
        return process.stdout.readline().strip()

    yield ask
    process.stdin.close()
    process.wait(timeout=10)


def classifier_threshold_forms(**edits: tuple[float | str, float | str]) -> dict[str, object]:
    """The admin page's inline formset of classifier thresholds, as stored, with `edits`
    ({label: (escalate_at, offer_at)}) applied."""
    rows = list(ClassifierThreshold.objects.order_by("label"))
    data: dict[str, object] = {
        "classifier_thresholds-TOTAL_FORMS": len(rows),
        "classifier_thresholds-INITIAL_FORMS": len(rows),
        "classifier_thresholds-MIN_NUM_FORMS": 0,
        "classifier_thresholds-MAX_NUM_FORMS": 1000,
    }
    for number, row in enumerate(rows):
        escalate_at, offer_at = edits.get(row.label, (row.escalate_at, row.offer_at))
        prefix = f"classifier_thresholds-{number}"
        data.update(
            {
                f"{prefix}-id": row.pk,
                f"{prefix}-settings": row.settings_id,
                f"{prefix}-label": row.label,
                f"{prefix}-escalate_at": "" if escalate_at is None else escalate_at,
                f"{prefix}-offer_at": "" if offer_at is None else offer_at,
            }
        )
    return data


def test_an_admin_edit_reaches_another_process_without_a_restart(client, decider):
    policy_replace(Policy.default())
    assert decider(0.7) == "respond_check"

    client.force_login(StaffFactory(is_superuser=True))
    form = {
        field: getattr(EscalationSettings.objects.get(), field)
        for field in (
            "respond_above",
            "offer_above",
            "sentiment_escalate_below",
            "sentiment_offer_below",
            "same_question_count",
            "same_question_similarity",
            "not_helpful_count",
            "unresolved_turns",
            "default_queue",
        )
    }
    response = client.post(
        "/admin/escalation/escalationsettings/1/change/",
        {**form, **classifier_threshold_forms(), "check_above": 0.75},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # The other process reads the shared version at most once a second (chatsy.versions).
    deadline = time.monotonic() + 10
    while decider(0.7) != "offer":
        assert time.monotonic() < deadline, "the edit never reached the other process"
        time.sleep(0.1)


@pytest.mark.django_db
def test_classifier_thresholds_are_edited_beside_the_spec_thresholds(
    client, django_capture_on_commit_callbacks
):
    """Every trained classifier has a row in admin; raising one's thresholds changes the next
    decision (after the version bump), and empty fields fall back to the shipped model's."""
    policy_replace(Policy.default())
    message = Snapshot(message="someone is using my account")
    before = decide(message, policy_current(), timezone.now())
    assert (before.category, before.action) == ("security", "escalate")
    assert before.signals["p_security"] < 0.995
    labels = set(ClassifierThreshold.objects.values_list("label", flat=True))
    assert labels == set(LABELS)

    client.force_login(StaffFactory(is_superuser=True))
    page = client.get("/admin/escalation/escalationsettings/1/change/").content.decode()
    assert "Trained classifier thresholds" in page and "sensitive_privacy" in page
    form = {
        field.name: getattr(EscalationSettings.objects.get(), field.name)
        for field in EscalationSettings._meta.fields
        if field.name != "id"
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/escalation/escalationsettings/1/change/",
            {**form, **classifier_threshold_forms(security=(0.999, 0.995))},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = decide(message, policy_current(), timezone.now())
    assert after.action == "respond" and after.signals["security"] is None
    assert policy_current().classifier.threshold("human_request") == (
        shipped_model().threshold("human_request")
    )


@pytest.mark.django_db
def test_an_offer_threshold_above_the_escalation_threshold_is_refused(client):
    client.force_login(StaffFactory(is_superuser=True))
    form = {
        field.name: getattr(EscalationSettings.objects.get(), field.name)
        for field in EscalationSettings._meta.fields
        if field.name != "id"
    }
    response = client.post(
        "/admin/escalation/escalationsettings/1/change/",
        {**form, **classifier_threshold_forms(legal=(0.5, 0.8))},
    )
    assert response.status_code == 200
    assert "The offer threshold must be above 0" in response.content.decode()
    assert ClassifierThreshold.objects.get(label="legal").escalate_at is None
