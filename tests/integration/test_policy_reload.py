"""Editing a threshold in admin changes the very next decision in another process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from escalation.models import EscalationSettings
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from tests.factories import StaffFactory

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
        "DATABASE_URL": f"sqlite:///{settings.DATABASES['default']['NAME']}",
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
        "/admin/escalation/escalationsettings/1/change/", {**form, "check_above": 0.75}
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert decider(0.7) == "offer"
