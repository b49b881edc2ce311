"""Decisions a person makes rather than the engine reading text: buttons and staff takeovers,
and a sensitive conversation's later messages (decided by its history, not their text)."""

from __future__ import annotations

from escalation.engine import Decision, Reason
from escalation.policy import (
    SENSITIVE_TOPIC_LABELS,
    Action,
    Category,
    Policy,
    Priority,
    SensitiveTopic,
)
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


# The first reason's signal of a sensitive conversation's later escalations: the visitor reads
# a short acknowledgement, not the topic's whole protocol again.
SENSITIVE_FOLLOW_UP = "sensitive_conversation"


def sensitive_conversation(
    policy: Policy, *, topic: str, earlier: tuple[Reason, ...] = ()
) -> Decision:
    """The conversation was escalated for a sensitive topic before: whatever the visitor
    writes (or clicks) now goes back to the specialists, and the bot never answers it.
    `earlier`: the reasons of the decision this one replaces, kept for the card."""
    rule = next((r for r in policy.active_rules() if r.category == Category.SENSITIVE), None)
    label = SENSITIVE_TOPIC_LABELS.get(topic, SensitiveTopic.OTHER.label)  # StrEnum keys
    reason = Reason(
        signal=SENSITIVE_FOLLOW_UP,
        value=topic,
        rule=rule.key if rule else "sensitive_topic",
        threshold=None,
        text=f"this conversation was escalated for a sensitive topic ({label.lower()}): "
        "specialists answer it, not the bot",
    )
    return Decision(
        action=Action.ESCALATE,
        category=Category.SENSITIVE,
        priority=rule.priority if rule else Priority.URGENT,
        target_queue=rule.target_queue if rule else "specialists",
        reasons=(reason, *earlier),
        sentiment=Sentiment(score=0.0),
        sensitive_topic=topic,
    )
