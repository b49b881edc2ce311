"""Decisions a person makes rather than the engine reading text: buttons and staff takeovers."""

from __future__ import annotations

from escalation.engine import Decision, Reason
from escalation.policy import Action, Category, Policy, Priority
from escalation.signals.sentiment import Sentiment


def human_requested_by_button(policy: Policy) -> Decision:
    """The visitor clicked "Talk to a person": always escalate, routed like a typed request."""
    return _human_decision(
        policy, "button", "request_human", "the visitor clicked “Talk to a person”"
    )


def taken_over_by_staff(policy: Policy, *, agent_name: str) -> Decision:
    """A supervisor takes a conversation over from the bot."""
    return _human_decision(policy, "staff", agent_name, f"{agent_name} took over from the bot")


def bot_turn_failed(policy: Policy, *, attempts: int) -> Decision:
    """The bot's turn for a message failed again and again (a bug, an outage): a person takes
    over rather than leave the visitor unanswered (Category 5, repeated failures)."""
    reason = Reason(
        signal="bot_turn_failed",
        value=attempts,
        rule="repeated_failure",
        threshold=None,
        text=f"the bot could not answer after {attempts} attempts",
    )
    return Decision(
        action=Action.ESCALATE,
        category=Category.REPEATED_FAILURE,
        priority=Priority.HIGH,
        target_queue=policy.default_queue,
        reasons=(reason,),
        sentiment=Sentiment(score=0.0),
    )


def _human_decision(policy: Policy, signal: str, value: str, text: str) -> Decision:
    rule = next((r for r in policy.active_rules() if r.category == Category.HUMAN_REQUEST), None)
    reason = Reason(
        signal=signal,
        value=value,
        rule=rule.key if rule else "human_request",
        threshold=None,
        text=text,
    )
    return Decision(
        action=Action.ESCALATE,
        category=Category.HUMAN_REQUEST,
        priority=rule.priority if rule else Priority.NORMAL,
        target_queue=rule.target_queue if rule else policy.default_queue,
        reasons=(reason,),
        sentiment=Sentiment(score=0.0),
    )
