"""What a fault test asserts, read from the database and compared with the clients' logs.

- lost: a message the client sent and the server acknowledged is not in the database (or is
  under another seq), or a message was never acknowledged at all;
- duplicated: more than one row for one client_id, or a visitor row no client sent;
- unanswered: a visitor message with no bot reply (`metadata.reply_to == seq`) while the bot
  still owns the conversation; one reply is "answered", the conversation handed to a person
  (a handoff message, any seq: there are no agents, so it stays with the people) is
  "escalated"; two replies, two handoffs, or a bot reply to a message sent after the handoff
  are counted separately;
- transcripts: what each client shows must be the database's conversation, seq for seq, with
  no gaps and no seq shown with two different contents.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections

from conversations.models import Conversation, Message
from escalation.models import Escalation
from tests.support.widget_client import Shown, WidgetClient


@dataclass
class ConversationRows:
    conversation: Conversation
    messages: list[Message]

    @property
    def handoffs(self) -> list[Message]:
        return [
            m
            for m in self.messages
            if m.sender == Message.Sender.SYSTEM and m.metadata.get("event") == "handoff"
        ]

    def replies_to(self, seq: int) -> list[Message]:
        return [
            m for m in self.messages if m.sender == Message.Sender.BOT and self.reply_of(m) == seq
        ]

    def reply_of(self, message: Message) -> int | None:
        """The seq a bot message answers: `metadata.reply_to` today, or a `reply_to` column
        (a seq, or a foreign key to the visitor's message) if the model grows one."""
        column = _reply_to_column()
        if column is not None:
            value = getattr(message, column.attname)
            if value is not None:
                if column.is_relation:
                    return next((m.seq for m in self.messages if m.pk == value), None)
                return int(value)
        return message.metadata.get("reply_to")

    def shown(self) -> dict[int, Shown]:
        return {
            m.seq: Shown(m.sender, m.body, str(m.client_id) if m.client_id else None)
            for m in self.messages
        }


def _reply_to_column() -> Any:
    try:
        return Message._meta.get_field("reply_to")
    except FieldDoesNotExist:  # the metadata key is the link
        return None


def conversation_rows(customer_ids: list[int]) -> dict[int, list[ConversationRows]]:
    """Every conversation of these customers, with its messages in seq order."""
    try:
        result: dict[int, list[ConversationRows]] = {pk: [] for pk in customer_ids}
        conversations = Conversation.objects.filter(customer_id__in=customer_ids).order_by("pk")
        by_pk = {c.pk: c for c in conversations}
        messages: dict[int, list[Message]] = {pk: [] for pk in by_pk}
        for message in Message.objects.filter(conversation_id__in=by_pk).order_by(
            "conversation_id", "seq"
        ):
            messages[message.conversation_id].append(message)
        for pk, conversation in by_pk.items():
            result[conversation.customer_id].append(ConversationRows(conversation, messages[pk]))
        return result
    finally:
        connections.close_all()  # called from worker threads: leave no connection behind


def waiting_for_answer(customer_ids: list[int]) -> int:
    """Visitor messages neither answered nor escalated yet (the recovery's positive signal)."""
    waiting = 0
    for rows_list in conversation_rows(customer_ids).values():
        for rows in rows_list:
            if rows.handoffs:
                continue
            answered = {rows.reply_of(m) for m in rows.messages if m.sender == "bot"}
            waiting += sum(
                1 for m in rows.messages if m.sender == "customer" and m.seq not in answered
            )
    return waiting


@dataclass
class Audit:
    visitors: int = 0
    sent: int = 0
    acked: int = 0
    stored_visitor_messages: int = 0
    answered: int = 0
    escalated: int = 0
    conversations_escalated: int = 0
    lost: list[str] = field(default_factory=list)
    unacked: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    answered_twice: list[str] = field(default_factory=list)
    escalated_twice: list[str] = field(default_factory=list)
    bot_after_handoff: list[str] = field(default_factory=list)
    database_seq_gaps: list[str] = field(default_factory=list)
    transcript_mismatches: list[str] = field(default_factory=list)
    transcript_gaps: list[str] = field(default_factory=list)
    seq_conflicts: list[str] = field(default_factory=list)
    # Not failures: messages the bot never replied to before a later handoff took the chat.
    unreplied_before_handoff: int = 0

    FAILURES = (
        "lost",
        "unacked",
        "duplicated",
        "unanswered",
        "answered_twice",
        "escalated_twice",
        "bot_after_handoff",
        "database_seq_gaps",
        "transcript_mismatches",
        "transcript_gaps",
        "seq_conflicts",
    )

    def failures(self) -> dict[str, list[str]]:
        return {name: getattr(self, name) for name in self.FAILURES if getattr(self, name)}

    def counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = {k: v for k, v in self.__dict__.items() if not isinstance(v, list)}
        counts.update({name: len(getattr(self, name)) for name in self.FAILURES})
        return counts


def audit(clients: list[WidgetClient], customer_ids: list[int]) -> Audit:
    """Compare every client with the database. Call once the run has recovered."""
    result = Audit(visitors=len(clients))
    rows_by_customer = conversation_rows(customer_ids)
    escalations = Counter(
        Escalation.objects.filter(conversation__customer_id__in=customer_ids).values_list(
            "conversation_id", flat=True
        )
    )
    connections.close_all()
    for client, customer_id in zip(clients, customer_ids, strict=True):
        conversations = rows_by_customer[customer_id]
        _audit_messages(result, client, conversations)
        for rows in conversations:
            _audit_answers(result, client.name, rows, escalations[rows.conversation.pk])
        _audit_transcript(result, client, conversations)
    return result


def _audit_messages(result: Audit, client: WidgetClient, conversations: list[ConversationRows]):
    stored: dict[str, list[Message]] = {}
    for rows in conversations:
        for message in rows.messages:
            if message.sender == Message.Sender.CUSTOMER:
                stored.setdefault(str(message.client_id), []).append(message)
                result.stored_visitor_messages += 1
    for client_id, sent in client.outbox.items():
        result.sent += 1
        found = stored.get(client_id, [])
        if sent.seq is None:
            result.unacked.append(f"{client.name}: {sent.body!r} never acked")
        else:
            result.acked += 1
            if not any(m.seq == sent.seq for m in found):
                result.lost.append(f"{client.name}: acked seq {sent.seq} {sent.body!r} not stored")
        if len(found) > 1:
            result.duplicated.append(f"{client.name}: {len(found)} rows for {sent.body!r}")
        for error in sent.errors:
            if error.startswith("acked twice"):
                result.duplicated.append(f"{client.name}: {error}")
    for client_id in stored:
        if client_id not in client.outbox:
            result.duplicated.append(f"{client.name}: stored row {client_id} no client sent")


def _audit_answers(result: Audit, name: str, rows: ConversationRows, escalation_rows: int):
    conversation = rows.conversation
    label = f"{name} (conversation {conversation.pk}, {conversation.status})"
    seqs = [m.seq for m in rows.messages]
    if seqs != list(range(1, len(seqs) + 1)) or conversation.last_seq != len(seqs):
        result.database_seq_gaps.append(f"{label}: seqs {seqs}, last_seq {conversation.last_seq}")
    handoffs = rows.handoffs
    if len(handoffs) > 1 or escalation_rows > 1:
        result.escalated_twice.append(
            f"{label}: {len(handoffs)} handoff messages, {escalation_rows} escalations"
        )
    if handoffs:
        result.conversations_escalated += 1
    handoff_seq = handoffs[0].seq if handoffs else None
    for message in rows.messages:
        if message.sender != Message.Sender.CUSTOMER:
            continue
        replies = rows.replies_to(message.seq)
        if len(replies) > 1:
            result.answered_twice.append(
                f"{label}: seq {message.seq} has replies {[r.seq for r in replies]}"
            )
        if handoff_seq is not None and message.seq > handoff_seq and replies:
            result.bot_after_handoff.append(
                f"{label}: bot replied to seq {message.seq} after the handoff at {handoff_seq}"
            )
        if replies:
            result.answered += 1
        elif handoff_seq is not None:
            result.escalated += 1
            if message.seq < handoff_seq:
                result.unreplied_before_handoff += 1
        else:
            result.unanswered.append(f"{label}: seq {message.seq} {message.body!r}")


def _audit_transcript(result: Audit, client: WidgetClient, conversations: list[ConversationRows]):
    if len(conversations) != 1:
        result.transcript_mismatches.append(
            f"{client.name}: {len(conversations)} conversations in the database, expected 1"
        )
        return
    database = conversations[0].shown()
    shown = client.transcript
    missing = sorted(set(database) - set(shown))
    extra = sorted(set(shown) - set(database))
    different = sorted(s for s in set(database) & set(shown) if database[s] != shown[s])
    if missing or extra or different:
        result.transcript_mismatches.append(
            f"{client.name}: missing seqs {missing}, unknown seqs {extra}, different {different}"
        )
    if shown and sorted(shown) != list(range(1, max(shown) + 1)):
        result.transcript_gaps.append(f"{client.name}: shows {sorted(shown)}")
    for seq, first, second in client.conflicts:
        result.seq_conflicts.append(f"{client.name}: seq {seq} shown as {first} and {second}")


def replies_created_after(customer_ids: list[int], moment: datetime) -> list[float]:
    """For visitor messages stored before `moment` and answered (or handed over) after it:
    seconds from `moment` to the answer. The pickup time of turns a fault interrupted."""
    delays: list[float] = []
    for rows_list in conversation_rows(customer_ids).values():
        for rows in rows_list:
            handoff = rows.handoffs[0] if rows.handoffs else None
            for message in rows.messages:
                if message.sender != Message.Sender.CUSTOMER or message.created >= moment:
                    continue
                replies = rows.replies_to(message.seq)
                answer = replies[0] if replies else handoff
                if answer is not None and answer.created > moment:
                    delays.append((answer.created - moment).total_seconds())
    return delays


def unanswered_at(customer_ids: list[int], moment: datetime) -> int:
    """Visitor messages stored before `moment` that had no reply or handoff by then."""
    count = 0
    for rows_list in conversation_rows(customer_ids).values():
        for rows in rows_list:
            handoff = rows.handoffs[0] if rows.handoffs else None
            if handoff is not None and handoff.created <= moment:
                continue
            for message in rows.messages:
                if message.sender != Message.Sender.CUSTOMER or message.created >= moment:
                    continue
                replies = [r for r in rows.replies_to(message.seq) if r.created <= moment]
                if not replies:
                    count += 1
    return count


def unanswered_since(customer_ids: list[int], cutoff: datetime) -> int:
    """Visitor messages stored before `cutoff` with no reply and no handoff yet."""
    count = 0
    for rows_list in conversation_rows(customer_ids).values():
        for rows in rows_list:
            if rows.handoffs:
                continue
            count += sum(
                1
                for m in rows.messages
                if m.sender == Message.Sender.CUSTOMER
                and m.created < cutoff
                and not rows.replies_to(m.seq)
            )
    return count
