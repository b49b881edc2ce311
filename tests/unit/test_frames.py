"""Frame validation (pure, no database)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from conversations.frames import (
    Action,
    AlternativesRequest,
    Auth,
    CancelWait,
    FrameError,
    Ping,
    Resync,
    SendMessage,
    TicketRequest,
    Transcript,
    Typing,
    history_frame,
    message_payload,
    parse_frame,
)


def parse(frame) -> object:
    text = frame if isinstance(frame, str) else json.dumps(frame)
    return parse_frame(text, max_bytes=16 * 1024, max_body_chars=4000)


CLIENT_ID = uuid.uuid4()


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"type": "auth", "token": "t", "site_key": "k"}, Auth(token="t", site_key="k")),
        (
            {"type": "message", "client_id": str(CLIENT_ID), "body": "  hello  "},
            SendMessage(client_id=CLIENT_ID, body="hello"),
        ),
        (
            {"type": "message", "client_id": str(CLIENT_ID), "body": "x" * 4000},
            SendMessage(CLIENT_ID, "x" * 4000),
        ),
        ({"type": "resync", "after_seq": 7}, Resync(after_seq=7)),
        ({"type": "resync"}, Resync(after_seq=0)),
        ({"type": "typing", "active": False}, Typing(active=False)),
        (
            {"type": "action", "action": "helpful_yes", "seq": 3},
            Action(action="helpful_yes", seq=3),
        ),
        ({"type": "ping"}, Ping()),
        (
            {"type": "auth", "token": "t", "site_key": "k", "time_zone": "Europe/Berlin"},
            Auth(token="t", site_key="k", time_zone="Europe/Berlin"),
        ),
        ({"type": "auth", "token": "t", "site_key": "k", "time_zone": 5}, Auth("t", "k", "")),
        ({"type": "alternatives", "time_zone": "Asia/Tokyo"}, AlternativesRequest("Asia/Tokyo")),
        ({"type": "alternatives"}, AlternativesRequest(time_zone="")),
        (
            {"type": "ticket", "request_id": str(CLIENT_ID), "kind": "email", "email": "a@b.co"},
            TicketRequest(request_id=CLIENT_ID, kind="email", email="a@b.co"),
        ),
        (
            {"type": "ticket", "request_id": str(CLIENT_ID), "kind": "callback", "name": None},
            TicketRequest(request_id=CLIENT_ID, kind="callback"),
        ),
        (
            {"type": "transcript", "client_id": str(CLIENT_ID), "email": " ada@example.com "},
            Transcript(client_id=CLIENT_ID, email="ada@example.com", time_zone=""),
        ),
        (
            {
                "type": "transcript",
                "client_id": str(CLIENT_ID),
                "email": "ada@example.com",
                "time_zone": "Europe/Paris",
            },
            Transcript(CLIENT_ID, "ada@example.com", "Europe/Paris"),
        ),
        # A zone we cannot read (or a path) falls back to UTC rather than failing the request.
        *(
            (
                {
                    "type": "transcript",
                    "client_id": str(CLIENT_ID),
                    "email": "a@b.co",
                    "time_zone": zone,
                },
                Transcript(CLIENT_ID, "a@b.co", ""),
            )
            for zone in ("Mars/Olympus", "../../etc/passwd", "America", 5, None, "x" * 65)
        ),
        ({"type": "cancel_wait"}, CancelWait()),
    ],
)
def test_valid_frames_parse(frame, expected):
    assert parse(frame) == expected


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_json"),
        ("null", "bad_json"),
        ('"a string"', "bad_json"),
        ({"type": "launch"}, "unknown_type"),
        ({"type": 5}, "unknown_type"),
        ({}, "unknown_type"),
        ({"type": "auth", "token": "t"}, "invalid_frame"),
        ({"type": "auth", "token": 1, "site_key": "k"}, "invalid_frame"),
        ({"type": "message", "client_id": "not-a-uuid", "body": "hi"}, "invalid_frame"),
        ({"type": "message", "client_id": str(CLIENT_ID)}, "invalid_frame"),
        ({"type": "message", "client_id": str(CLIENT_ID), "body": "x" * 4001}, "message_too_long"),
        ({"type": "message", "client_id": str(CLIENT_ID), "body": " \n\t "}, "empty_message"),
        ({"type": "resync", "after_seq": "3"}, "invalid_frame"),
        ({"type": "resync", "after_seq": True}, "invalid_frame"),
        ({"type": "resync", "after_seq": -1}, "invalid_frame"),
        ({"type": "typing", "active": "yes"}, "invalid_frame"),
        ({"type": "action", "action": "", "seq": 1}, "invalid_frame"),
        ({"type": "action", "action": "x", "seq": 0}, "invalid_frame"),
        ({"type": "ticket", "kind": "email"}, "invalid_frame"),
        ({"type": "ticket", "request_id": "nope", "kind": "email"}, "invalid_frame"),
        ({"type": "ticket", "request_id": str(CLIENT_ID)}, "invalid_frame"),
        (
            {"type": "ticket", "request_id": str(CLIENT_ID), "kind": "email", "email": 3},
            "invalid_frame",
        ),
        (
            {"type": "ticket", "request_id": str(CLIENT_ID), "kind": "x", "details": "d" * 4001},
            "invalid_frame",
        ),
        ("x" * (16 * 1024 + 1), "frame_too_large"),
        # json.dumps spells a lone surrogate as the escape "\\ud800", as an attacker would.
        ({"type": "message", "client_id": str(CLIENT_ID), "body": "a \ud800 b"}, "bad_json"),
        ({"type": "csat", "score": 5, "comment": "\udfff"}, "bad_json"),
        ({"type": "transcript", "email": "ada@example.com"}, "invalid_frame"),
        ({"type": "transcript", "client_id": "x", "email": "ada@example.com"}, "invalid_frame"),
        ({"type": "transcript", "client_id": str(CLIENT_ID)}, "invalid_email"),
        ({"type": "transcript", "client_id": str(CLIENT_ID), "email": "ada"}, "invalid_email"),
        ({"type": "transcript", "client_id": str(CLIENT_ID), "email": ["a@b.co"]}, "invalid_email"),
        (
            {"type": "transcript", "client_id": str(CLIENT_ID), "email": "a" * 250 + "@b.co"},
            "invalid_email",
        ),
    ],
)
def test_bad_frames_raise_a_stable_code(frame, code):
    with pytest.raises(FrameError) as caught:
        parse(frame)
    assert caught.value.code == code
    assert caught.value.as_frame()["type"] == "error"


def test_errors_about_a_message_name_its_client_id():
    with pytest.raises(FrameError) as caught:
        parse({"type": "message", "client_id": str(CLIENT_ID), "body": "x" * 5000})
    assert caught.value.as_frame()["client_id"] == str(CLIENT_ID)


def test_multibyte_text_counts_bytes_not_characters():
    frame = json.dumps({"type": "ping", "pad": "é" * 9000}, ensure_ascii=False)
    assert len(frame) < 16 * 1024 < len(frame.encode())
    with pytest.raises(FrameError, match="bytes"):
        parse(frame)


def payload(seq: int, body: str) -> dict:
    return {"seq": seq, "sender": "customer", "sender_name": "", "body": body, "created": "",
            "client_id": None, "meta": {}}  # fmt: skip


def encoded_bytes(frame: dict) -> int:
    """As the consumer sends it (VisitorConsumer._send_json)."""
    return len(json.dumps(frame, ensure_ascii=False).encode())


@pytest.mark.parametrize(
    "body", ["x" * 4000, "ü€" * 2000, "\x01" * 4000], ids=["ascii", "multibyte", "control"]
)
def test_a_history_page_stays_within_its_byte_bound_and_says_more_follow(body):
    payloads = [payload(seq, body) for seq in range(11, 61)]
    frame = history_frame(payloads, after_seq=10, more=False, max_bytes=64 * 1024)
    assert 1 <= len(frame["messages"]) < 50
    assert encoded_bytes(frame) <= 64 * 1024
    assert frame["has_more"] is True
    assert frame["last_seq"] == frame["messages"][-1]["seq"] == 10 + len(frame["messages"])


def test_a_history_page_that_fits_keeps_the_selectors_answer_on_more():
    payloads = [payload(seq, "hello") for seq in (4, 5)]
    assert history_frame(payloads, after_seq=3, more=False, max_bytes=1024) == {
        "type": "history",
        "messages": payloads,
        "last_seq": 5,
        "has_more": False,
    }
    assert history_frame(payloads, after_seq=3, more=True, max_bytes=1024)["has_more"] is True
    assert history_frame([], after_seq=7, more=False, max_bytes=1024)["last_seq"] == 7


def test_a_history_page_always_carries_its_first_message():
    frame = history_frame([payload(1, "x" * 4000)], after_seq=0, more=False, max_bytes=100)
    assert [m["seq"] for m in frame["messages"]] == [1]


def test_the_payload_names_the_team_and_the_agent_and_keeps_the_rest_private():
    """The widget's handoff card and header read `team` and `agent` (issue 14)."""

    def payload(metadata):
        row = SimpleNamespace(
            seq=4,
            sender="system",
            sender_name="",
            body="…",
            client_id=None,
            created=datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
            metadata=metadata,
        )
        return message_payload(row)["meta"]

    handoff = {"event": "handoff", "escalation_id": 7, "team": "billing team"}
    assert payload(handoff) == {"event": "handoff", "team": "billing team"}
    joined = {"event": "agent_joined", "agent": "Maya Lopez", "agent_id": 3}
    assert payload(joined) == {"event": "agent_joined", "agent": "Maya Lopez"}
