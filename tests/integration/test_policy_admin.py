"""The policy's admin tools: YAML export/import (command and admin), and "try a message"."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from escalation.models import EscalationRule
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def default_policy():
    policy_replace(Policy.default())


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def exported() -> str:
    out = io.StringIO()
    call_command("policy_export", stdout=out)
    return out.getvalue()


def billing_threshold() -> float:
    return float(EscalationRule.objects.get(category="billing_dispute").amount_threshold)


def test_export_then_import_round_trips_and_applies_edits(tmp_path):
    text = exported()
    assert text.startswith("escalation_rules:") and "threshold: 100" in text
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace("threshold: 100", "threshold: 250", 1))
    call_command("policy_import", str(path), stdout=io.StringIO())
    assert billing_threshold() == 250
    assert exported() == path.read_text()


def test_a_bad_file_names_its_line_and_changes_nothing(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("escalation_rules:\n  billing_dispute:\n    threshold: lots\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("policy_import", str(path), stdout=io.StringIO())
    assert billing_threshold() == 100


def test_try_a_message_shows_the_decision_and_its_reasons(admin_client):
    response = admin_client.post(
        "/admin/escalation/escalationrule/try/",
        {"message": "I was charged $150 twice and I want to dispute it"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "escalate · billing_dispute" in html
    assert "150" in html and "100" in html  # the amount and the threshold it beat
    response = admin_client.post(
        "/admin/escalation/escalationrule/try/",
        {"message": "How long does shipping take?", "confidence": "0.5"},
    )
    assert "offer · low_confidence" in response.content.decode()


def test_try_a_message_shows_every_classifier_with_its_thresholds_and_words(admin_client):
    response = admin_client.post(
        "/admin/escalation/escalationrule/try/",
        {"message": "This is the WORST app ever, totally useless!!"},
    )
    html = response.content.decode()
    assert 'id="classifier-scores"' in html
    for label in ("human_request", "negative_sentiment", "sensitive_privacy"):
        assert f"<td>{label}</td>" in html
    row = html.split("<td>negative_sentiment</td>")[1].split("</tr>")[0]
    assert "frustration" in row and "<td>escalate</td>" in row  # its words, its verdict
    assert "sentiment -0.85 is below -0.50" in html  # the spec's rule decided, and says so


def test_try_a_message_escapes_what_it_shows(admin_client):
    response = admin_client.post(
        "/admin/escalation/escalationrule/try/",
        {"message": "<script>alert(1)</script> agent please"},
    )
    assert b"<script>alert(1)</script>" not in response.content


def test_admin_import_and_export(admin_client):
    export = admin_client.get("/admin/escalation/escalationrule/export/")
    assert export["Content-Type"] == "application/yaml"
    text = export.content.decode().replace("threshold: 100", "threshold: 175", 1)
    upload = SimpleUploadedFile("policy.yaml", text.encode())
    response = admin_client.post("/admin/escalation/escalationrule/import/", {"yaml_file": upload})
    assert response.status_code == 302
    assert billing_threshold() == 175

    bad = SimpleUploadedFile("bad.yaml", b"escalation_rules:\n  - just a list\n")
    response = admin_client.post("/admin/escalation/escalationrule/import/", {"yaml_file": bad})
    assert response.status_code == 200 and "line" in response.content.decode()
    assert billing_threshold() == 175


def test_the_rule_list_links_to_the_tools(admin_client):
    html = admin_client.get("/admin/escalation/escalationrule/").content.decode()
    assert "Try a message" in html and "Import YAML" in html and "Export YAML" in html
