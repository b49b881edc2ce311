"""agents.W001: every escalation rule, plan and the default queue route to an existing queue,
through Django's own `check` command on the migrated database (seed rows included). A warning:
`migrate` must still run on a database whose rules name a queue a migration is about to create."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from agents.models import Queue
from escalation.models import EscalationRule, EscalationSettings, Plan

pytestmark = pytest.mark.django_db


def run_check() -> str:
    """`check --fail-level WARNING`, as CI would run it to refuse a misrouted configuration."""
    out = StringIO()
    call_command("check", fail_level="WARNING", stdout=out, stderr=out)
    return out.getvalue()


def test_the_shipped_configuration_routes_every_rule_to_an_existing_queue() -> None:
    assert EscalationRule.objects.filter(key="technical_issue", target_queue="technical").exists()
    assert Queue.objects.get(slug="technical").name == "Technical support"

    assert "no issues" in run_check()


def test_a_rule_naming_a_missing_queue_is_a_warning_naming_the_rule_and_the_slug() -> None:
    EscalationRule.objects.create(
        key="warranty_claims", category="policy_exception", target_queue="warranty"
    )

    with pytest.raises(SystemCheckError) as raised:
        run_check()

    message = str(raised.value)
    assert "agents.W001" in message
    assert "Escalation rule 'warranty_claims' routes to queue 'warranty'" in message
    assert "Create an active queue with slug 'warranty'" in message


def test_a_plan_or_default_queue_naming_a_missing_or_inactive_queue_is_a_warning() -> None:
    Plan.objects.create(name="Platinum", vip=True, dedicated_queue="platinum-desk")
    Queue.objects.filter(slug="general").update(active=False)
    EscalationSettings.objects.update_or_create(pk=1, defaults={"default_queue": "general"})

    with pytest.raises(SystemCheckError) as raised:
        run_check()

    message = str(raised.value)
    assert "Plan 'Platinum' routes to queue 'platinum-desk'" in message
    assert "default queue routes to queue 'general'" in message


def test_an_inactive_rule_is_not_checked() -> None:
    EscalationRule.objects.create(
        key="retired", category="legal", target_queue="gone", active=False
    )

    assert "no issues" in run_check()


def test_a_missing_queue_does_not_stop_migrate_or_other_commands() -> None:
    """Upgrading from before the technical queue existed: `migrate` runs the checks first."""
    Queue.objects.filter(slug="technical").update(active=False)

    out = StringIO()
    call_command("migrate", "--check", skip_checks=False, stdout=out, stderr=out)  # no error raised

    assert "agents.W001" in out.getvalue()
