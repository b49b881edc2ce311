"""The pure half of agents.W001: which routing targets name no active queue, and the message."""

from __future__ import annotations

from agents.checks import MISSING_QUEUE_ID, RoutingTarget, missing_queue_errors, targets_missing

RULE = RoutingTarget("Escalation rule 'technical_issue'", "technical")
PLAN = RoutingTarget("Plan 'Enterprise'", "vip")
NO_QUEUE = RoutingTarget("Plan 'Basic'", "")  # a plan without a dedicated queue


def test_only_targets_naming_no_existing_queue_are_missing() -> None:
    assert targets_missing([RULE, PLAN, NO_QUEUE], ["general", "vip"]) == [RULE]
    assert targets_missing([RULE, PLAN], ["general", "vip", "technical"]) == []


def test_the_error_names_the_owner_the_slug_and_the_queues_to_choose_from() -> None:
    [error] = missing_queue_errors([RULE, PLAN], ["vip", "general"])

    assert error.id == MISSING_QUEUE_ID == "agents.W001"
    assert error.msg == (
        "Escalation rule 'technical_issue' routes to queue 'technical', which does not exist "
        "or is inactive."
    )
    assert error.hint is not None
    assert "slug 'technical'" in error.hint and "general, vip" in error.hint


def test_with_no_queue_at_all_the_hint_says_so() -> None:
    [error] = missing_queue_errors([RULE], [])

    assert error.hint is not None and error.hint.endswith("none exists yet.")
