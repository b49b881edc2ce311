"""The extractive summary for the handoff card, available at once without an LLM."""

from __future__ import annotations

from typing import Any

from conversations.models import Conversation, Message

MAX_PROBLEM_CHARS = 300


def extractive_summary(
    *, conversation: Conversation, entities: dict[str, Any], answers: list[dict[str, Any]]
) -> str:
    """The problem in the visitor's words, what was gathered, and what the AI last tried."""
    customer_messages = list(
        conversation.messages.filter(sender=Message.Sender.CUSTOMER)
        .order_by("seq")
        .values_list("body", flat=True)[:3]
    )
    parts = []
    if customer_messages:
        problem = " / ".join(customer_messages)
        parts.append(f"Customer wrote: “{_clip(problem, MAX_PROBLEM_CHARS)}”.")
    gathered = _gathered(entities)
    if gathered:
        parts.append(f"Gathered: {gathered}.")
    if answers:
        last = answers[-1]
        confidence = last.get("confidence")
        sure = f" (confidence {confidence:.0%})" if isinstance(confidence, (int, float)) else ""
        tries = f"{len(answers)} answer{'s' if len(answers) > 1 else ''}"
        parts.append(f"AI tried {tries}; last{sure}: “{_clip(last['text'], 160)}”.")
    else:
        parts.append("The AI did not answer before the handoff.")
    return " ".join(parts)


def _gathered(entities: dict[str, Any]) -> str:
    labels = {
        "order_numbers": "order",
        "invoice_ids": "invoice",
        "amounts": "amount",
        "emails": "email",
        "phones": "phone",
        "dates": "date",
    }
    found = []
    for key, label in labels.items():
        for value in entities.get(key, []):
            text = value.get("text") if isinstance(value, dict) else value
            found.append(f"{label} {text}")
    return ", ".join(found[:8])


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
