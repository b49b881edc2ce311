"""Every event sent over the channel layer: one TypedDict per type, one builder per type.

A consumer handles an event in the method named after its type (`message.created` →
`message_created`). Producers build events only with the functions below (tests/unit/test_events.py
keeps every other module free of `{"type": ...}` literals and checks each schema, Zulip-style);
`chatsy.realtime` sends them. docs/architecture.md lists who sends and who reads each one.

No `from __future__ import annotations` here: Python 3.11 reads `NotRequired` from a TypedDict's
real annotations only, and the schema checks read the required keys at run time.
"""

from collections.abc import Sequence
from typing import Any, Literal, NotRequired, TypedDict, get_args, get_type_hints
from uuid import UUID

TypingSender = Literal["customer", "bot", "agent"]


class MessagePayload(TypedDict):
    """The message object of docs/widget-protocol.md, relayed to the widget as is."""

    seq: int
    sender: str
    sender_name: str
    body: str
    created: str
    client_id: str | None
    meta: dict[str, Any]


# --- a conversation's group: its visitor sockets and the consoles holding it ---------------


class MessageCreated(TypedDict):
    type: Literal["message.created"]
    conversation: str
    message: MessagePayload


class ConversationStatus(TypedDict):
    type: Literal["conversation.status"]
    conversation: str
    status: str


class TypingChanged(TypedDict):
    type: Literal["typing.changed"]
    conversation: str
    sender: TypingSender
    name: str
    active: bool
    agent_id: NotRequired[int]  # an agent's typing: their own console ignores the echo


class StreamDelta(TypedDict):
    type: Literal["stream.delta"]
    stream_id: str
    delta: str
    name: str


class StreamEnd(TypedDict):
    type: Literal["stream.end"]
    stream_id: str


class QueuePosition(TypedDict):
    type: Literal["queue.position"]
    position: int
    wait_minutes: list[int] | None
    text: str


class QueueMaxWaitExceeded(TypedDict):
    type: Literal["queue.max_wait_exceeded"]
    queue: str


class CsatRequested(TypedDict):
    type: Literal["csat.requested"]
    text: str


class EscalationSummaryUpdated(TypedDict):
    type: Literal["escalation.summary_updated"]
    escalation_id: int


# --- staff only: the staff conversation group, agents, queues, supervisors, users ----------


class NoteCreated(TypedDict):
    type: Literal["note.created"]
    note_id: int


class ConversationUpdated(TypedDict):
    type: Literal["conversation.updated"]
    conversation_id: str


class QueueChanged(TypedDict):
    type: Literal["queue.changed"]
    queue: str
    rows: NotRequired[list[str]]  # conversations whose row changed in place (sentiment, line)


class ChatOpened(TypedDict):
    type: Literal["chat.opened"]
    conversation: str


class ChatClosed(TypedDict):
    type: Literal["chat.closed"]
    conversation: str


class PresenceChanged(TypedDict):
    type: Literal["presence.changed"]
    status: str


class SupervisorRefresh(TypedDict):
    type: Literal["supervisor.refresh"]
    reviews: NotRequired[bool]  # an escalation was resolved: the unreviewed count may change


class CheckinAlert(TypedDict):
    """A VIP customer has waited past their plan's check-in minutes: to each manager's consoles."""

    type: Literal["checkin.alert"]
    conversation: str
    text: str


class SessionLogout(TypedDict):
    type: Literal["session.logout"]


class SessionCheck(TypedDict):
    """The user changed (password, deactivation, agent profile): each socket re-checks its own
    session and closes if it no longer lets the user in."""

    type: Literal["session.check"]


# --- every socket of every process (chatsy.layer_health.RESYNC_GROUP) ----------------------


class LayerResync(TypedDict):
    """The layer may have dropped events: read what was missed from the database again."""

    type: Literal["layer.resync"]


Event = (
    MessageCreated
    | ConversationStatus
    | TypingChanged
    | StreamDelta
    | StreamEnd
    | QueuePosition
    | QueueMaxWaitExceeded
    | CsatRequested
    | EscalationSummaryUpdated
    | NoteCreated
    | ConversationUpdated
    | QueueChanged
    | ChatOpened
    | ChatClosed
    | PresenceChanged
    | SupervisorRefresh
    | CheckinAlert
    | SessionLogout
    | SessionCheck
    | LayerResync
)

