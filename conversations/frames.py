"""Parsing and validating the widget's websocket frames (docs/widget-protocol.md).

Pure: no database, no I/O. Every bad frame becomes a FrameError with a stable code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from chatsy.events import MessagePayload
from chatsy.timezones import zone_name_or_blank


class FrameError(Exception):
    def __init__(self, code: str, message: str, *, client_id: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id

    def as_frame(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "error", "code": self.code, "message": self.message}
        if self.client_id:
            frame["client_id"] = self.client_id
        return frame


@dataclass(frozen=True)
class Auth:
    token: str
    site_key: str
    time_zone: str = ""  # the browser's IANA zone (Intl), for times shown to the visitor


@dataclass(frozen=True)
class SendMessage:
    client_id: UUID
    body: str


@dataclass(frozen=True)
class Resync:
    after_seq: int


@dataclass(frozen=True)
class Typing:
    active: bool


@dataclass(frozen=True)
class Action:
    action: str
    seq: int


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class Csat:
    """The visitor's rating after a person resolved the chat."""

    score: int
    comment: str


@dataclass(frozen=True)
class CancelWait:
    """The visitor no longer wants to wait for a person: back to the bot."""


MAX_CSAT_COMMENT_CHARS = 1000


# --- alternatives to waiting (docs/tickets.md) ------------------------------------------


@dataclass(frozen=True)
class AlternativesRequest:
    """The visitor pressed "Other ways to reach us"."""

    time_zone: str


@dataclass(frozen=True)
class TicketRequest:
    """The visitor's choice of alternative, shape-checked only: agents.services.tickets
    validates the values (email, phone, an offered slot) and answers field by field."""

    request_id: UUID
    kind: str
    name: str = ""
    email: str = ""
    phone: str = ""
    window: str = ""
    slot: str = ""
    details: str = ""
    time_zone: str = ""


TICKET_TEXT_FIELDS = ("kind", "name", "email", "phone", "window", "slot", "details", "time_zone")
MAX_TICKET_FIELD_CHARS = 4000


@dataclass(frozen=True)
class Transcript:
    """The visitor asks for the conversation's transcript by email."""

    client_id: UUID  # made by the widget, reused on retry: one email per request
    email: str
    time_zone: str  # IANA ("Europe/Paris"), or "" for UTC


MAX_EMAIL_CHARS = 254  # EmailField's length

Frame = (
    Auth
    | SendMessage
    | Resync
    | Typing
    | Action
    | Ping
    | Csat
    | AlternativesRequest
    | TicketRequest
    | Transcript
    | CancelWait
)


def parse_frame(text: str, *, max_bytes: int, max_body_chars: int) -> Frame:
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise FrameError("frame_too_large", f"Frames are limited to {max_bytes} bytes.")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise FrameError("bad_json", "That frame is not valid JSON.") from error
    if not isinstance(data, dict):
        raise FrameError("bad_json", "A frame must be a JSON object.")
    if not _encodable(data):
        # A "\ud800" escape decodes to a lone surrogate, which no database or socket encodes.
        raise FrameError("bad_json", "That frame holds text that is not valid Unicode.")
    kind = data.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise FrameError("unknown_type", f"Unknown frame type: {str(kind)[:40]!r}.")
    return parser(data, max_body_chars)


def _parse_auth(data: dict[str, Any], _max: int) -> Auth:
    token, site_key = data.get("token"), data.get("site_key")
    if not isinstance(token, str) or not isinstance(site_key, str) or not token or not site_key:
        raise FrameError("invalid_frame", "auth needs a token and a site_key.")
    return Auth(token=token, site_key=site_key, time_zone=_time_zone(data))


def _time_zone(data: dict[str, Any]) -> str:
    return zone_name_or_blank(data.get("time_zone"))


def _parse_alternatives(data: dict[str, Any], _max: int) -> AlternativesRequest:
    return AlternativesRequest(time_zone=_time_zone(data))


def _parse_ticket(data: dict[str, Any], _max: int) -> TicketRequest:
    raw_id = data.get("request_id")
    try:
        request_id = UUID(raw_id) if isinstance(raw_id, str) else None
    except ValueError:
        request_id = None
    if request_id is None:
        raise FrameError("invalid_frame", "ticket needs a request_id (a UUID).")
    values: dict[str, str] = {}
    for key in TICKET_TEXT_FIELDS:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > MAX_TICKET_FIELD_CHARS:
            raise FrameError("invalid_frame", f"ticket {key} must be text.")
        values[key] = value
    if not values["kind"]:
        raise FrameError("invalid_frame", "ticket needs a kind.")
    return TicketRequest(request_id=request_id, **values)


