"""The handoff card in plain words: why a chat came to a person, with money in the store's
currency, and which visitor message each AI attempt answered. Pure: the card's selector
passes the stored reason, the currency and the messages in.

Agents never see a rule key or a threshold's field name ("offer_above"): every trigger the
engine records maps to a sentence here, and an unknown one falls back to its category.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_CURRENCY = "USD"
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "CHF": "CHF ",
}

# The category's sentence when the trigger itself says nothing more specific.
CATEGORY_WORDS = {
    "human_request": "Asked for a person",
    "low_confidence": "The AI wasn't sure enough to answer",
    "negative_sentiment": "The visitor is upset",
    "billing_dispute": "Billing dispute",
    "security": "Account security concern",
    "legal": "Legal or compliance question",
    "refund_exception": "Refund outside the usual policy",
    "policy_exception": "Asked for an exception to policy",
    "technical": "Technical issue that needs system access",
    "multi_step": "Multi-step request with dependencies",
    "sensitive": "Sensitive topic",
    "repeated_failure": "The AI couldn't help after several tries",
    "vip": "VIP customer",
}
FALLBACK_WORDS = "Handed to a person"


def money_format(*, amount: float, currency: str = DEFAULT_CURRENCY) -> str:
    """100 → "$100", 99.5 → "$99.50", 1200 EUR → "€1,200"; a currency without a known
    symbol is written after the number ("1,200 SEK")."""
    code = (currency or DEFAULT_CURRENCY).upper()
    number = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{number} {code}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _count(value: Any) -> str:
    number = _number(value)
    return f"{number:g}" if number is not None else "several"


def reason_in_words(
    *,
    category: str,
    reason: Mapping[str, Any] | None,
    currency: str = DEFAULT_CURRENCY,
    topic: str = "",
) -> str:
    """The deciding trigger as an agent would say it: "Billing dispute over $100",
    "Asked the same question 3 times". `reason` is one stored Reason (signal, value, rule,
    threshold); `topic` is a sensitive topic's label ("Health & safety")."""
    reason = reason or {}
    signal, value = str(reason.get("signal") or ""), reason.get("value")
    threshold = _number(reason.get("threshold"))
    category_words = CATEGORY_WORDS.get(category, FALLBACK_WORDS)
    if category == "sensitive" or signal == "sensitive" or signal.startswith("legal_"):
        return f"Sensitive topic: {topic}" if topic else category_words
    if signal == "amount" and threshold is not None:
        return f"Billing dispute over {money_format(amount=threshold, currency=currency)}"
    if signal == "billing_dispute" and threshold is not None:
        over = money_format(amount=threshold, currency=currency)
        return f"Billing dispute, amount not stated (disputes over {over} go to a person)"
    if signal == "order_age_days" and threshold is not None:
        return (
            f"Refund for an order {_count(value)} days old (the policy covers {threshold:g} days)"
        )
    if signal == "confidence":
        sure = _number(value)
        return (
            f"The AI was only {sure:.0%} sure of its answer" if sure is not None else category_words
        )
    if signal == "sentiment":
        return "The visitor is upset"
    if signal == "plan":
        issue = CATEGORY_WORDS.get(category, "this kind of issue").lower()
        return f"{value} plan: goes straight to a person for “{issue}”"
    return _FAILURE_WORDS.get(signal, category_words).format(count=_count(value))


_FAILURE_WORDS = {
    "explicit_request": "Asked for a person",
    "same_question_count": "Asked the same question {count} times",
    "not_helpful_count": "Said the answers didn't help {count} times",
    "no_content_in_a_row": "{count} messages in a row the AI couldn't make sense of",
    "unresolved_turns": "{count} turns without a resolution",
}


@dataclass(frozen=True)
class Attempt:
    """One visitor question on the card and what the AI answered (None: it did not)."""

    question: str
    answer: str | None
    confidence: float | None
    escalated: bool  # the message that brought the chat to a person


def attempts_with_questions(
    *,
    answers: Sequence[Mapping[str, Any]],
    visitor_messages: Sequence[tuple[int, str]],
    escalating_seq: int | None,
) -> list[Attempt]:
    """Each AI answer (`{"seq", "text", "confidence"}`) with the visitor message it answered
    (the last one written before it), in order; the escalating message last, answered or not.
    `visitor_messages` are (seq, body) in seq order."""
    asked = {seq: body for seq, body in visitor_messages}
    attempts: list[tuple[int, Attempt]] = []
    for answer in sorted(answers, key=lambda a: a.get("seq") or 0):
        seq = answer.get("seq") or 0
        question_seq = max((s for s in asked if s < seq), default=None)
        if question_seq is None:
            continue  # a greeting or an answer to nothing the visitor wrote
        confidence = _number(answer.get("confidence"))
        attempt = Attempt(asked[question_seq], str(answer.get("text") or ""), confidence, False)
        attempts.append((question_seq, attempt))
    if escalating_seq is None or escalating_seq not in asked:
        return [attempt for _, attempt in attempts]
    last = [a for s, a in attempts if s == escalating_seq][-1:]
    earlier = [a for s, a in attempts if s != escalating_seq]
    if last:
        return [*earlier, Attempt(last[0].question, last[0].answer, last[0].confidence, True)]
    return [*earlier, Attempt(asked[escalating_seq], None, None, True)]