# The schema of each event type, read from the `type` field of each TypedDict above.
EVENT_TYPES: dict[str, type] = {
    get_args(get_type_hints(schema)["type"])[0]: schema for schema in get_args(Event)
}


# --- builders -----------------------------------------------------------------------------


def message_created(*, conversation: UUID | str, message: MessagePayload) -> MessageCreated:
    return {"type": "message.created", "conversation": str(conversation), "message": message}


def conversation_status(*, conversation: UUID | str, status: str) -> ConversationStatus:
    return {"type": "conversation.status", "conversation": str(conversation), "status": status}


def typing_changed(
    *,
    conversation: UUID | str,
    sender: TypingSender,
    name: str,
    active: bool,
    agent_id: int | None = None,
) -> TypingChanged:
    """`agent_id` only for an agent's typing (the key is absent otherwise, as consumers expect)."""
    event: TypingChanged = {
        "type": "typing.changed",
        "conversation": str(conversation),
        "sender": sender,
        "name": name,
        "active": active,
    }
    if agent_id is not None:
        event["agent_id"] = agent_id
    return event


def stream_delta(*, stream_id: str, delta: str, name: str) -> StreamDelta:
    return {"type": "stream.delta", "stream_id": stream_id, "delta": delta, "name": name}


def stream_end(*, stream_id: str) -> StreamEnd:
    return {"type": "stream.end", "stream_id": stream_id}


def queue_position(
    *, position: int, wait_minutes: Sequence[int] | None, text: str
) -> QueuePosition:
    """`wait_minutes` is the (low, high) estimate, or None when there is none."""
    return {
        "type": "queue.position",
        "position": position,
        "wait_minutes": list(wait_minutes) if wait_minutes else None,
        "text": text,
    }


def queue_max_wait_exceeded(*, queue: str) -> QueueMaxWaitExceeded:
    return {"type": "queue.max_wait_exceeded", "queue": queue}


def csat_requested(*, text: str) -> CsatRequested:
    return {"type": "csat.requested", "text": text}


def escalation_summary_updated(*, escalation_id: int) -> EscalationSummaryUpdated:
    return {"type": "escalation.summary_updated", "escalation_id": escalation_id}


def note_created(*, note_id: int) -> NoteCreated:
    return {"type": "note.created", "note_id": note_id}


def conversation_updated(*, conversation: UUID | str) -> ConversationUpdated:
    return {"type": "conversation.updated", "conversation_id": str(conversation)}


def queue_changed(*, queue: str, rows: Sequence[UUID | str] = ()) -> QueueChanged:
    """The queue moved; `rows`: conversations whose rows must be redrawn even if not moved."""
    event: QueueChanged = {"type": "queue.changed", "queue": queue}
    if rows:
        event["rows"] = [str(row) for row in rows]
    return event


def chat_opened(*, conversation: UUID | str) -> ChatOpened:
    return {"type": "chat.opened", "conversation": str(conversation)}


def chat_closed(*, conversation: UUID | str) -> ChatClosed:
    return {"type": "chat.closed", "conversation": str(conversation)}


def presence_changed(*, status: str) -> PresenceChanged:
    return {"type": "presence.changed", "status": status}


def supervisor_refresh(*, reviews: bool = False) -> SupervisorRefresh:
    """The supervisor's panels changed; `reviews`: so may the count of resolved escalations
    not reviewed (counted only then: it reads the escalations table)."""
    event: SupervisorRefresh = {"type": "supervisor.refresh"}
    if reviews:
        event["reviews"] = True
    return event


def checkin_alert(*, conversation: UUID | str, text: str) -> CheckinAlert:
    return {"type": "checkin.alert", "conversation": str(conversation), "text": text}


def session_logout() -> SessionLogout:
    return {"type": "session.logout"}


def session_check() -> SessionCheck:
    return {"type": "session.check"}


def layer_resync() -> LayerResync:
    return {"type": "layer.resync"}