def _parse_message(data: dict[str, Any], max_body_chars: int) -> SendMessage:
    raw_id, body = data.get("client_id"), data.get("body")
    try:
        client_id = UUID(str(raw_id)) if isinstance(raw_id, str) else None
    except ValueError:
        client_id = None
    if client_id is None:
        raise FrameError("invalid_frame", "message needs a client_id (a UUID).")
    if not isinstance(body, str):
        raise FrameError("invalid_frame", "message needs a body.", client_id=str(client_id))
    if len(body) > max_body_chars:
        raise FrameError(
            "message_too_long",
            f"Messages are limited to {max_body_chars:,} characters.",
            client_id=str(client_id),
        )
    if not body.strip():
        raise FrameError("empty_message", "The message is empty.", client_id=str(client_id))
    return SendMessage(client_id=client_id, body=body.strip())


def _parse_resync(data: dict[str, Any], _max: int) -> Resync:
    after = data.get("after_seq", 0)
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise FrameError("invalid_frame", "resync needs after_seq, a whole number ≥ 0.")
    return Resync(after_seq=after)


def _parse_typing(data: dict[str, Any], _max: int) -> Typing:
    active = data.get("active")
    if not isinstance(active, bool):
        raise FrameError("invalid_frame", "typing needs active: true or false.")
    return Typing(active=active)


def _parse_action(data: dict[str, Any], _max: int) -> Action:
    action, seq = data.get("action"), data.get("seq")
    if not isinstance(action, str) or not action or len(action) > 64:
        raise FrameError("invalid_frame", "action needs an action id.")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise FrameError("invalid_frame", "action needs the seq of its message.")
    return Action(action=action, seq=seq)


def _parse_csat(data: dict[str, Any], _max: int) -> Csat:
    score, comment = data.get("score"), data.get("comment", "")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise FrameError("invalid_frame", "csat needs a score from 1 to 5.")
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > MAX_CSAT_COMMENT_CHARS:
        raise FrameError(
            "invalid_frame", f"csat comment must be text of at most {MAX_CSAT_COMMENT_CHARS}."
        )
    return Csat(score=score, comment=comment.strip())


def _parse_transcript(data: dict[str, Any], _max: int) -> Transcript:
    raw_id, email, zone = data.get("client_id"), data.get("email"), data.get("time_zone", "")
    client_id = _uuid(raw_id)
    if client_id is None:
        raise FrameError("invalid_frame", "transcript needs a client_id (a UUID).")
    email = email.strip() if isinstance(email, str) else ""
    try:
        if len(email) > MAX_EMAIL_CHARS:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError as error:
        raise FrameError(
            "invalid_email", "Please enter a valid email address.", client_id=str(client_id)
        ) from error
    # A time zone we cannot read: the email shows UTC rather than failing.
    return Transcript(client_id=client_id, email=email, time_zone=zone_name_or_blank(zone))


def _uuid(raw: Any) -> UUID | None:
    try:
        return UUID(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


_PARSERS: dict[str, Callable[[dict[str, Any], int], Frame]] = {
    "auth": _parse_auth,
    "message": _parse_message,
    "resync": _parse_resync,
    "typing": _parse_typing,
    "action": _parse_action,
    "ping": lambda data, _max: Ping(),
    "csat": _parse_csat,
    "alternatives": _parse_alternatives,
    "ticket": _parse_ticket,
    "transcript": _parse_transcript,
    "cancel_wait": lambda data, _max: CancelWait(),
}


# The metadata the widget may read; the rest stays private. `agent` (on `agent_joined`) and
# `team` (on `handoff`) name who is coming, for the widget's header and handoff card.
PUBLIC_META = ("confidence", "actions", "sources", "stream_id", "event", "agent", "team")


def message_payload(message: Any) -> MessagePayload:
    """The message object of docs/widget-protocol.md, built from a Message row."""
    public_meta = {
        key: message.metadata[key] for key in PUBLIC_META if key in (message.metadata or {})
    }
    return {
        "seq": message.seq,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "body": message.body,
        "created": message.created.isoformat().replace("+00:00", "Z"),
        "client_id": str(message.client_id) if message.client_id else None,
        "meta": public_meta,
    }


def history_frame(
    payloads: list[MessagePayload], *, after_seq: int, more: bool, max_bytes: int
) -> dict[str, Any]:
    """A `history` frame of the leading `payloads` whose JSON (as the consumer sends it) stays
    within `max_bytes`; the rest are left for the next page (`has_more`). The first message
    always goes: bodies are capped at CHATSY_MAX_MESSAGE_CHARS, so one alone is far smaller."""
    frame: dict[str, Any] = {"type": "history", "messages": [], "last_seq": 0, "has_more": True}
    size = _json_bytes(frame) + 20  # the seq in last_seq, with room to spare
    for index, payload in enumerate(payloads):
        size += _json_bytes(payload) + 2  # ", " between list items
        if index and size > max_bytes:
            more = True
            break
        frame["messages"].append(payload)
    taken = frame["messages"]
    frame["last_seq"] = taken[-1]["seq"] if taken else after_seq
    frame["has_more"] = more
    return frame


def _encodable(data: dict[str, Any]) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
