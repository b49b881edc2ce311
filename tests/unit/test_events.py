"""Channel-layer events are defined once (chatsy/events.py): every builder's event matches its
schema, the schema check catches what it must, every type has a consumer handler, and no other
module writes an event as a dict literal. No database, no Redis."""

from __future__ import annotations

import ast
import inspect
import uuid
from pathlib import Path
from typing import Any

import pytest

from chatsy import events
from tests.support.event_schema import EventSchemaError, check_event

ROOT = Path(__file__).resolve().parents[2]
APPS = ("chatsy", "conversations", "escalation", "agents")
CONVERSATION = uuid.UUID("6f1c2d9e-8a4b-4c3d-9e2f-1a2b3c4d5e6f")
MESSAGE: events.MessagePayload = {
    "seq": 3,
    "sender": "bot",
    "sender_name": "Chatsy",
    "body": "Standard shipping takes 3–5 business days.",
    "created": "2026-12-05T09:00:00Z",
    "client_id": None,
    "meta": {"confidence": 0.91, "actions": ["helpful", "not_helpful"]},
}

# One row per way a producer builds each event; test_every_event_type_has_a_row keeps it whole.
BUILT: list[events.Event] = [
    events.message_created(conversation=CONVERSATION, message=MESSAGE),
    events.message_created(
        conversation=str(CONVERSATION), message={**MESSAGE, "client_id": str(CONVERSATION)}
    ),
    events.conversation_status(conversation=CONVERSATION, status="queued"),
    events.typing_changed(conversation=CONVERSATION, sender="customer", name="", active=True),
    events.typing_changed(conversation=CONVERSATION, sender="bot", name="Chatsy", active=False),
    events.typing_changed(
        conversation=str(CONVERSATION), sender="agent", name="Sarah", agent_id=7, active=True
    ),
    events.stream_delta(stream_id="a1b2", delta="Standard ", name="Chatsy"),
    events.stream_end(stream_id="a1b2"),
    events.queue_position(position=2, wait_minutes=(3, 6), text="You're number 2 in line."),
    events.queue_position(position=1, wait_minutes=None, text="You're next."),
    events.queue_max_wait_exceeded(queue="billing"),
    events.csat_requested(text="How did Sarah do?"),
    events.escalation_summary_updated(escalation_id=12),
    events.note_created(note_id=4),
    events.conversation_updated(conversation=CONVERSATION),
    events.queue_changed(queue="general"),
    events.queue_changed(queue="general", rows=[CONVERSATION]),
    events.chat_opened(conversation=CONVERSATION),
    events.chat_closed(conversation=str(CONVERSATION)),
    events.presence_changed(status="away"),
    events.supervisor_refresh(),
    events.supervisor_refresh(reviews=True),
    events.checkin_alert(conversation=CONVERSATION, text="Ann (VIP plan) has waited 16 min."),
    events.session_logout(),
    events.session_check(),
    events.layer_resync(),
]


@pytest.mark.parametrize("event", BUILT, ids=lambda event: event["type"])
def test_every_built_event_matches_its_schema(event: events.Event) -> None:
    check_event(event)


def test_every_event_type_has_a_row_and_a_builder_named_after_it() -> None:
    assert {event["type"] for event in BUILT} == set(events.EVENT_TYPES)
    for kind in events.EVENT_TYPES:
        builder = getattr(events, kind.replace(".", "_"))
        parameters = inspect.signature(builder).parameters.values()
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters), kind


def test_the_builders_write_the_fields_the_consumers_read() -> None:
    assert events.message_created(conversation=CONVERSATION, message=MESSAGE) == {
        "type": "message.created",
        "conversation": str(CONVERSATION),
        "message": MESSAGE,
    }
    assert "agent_id" not in events.typing_changed(
        conversation=CONVERSATION, sender="customer", name="", active=True
    )
    assert events.queue_position(position=2, wait_minutes=(3, 6), text="t")["wait_minutes"] == [
        3,
        6,
    ]
    assert events.conversation_updated(conversation=CONVERSATION) == {
        "type": "conversation.updated",
        "conversation_id": str(CONVERSATION),
    }


_DROP = object()


