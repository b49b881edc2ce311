"""Multi-turn scenarios (tests/scenarios/conversations.jsonl) played through the visitor socket.

`scenarios_load` reads and validates the file; `scenario_play` sends each turn through a
widget socket (the real ASGI app), waits until everything the turn produced has arrived as
frames, and returns what was observed: the outcome as the visitor saw it, the Decision stored
on the visitor's message, and the Escalation row if one was made. `turn_mismatches` compares a
turn's expectation with its observation. See tests/scenarios/README.md for the format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from channels.db import database_sync_to_async

from conversations.models import Conversation, Message
from escalation.models import Escalation

OUTCOMES = ("answer", "check", "offer", "escalation", "rephrase", "scope")
CLICKS = ("helpful_yes", "helpful_no", "request_human")
PLANS = ("Free", "Pro", "Enterprise", "VIP")
EXPECT_KEYS = frozenset({"outcome", "category", "queue", "priority", "acknowledge"})
NAME = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
# The decision actions each outcome the visitor sees may come from.
ACTIONS_FOR = {
    "answer": {"respond"},
    "check": {"respond_check"},
    "offer": {"offer", "acknowledge_offer"},
    "escalation": {"escalate"},
}
# Expectation key -> the column of the Escalation row / key of the stored Decision.
EXPECTED_COLUMNS = (("category", "category"), ("queue", "target_queue"), ("priority", "priority"))
ACKNOWLEDGEMENT = "i can hear that this is frustrating"
SCOPE = "i can help with"
REPLY_TIMEOUT = 10.0  # seconds for the next frame; the offline responder needs far less


@dataclass(frozen=True)
class Turn:
    say: str | None
    click: str | None
    outcomes: tuple[str, ...]
    category: str | None = None
    queue: str | None = None
    priority: str | None = None
    acknowledge: bool | None = None

    @property
    def label(self) -> str:
        return f"say {self.say!r}" if self.say is not None else f"click {self.click}"

    def describe(self) -> str:
        parts = [" or ".join(self.outcomes)]
        for key in ("category", "queue", "priority", "acknowledge"):
            if getattr(self, key) is not None:
                parts.append(f"{key}={getattr(self, key)}")
        return " ".join(parts)


@dataclass(frozen=True)
class Scenario:
    name: str
    plan: str | None
    turns: tuple[Turn, ...]
    why: str


@dataclass
class Observed:
    """One turn as the visitor and the database saw it."""

    outcome: str
    replies: list[dict[str, Any]] = field(default_factory=list)  # bot and system messages
    decision: dict[str, Any] | None = None  # stored on the visitor's message (say turns)
    escalation: dict[str, Any] | None = None  # the Escalation row, if the turn made one
    status: str = "bot"
    confidence: float | None = None

    def describe(self) -> str:
        parts = [self.outcome]
        if self.escalation:
            esc = self.escalation
            parts.append(
                f"escalation={esc['category']}/{esc['target_queue']}/{esc['priority']}"
                f" (waits in {esc['waits_in']})"
            )
        if self.decision:
            dec = self.decision
            parts.append(
                f"decision={dec.get('action')}/{dec.get('category')}/"
                f"{dec.get('target_queue')}/{dec.get('priority')}"
            )
            reasons = [r.get("text", "") for r in dec.get("reasons", [])][:3]
            if reasons:
                parts.append(f"reasons={reasons}")
        if self.confidence is not None:
            parts.append(f"confidence={self.confidence}")
        parts.append(f"status={self.status}")
        for reply in self.replies:
            actions = [a["id"] for a in reply.get("meta", {}).get("actions", [])]
            body = " ".join(reply["body"].split())[:110]
            parts.append(
                f"\n      [{reply['sender']}] {body!r}" + (f" {actions}" if actions else "")
            )
        return " ".join(parts)


# --- the file ----------------------------------------------------------------------------


def scenarios_load(path: Path) -> list[Scenario]:
    """Every scenario in the JSONL file; a malformed line raises ValueError naming it."""
    scenarios: list[Scenario] = []
    names: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            scenario = _scenario(json.loads(line))
        except (ValueError, TypeError, KeyError) as error:
            raise ValueError(f"{path.name} line {number}: {error}") from error
        if scenario.name in names:
            raise ValueError(f"{path.name} line {number}: duplicate name {scenario.name!r}")
        names.add(scenario.name)
        scenarios.append(scenario)
    return scenarios


def _scenario(data: dict[str, Any]) -> Scenario:
    unknown = set(data) - {"name", "plan", "turns", "why"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    name = data["name"]
    if not NAME.match(name):
        raise ValueError(f"name {name!r} is not snake_case")
    if data.get("plan") not in (None, *PLANS):
        raise ValueError(f"plan {data['plan']!r} is not one of {PLANS}")
    if not str(data.get("why", "")).strip():
        raise ValueError("every scenario says why")
    turns = tuple(_turn(turn) for turn in data["turns"])
    if not turns:
        raise ValueError("a scenario needs turns")
    for turn in turns[:-1]:
        if "escalation" in turn.outcomes:
            raise ValueError("only the last turn may escalate: a queued chat gets no bot reply")
    return Scenario(name=name, plan=data.get("plan"), turns=turns, why=data["why"])


def _turn(data: dict[str, Any]) -> Turn:
    if set(data) - {"say", "click", "expect"} or ("say" in data) == ("click" in data):
        raise ValueError(f"a turn has either 'say' or 'click', and 'expect': {data}")
    if "click" in data and data["click"] not in CLICKS:
        raise ValueError(f"click {data['click']!r} is not one of {CLICKS}")
    expect = data["expect"]
    if set(expect) - EXPECT_KEYS:
        raise ValueError(f"unknown expect keys {sorted(set(expect) - EXPECT_KEYS)}")
    outcomes = expect["outcome"]
    outcomes = (outcomes,) if isinstance(outcomes, str) else tuple(outcomes)
    if not outcomes or set(outcomes) - set(OUTCOMES):
        raise ValueError(f"outcome {expect['outcome']!r}: one (or a list) of {OUTCOMES}")
    return Turn(
        say=data.get("say"),
        click=data.get("click"),
        outcomes=outcomes,
        category=expect.get("category"),
        queue=expect.get("queue"),
        priority=expect.get("priority"),
        acknowledge=expect.get("acknowledge"),
    )


# --- playing a turn ----------------------------------------------------------------------


@dataclass
class Transcript:
    """What a conversation showed so far: every bot or system message by seq."""

    conversation_id: int
    last_seq: int = 0
    bot_messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    def button_message(self, action: str) -> dict[str, Any] | None:
        """The latest bot message that offered `action`."""
        for seq in sorted(self.bot_messages, reverse=True):
            offered = self.bot_messages[seq].get("meta", {}).get("actions", [])
            if any(button["id"] == action for button in offered):
                return self.bot_messages[seq]
        return None


async def transcript_start(visitor) -> Transcript:
    ready = await visitor.connect()
    assert ready["type"] == "ready", ready
    conversation_id = await _conversation_pk(ready["conversation"]["id"])
    return Transcript(conversation_id=conversation_id, last_seq=ready["last_seq"])


async def turn_play(visitor, transcript: Transcript, turn: Turn) -> Observed:
    """Send the turn, wait until all it produced has arrived, and read what was stored."""
    escalations_before = await _escalation_count(transcript.conversation_id)
    visitor_seq = None
    if turn.say is not None:
        ack = await visitor.say(turn.say)
        visitor_seq = ack["seq"]
        after = visitor_seq
    else:
        target = transcript.button_message(turn.click)
        if target is None:
            return Observed(outcome=f"no '{turn.click}' button was offered to click")
        after = transcript.last_seq
        await visitor.send({"type": "action", "action": turn.click, "seq": target["seq"]})
    try:
        replies, status = await _replies_until_settled(visitor, transcript.conversation_id, after)
    except TimeoutError:
        return Observed(outcome=f"silent (no reply within {REPLY_TIMEOUT:.0f} s)")
    for reply in replies:
        transcript.bot_messages[reply["seq"]] = reply
        transcript.last_seq = max(transcript.last_seq, reply["seq"])
    decision = await _decision(transcript.conversation_id, visitor_seq) if visitor_seq else None
    escalation = await _escalation_latest(transcript.conversation_id, escalations_before)
    confidences = [r["meta"]["confidence"] for r in replies if "confidence" in r.get("meta", {})]
    return Observed(
        outcome=_outcome(replies, status, escalation),
        replies=replies,
        decision=decision,
        escalation=escalation,
        status=status,
        confidence=confidences[-1] if confidences else None,
    )


async def _replies_until_settled(
    visitor, conversation_id: int, after_seq: int
) -> tuple[list[dict[str, Any]], str]:
    """Frames until every bot or system message stored after `after_seq` has arrived (and,
    if the chat left the bot, its status frame): what the visitor saw of this turn."""
    seen: dict[int, dict[str, Any]] = {}
    status_frame = None
    while True:
        frame = await visitor.receive(timeout=REPLY_TIMEOUT)
        if frame["type"] == "message":
            message = frame["message"]
            if message["seq"] > after_seq and message["sender"] in ("bot", "system"):
                seen[message["seq"]] = message
        elif frame["type"] == "status":
            status_frame = frame["conversation"]["status"]
        else:
            continue
        status, stored = await _stored_replies(conversation_id, after_seq)
        if not stored or not set(stored) <= set(seen):
            continue
        if status != Conversation.Status.BOT and status_frame != status:
            continue
        return [seen[seq] for seq in sorted(seen)], status


def _outcome(replies: list[dict[str, Any]], status: str, escalation: dict | None) -> str:
    if status != Conversation.Status.BOT:
        return "escalation" if escalation else f"status {status} without an Escalation row"
    bots = [reply for reply in replies if reply["sender"] == "bot"]
    if not bots:
        return "no bot reply"
    text = " ".join(reply["body"] for reply in bots).lower()
    actions = {a["id"] for reply in bots for a in reply.get("meta", {}).get("actions", [])}
    if "rephrase" in text:
        return "rephrase"
    if SCOPE in text and "request_human" in actions:
        return "scope"
    if "request_human" in actions:
        return "offer"
    if actions & {"helpful_yes", "helpful_no"}:
        return "check"
    return "answer"


def turn_mismatches(turn: Turn, observed: Observed) -> list[str]:
    """What differs between the expectation and the observation (empty: the turn passed)."""
    problems = []
    if observed.outcome not in turn.outcomes:
        problems.append(f"outcome {observed.outcome!r}, expected {' or '.join(turn.outcomes)}")
    if turn.say is not None and observed.decision is None and observed.outcome in OUTCOMES:
        problems.append("no decision stored on the visitor's message")
    decision = observed.decision or {}
    expected_actions = ACTIONS_FOR.get(observed.outcome)
    if decision and expected_actions and decision.get("action") not in expected_actions:
        problems.append(
            f"stored decision action {decision.get('action')!r} does not match what the "
            f"visitor saw ({observed.outcome})"
        )
    # An escalation is judged by its row; anything else by the stored decision.
    source = observed.escalation if observed.outcome == "escalation" else observed.decision
    for key, column in EXPECTED_COLUMNS:
        expected = getattr(turn, key)
        actual = (source or {}).get(column)
        if expected is not None and actual != expected:
            problems.append(f"{key} {actual!r}, expected {expected!r}")
    if observed.outcome == "escalation" and not any(
        reply["sender"] == "system" for reply in observed.replies
    ):
        problems.append("escalated without a handoff message to the visitor")
    if observed.escalation and decision:
        stored = (decision.get("category"), decision.get("target_queue"))
        row = (observed.escalation["category"], observed.escalation["target_queue"])
        if stored != row:
            problems.append(f"stored decision {stored} differs from the Escalation row {row}")
    if turn.acknowledge is not None:
        acknowledged = any(
            reply["body"].lower().startswith(ACKNOWLEDGEMENT) for reply in observed.replies
        )
        if acknowledged != turn.acknowledge:
            problems.append(
                "the frustration was acknowledged" if acknowledged else "no acknowledgement"
            )
    return problems


# --- database reads ----------------------------------------------------------------------


@database_sync_to_async
def _conversation_pk(public_id: str) -> int:
    return Conversation.objects.values_list("pk", flat=True).get(public_id=public_id)


@database_sync_to_async
def _stored_replies(conversation_id: int, after_seq: int) -> tuple[str, list[int]]:
    status = Conversation.objects.values_list("status", flat=True).get(pk=conversation_id)
    seqs = Message.objects.filter(
        conversation_id=conversation_id,
        seq__gt=after_seq,
        sender__in=[Message.Sender.BOT, Message.Sender.SYSTEM],
    ).values_list("seq", flat=True)
    return status, list(seqs)


@database_sync_to_async
def _decision(conversation_id: int, seq: int) -> dict[str, Any] | None:
    metadata = Message.objects.values_list("metadata", flat=True).get(
        conversation_id=conversation_id, seq=seq
    )
    return metadata.get("decision")


@database_sync_to_async
def _escalation_count(conversation_id: int) -> int:
    return Escalation.objects.filter(conversation_id=conversation_id).count()


@database_sync_to_async
def _escalation_latest(conversation_id: int, count_before: int) -> dict[str, Any] | None:
    rows = Escalation.objects.filter(conversation_id=conversation_id).order_by("pk")
    if rows.count() <= count_before:
        return None
    row = rows.values("category", "target_queue", "priority").last()
    conversation = Conversation.objects.select_related("queue").get(pk=conversation_id)
    row["waits_in"] = conversation.queue.slug if conversation.queue else None
    return row
