"""Decisions for the widget's quick-reply buttons, which carry no text for the engine to read."""

from __future__ import annotations

from escalation.engine import Decision, Reason
from escalation.policy import Action, Category, Policy, Priority
from escalation.signals.sentiment import Sentiment


def human_requested_by_button(policy: Policy) -> Decision:
    """The visitor clicked "Talk to a person": always escalate, routed like a typed request."""
    rule = next((r for r in policy.active_rules() if r.category == Category.HUMAN_REQUEST), None)
    reason = Reason(
        signal="button",
        value="request_human",
        rule=rule.key if rule else "human_request",
        threshold=None,
        text="the visitor clicked “Talk to a person”",
    )
    return Decision(
        action=Action.ESCALATE,
        category=Category.HUMAN_REQUEST,
        priority=rule.priority if rule else Priority.NORMAL,
        target_queue=rule.target_queue if rule else policy.default_queue,
        reasons=(reason,),
        sentiment=Sentiment(score=0.0),
    )