def _mutated(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """`base` with keys changed, added, or removed (`key=_DROP`)."""
    event = {**base, **changes}
    return {key: value for key, value in event.items() if value is not _DROP}


_TYPING = dict(
    events.typing_changed(conversation=CONVERSATION, sender="bot", name="C", active=True)
)
_POSITION = dict(events.queue_position(position=1, wait_minutes=(1, 2), text="t"))
_MESSAGE = dict(events.message_created(conversation=CONVERSATION, message=MESSAGE))


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ({"type": "message.deleted", "conversation": "x"}, "unknown event type"),
        ({"conversation": "x"}, "unknown event type"),
        (_mutated(_TYPING, active=_DROP), "missing ['active']"),
        (_mutated(_TYPING, volume=3), "unknown ['volume']"),
        (_mutated(_TYPING, active="yes"), "typing.changed.active"),
        (_mutated(_TYPING, sender="robot"), "typing.changed.sender"),
        (_mutated(_TYPING, agent_id=True), "typing.changed.agent_id"),
        (_mutated(_TYPING, conversation=CONVERSATION), "typing.changed.conversation"),
        (_mutated(_POSITION, position=True), "queue.position.position"),
        (_mutated(_POSITION, wait_minutes=[1, "2"]), "queue.position.wait_minutes"),
        (_mutated(_POSITION, wait_minutes=(1, 2)), "queue.position.wait_minutes"),
        (_mutated(_MESSAGE, message={**MESSAGE, "seq": "3"}), "message.created.message.seq"),
        (_mutated(_MESSAGE, message={**MESSAGE, "extra": 1}), "unknown ['extra']"),
        ({"type": "supervisor.refresh", "queue": "general"}, "unknown ['queue']"),
    ],
)
def test_the_schema_check_rejects_what_the_consumers_could_not_read(
    event: dict[str, Any], error: str
) -> None:
    with pytest.raises(EventSchemaError) as raised:
        check_event(event)
    assert error in str(raised.value)


def test_every_event_type_has_a_consumer_handler_and_every_handler_an_event_type() -> None:
    from channels.generic.websocket import AsyncWebsocketConsumer

    from agents.consumers import ConsoleConsumer
    from conversations.consumers import VisitorConsumer

    handlers = {kind.replace(".", "_") for kind in events.EVENT_TYPES}
    defined: set[str] = set()
    for consumer in (VisitorConsumer, ConsoleConsumer):
        public = {
            name
            for name, member in vars(consumer).items()
            if inspect.iscoroutinefunction(member) and not name.startswith("_")
        }
        defined |= public - set(dir(AsyncWebsocketConsumer)) - {"receive"}
    assert defined <= handlers, f"handlers of no event type: {sorted(defined - handlers)}"
    assert handlers <= defined, f"event types no consumer handles: {sorted(handlers - defined)}"


# --- nobody else writes events by hand ------------------------------------------------------

SEND_HELPERS = {"group_send", "group_send_async", "group_send_on_commit"}


def _hand_built_events(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, why) for each place that builds a channel-layer event without chatsy.events."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "type"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and (value.value in events.EVENT_TYPES or "." in value.value)
                ):
                    found.append((node.lineno, f"{{'type': {value.value!r}}} literal"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SEND_HELPERS and not (
                isinstance(node.func.value, ast.Name) and node.func.value.id == "realtime"
            ):
                found.append((node.lineno, f"channel layer's {node.func.attr} called directly"))
            if node.func.attr in SEND_HELPERS:
                sent = node.args[1:2] or [k.value for k in node.keywords if k.arg == "event"]
                if sent and not _built_by_events(sent[0]):
                    found.append((node.lineno, f"{node.func.attr} of an event not built here"))
    return found


def _built_by_events(node: ast.expr) -> bool:
    """`events.<builder>(...)`, or a name/call whose value mypy checks against `Event`."""
    return not isinstance(node, ast.Dict | ast.DictComp) and not (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
    )


def _modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        and path.relative_to(ROOT).as_posix()
        # realtime sends the events; layer_health sends its one resync hint itself (it sits
        # below realtime, which may ask it whether Redis is up); B2, the benchmark's baseline,
        # is the bare channel layer by definition.
        not in (
            "chatsy/events.py",
            "chatsy/realtime.py",
            "chatsy/layer_health.py",
            "chatsy/bench/echo_asgi.py",
        )
    ]


def test_only_chatsy_events_builds_channel_layer_events() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {why}"
        for path in _modules()
        for line, why in _hand_built_events(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert offenders == []


def test_the_check_finds_a_hand_built_event() -> None:
    source = (
        "realtime.group_send(group, {'type': 'queue.changed', 'queue': 'general'})\n"
        "layer.group_send(group, events.queue_changed(queue='general'))\n"
    )
    assert sorted(line for line, _ in _hand_built_events(ast.parse(source))) == [1, 1, 2]


def test_chatsy_events_imports_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "chatsy" / "events.py").read_text())
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"collections", "typing", "uuid"}
