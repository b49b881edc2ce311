"""An asyncio client that behaves like the chat widget, for tests against live servers.

It follows docs/widget-protocol.md and static/chatsy/widget.js: `auth`, then `resync` with the
highest seq it has shown, then it re-sends every unacknowledged message with the same
`client_id`; it de-duplicates by seq, advances its resync point on an ack only when nothing can
be missing before it, reconnects after any close (codes 4000–4999 included, but not the
terminal 4400 and 4415) with jittered exponential backoff, rotating through the servers it was
given when one refuses, answers a `{"type": "resync"}` hint with a resync, and asks for the
next `history` page while one says `has_more`. Everything it sees goes into `log`, with times, so a
test can assert from the client's side as well as from the database.

Differences from the widget, for bounded tests: the backoff stops growing at `backoff_max`
(the widget's is 15 s), a disconnect the test asks for (`drop`) reconnects at once, and a
`rate_limited` message is retried after a second (the widget shows a Retry button).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

HUMAN_STATUSES = ("queued", "assigned")
# The server's close codes after which the widget does not reconnect (docs/widget-protocol.md).
TERMINAL_CLOSE_CODES = (4400, 4415)
# How long a gap in seq may last before the client resyncs (static/chatsy/widget.js: 1 s).
GAP_SECONDS = 1.0


@dataclass
class Sent:
    """One visitor message, as the widget's outbox holds it."""

    client_id: str
    body: str
    first_sent: float  # time.monotonic() of the first attempt
    last_sent: float = 0.0  # of the latest attempt (re-sends after a reconnect)
    attempts: int = 0
    acked_at: float | None = None
    seq: int | None = None
    duplicate_acks: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ack_delay(self) -> float | None:
        """Seconds from the attempt the server acknowledged to its ack."""
        return None if self.acked_at is None else self.acked_at - self.last_sent


@dataclass(frozen=True)
class Shown:
    """A message as the client shows it; compared with the database row of the same seq."""

    sender: str
    body: str
    client_id: str | None


class WidgetClient:
    def __init__(
        self,
        *,
        name: str,
        token: str,
        site_key: str,
        servers: Sequence[str],
        path: str = "/ws/widget/",
        backoff_min: float = 0.5,
        backoff_max: float = 4.0,
        ping_seconds: float = 25.0,
        pong_timeout: float = 10.0,
        history_wait: float = 3.0,
    ):
        self.name, self.token, self.site_key = name, token, site_key
        self.servers = [s.replace("http://", "ws://").rstrip("/") + path for s in servers]
        self.server_index = 0
        self.current_server: str | None = None  # the ws URL of the open socket
        self.backoff_min, self.backoff_max = backoff_min, backoff_max
        self.ping_seconds, self.pong_timeout, self.history_wait = (
            ping_seconds,
            pong_timeout,
            history_wait,
        )
        self.transcript: dict[int, Shown] = {}
        self.conflicts: list[tuple[int, Shown, Shown]] = []  # same seq, different content
        self.last_seq = 0  # the widget's S.lastSeq: what it asks to resync after
        self.server_seq = 0  # the widget's S.serverSeq: the highest seq a `seq` frame announced
        self._gap_watched = False
        self.outbox: dict[str, Sent] = {}  # every message ever sent, in order
        self.status: str | None = None
        self.conversation_id: str | None = None
        self.log: list[tuple[float, str, Any]] = []
        self.connections = 0
        self.close_codes: list[int | None] = []
        self.resync_hints = 0
        self.terminal_close: int | None = None  # a close code the client gave up after
        self.history_pages = 0  # `history` frames that said more follow
        self._history_from = 0  # the after_seq of the resync in flight
        self._ws: ClientConnection | None = None
        self._ready = False
        self._awaiting_history = False
        self._attempt = 0
        self._stopped = False
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._drop_requested = False
        self._frames_seen = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ lifecycle --

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopped = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def drop(self, *, abrupt: bool) -> bool:
        """Disconnect now (a flaky network); the client reconnects at once. False if offline."""
        ws = self._ws
        if ws is None or not self._ready:
            return False
        self._drop_requested = True
        self._note("drop", {"abrupt": abrupt})
        if abrupt:
            ws.transport.abort()
        else:
            with contextlib.suppress(Exception):
                await ws.close()
        return True

    @property
    def ready(self) -> bool:
        return self._ready and not self._awaiting_history

    # ------------------------------------------------------------------- sending --

    def send_message(self, body: str) -> Sent:
        """Queue a visitor message (a new client_id); sent now if the socket is ready."""
        now = time.monotonic()
        sent = Sent(client_id=str(uuid.uuid4()), body=body, first_sent=now)
        self.outbox[sent.client_id] = sent
        if self.ready:
            self._spawn(self._send_pending(sent))
        return sent

    async def wait_acked(self, sent: Sent, timeout: float) -> bool:
        return await self._wait_for(lambda: sent.seq is not None, timeout)

    async def wait_answered(self, sent: Sent, timeout: float) -> bool:
        """Until a bot, agent or system message follows `sent`, or a person owns the chat."""

        def answered() -> bool:
            if self.status in HUMAN_STATUSES:
                return True
            return sent.seq is not None and any(
                seq > sent.seq and shown.sender != "customer"
                for seq, shown in self.transcript.items()
            )

        return await self._wait_for(answered, timeout)

    async def wait_until(self, predicate, timeout: float) -> bool:
        return await self._wait_for(predicate, timeout)

    def awaiting_answer(self) -> bool:
        """An acknowledged message with nothing from the bot, an agent or the system after it
        yet, while the bot owns the chat: its bot turn is (as far as this client knows) running."""
        if self.status != "bot":
            return False
        acked = [s.seq for s in self.outbox.values() if s.seq is not None]
        if not acked:
            return False
        last = max(acked)
        return not any(q > last and m.sender != "customer" for q, m in self.transcript.items())

    def unacked(self) -> list[Sent]:
        return [s for s in self.outbox.values() if s.seq is None]

    # ---------------------------------------------------------------- connection --

    async def _run(self) -> None:
        while not self._stopped:
            url = self.servers[self.server_index % len(self.servers)]
            opened = await self._connection(url)
            if self._stopped or self.terminal_close is not None:
                return
            if not opened:  # refused or no `ready`: try the next server after the backoff
                self.server_index += 1
            if self._drop_requested:
                self._drop_requested = False
                continue
            await asyncio.sleep(self._backoff())

    def _backoff(self) -> float:
        base = min(self.backoff_max, self.backoff_min * 2**self._attempt)
        self._attempt = min(self._attempt + 1, 16)
        return base * random.uniform(0.7, 1.3)

    async def _connection(self, url: str) -> bool:
        """One socket, from connect to close. True if it got as far as `ready`."""
        got_ready = False
        try:
            async with connect(
                url, open_timeout=5, close_timeout=1, ping_interval=None, compression=None
            ) as ws:
                self._ws = ws
                self.current_server = url
                self.connections += 1
                self._note("open", url)
                await ws.send(
                    json.dumps({"type": "auth", "token": self.token, "site_key": self.site_key})
                )
                pinger = asyncio.get_running_loop().create_task(self._pinger(ws))
                try:
                    async for raw in ws:
                        if not isinstance(raw, str):
                            continue
                        frame = json.loads(raw)
                        if frame.get("type") == "ready":
                            got_ready = True
                        await self._on_frame(ws, frame)
                finally:
                    pinger.cancel()
                self._closed(ws.close_code)
        except ConnectionClosed as closed:
            self._closed(closed.rcvd.code if closed.rcvd else None)
        except (OSError, InvalidHandshake, TimeoutError) as error:
            self._note("connect_failed", repr(error))
        finally:
            self._ws = None
            self.current_server = None
            self._ready = False
            self._awaiting_history = False
        return got_ready

    def _closed(self, code: int | None) -> None:
        if self._stopped:
            return
        self.close_codes.append(code)
        self._note("close", code)
        if code in TERMINAL_CLOSE_CODES:
            self.terminal_close = code

    async def _pinger(self, ws: ClientConnection) -> None:
        """The widget's liveness probe: a ping every 25 s; no frame for 10 s after it: drop."""
        while True:
            await asyncio.sleep(self.ping_seconds)
            before = self._frames_seen
            await ws.send(json.dumps({"type": "ping"}))
            await asyncio.sleep(self.pong_timeout)
            if self._frames_seen == before:
                self._note("pong_timeout", None)
                ws.transport.abort()
                return

    # -------------------------------------------------------------------- frames --

    async def _on_frame(self, ws: ClientConnection, frame: dict[str, Any]) -> None:
        self._frames_seen += 1
        kind = frame.get("type")
        if kind == "ready":
            self._ready = True
            self._attempt = 0
            conversation = frame.get("conversation") or {}
            self.conversation_id = conversation.get("id")
            self.status = conversation.get("status")
            self._note("ready", frame.get("last_seq"))
            await self._resync(ws)
            self._spawn(self._history_timeout(ws))
        elif kind == "history":
            self._note("history", [m["seq"] for m in frame.get("messages", [])])
            for message in frame.get("messages", []):
                self._show(message)
            last_seq = frame.get("last_seq")
            if isinstance(last_seq, int) and last_seq > self.last_seq:
                self.last_seq = last_seq  # the page vouches for every seq up to it
                self._advance()
            if frame.get("has_more") is True and self.last_seq > self._history_from:
                # One page of many, and it moved us on: the next, before re-sending anything.
                self.history_pages += 1
                await self._resync(ws)
                await self._notify()
                return
            if self._awaiting_history:
                self._awaiting_history = False
                await self._flush(ws)
        elif kind == "message":
            self._note("message", frame["message"]["seq"])
            self._show(frame["message"])
            self._watch_gap(ws)
        elif kind == "ack":
            self._on_ack(frame)
        elif kind == "status":
            self.status = frame["conversation"]["status"]
            self._note("status", self.status)
        elif kind == "resync":  # the server lost a broadcast: fetch what we missed
            self.resync_hints += 1
            self._note("resync_hint", frame)
            await self._resync(ws)
        elif kind == "seq":
            self._on_seq(ws, frame)
        elif kind == "error":
            self._on_error(frame)
        await self._notify()

    async def _resync(self, ws: ClientConnection) -> None:
        self._note("resync", self.last_seq)
        self._awaiting_history = True
        self._history_from = self.last_seq
        await ws.send(json.dumps({"type": "resync", "after_seq": self.last_seq}))

    async def _history_timeout(self, ws: ClientConnection) -> None:
        await asyncio.sleep(self.history_wait)
        if self._ws is ws and self._awaiting_history:
            self._awaiting_history = False
            await self._flush(ws)

    async def _flush(self, ws: ClientConnection) -> None:
        """Re-send, in order, everything not acknowledged yet (same client_id)."""
        for sent in list(self.outbox.values()):
            if sent.seq is None:
                await self._send_on(ws, sent)

    async def _send_pending(self, sent: Sent) -> None:
        ws = self._ws
        if ws is not None and self.ready:
            await self._send_on(ws, sent)

    async def _send_on(self, ws: ClientConnection, sent: Sent) -> None:
        sent.attempts += 1
        sent.last_sent = time.monotonic()
        with contextlib.suppress(ConnectionClosed):
            await ws.send(
                json.dumps({"type": "message", "client_id": sent.client_id, "body": sent.body})
            )

    def _show(self, message: dict[str, Any]) -> None:
        """A message or history entry: shown once per seq. The resync point moves only over
        seqs with nothing missing before them, as the widget's does."""
        self._record(message)
        self._advance()

    def _advance(self) -> None:
        while self.last_seq + 1 in self.transcript:
            self.last_seq += 1

    def _watch_gap(self, ws: ClientConnection) -> None:
        """A live message past a gap, or a `seq` frame announcing one we lack: a broadcast was lost
        (e.g. with the process that made it) or is overtaken; like the widget, resync if the gap
        is still there a second later."""
        if self._gap_watched or self._known_seq() <= self.last_seq:
            return
        self._gap_watched = True
        self._spawn(self._gap_resync(ws))

    def _known_seq(self) -> int:
        return max([self.server_seq, *self.transcript])

    def _on_seq(self, ws: ClientConnection, frame: dict[str, Any]) -> None:
        last_seq = frame.get("last_seq")
        if type(last_seq) is int and last_seq > self.last_seq:
            self._note("seq", last_seq)
            self.server_seq = max(self.server_seq, last_seq)
            self._watch_gap(ws)

    async def _gap_resync(self, ws: ClientConnection) -> None:
        await asyncio.sleep(GAP_SECONDS)
        self._gap_watched = False
        if self._ws is ws and not self._awaiting_history and self._known_seq() > self.last_seq:
            self._note("gap", self.last_seq)
            with contextlib.suppress(ConnectionClosed):
                await self._resync(ws)

    def _record(self, message: dict[str, Any]) -> int:
        seq = int(message["seq"])
        shown = Shown(message["sender"], message["body"], message.get("client_id"))
        known = self.transcript.get(seq)
        if known is not None and known != shown:
            self.conflicts.append((seq, known, shown))
        self.transcript.setdefault(seq, shown)
        return seq

    def _on_ack(self, frame: dict[str, Any]) -> None:
        sent = self.outbox.get(frame["client_id"])
        if sent is None:
            self._note("unknown_ack", frame)
            return
        if frame.get("duplicate"):
            sent.duplicate_acks += 1
        if sent.seq is not None:
            if sent.seq != frame["seq"]:
                sent.errors.append(f"acked twice with seqs {sent.seq} and {frame['seq']}")
            return
        sent.seq, sent.acked_at = int(frame["seq"]), time.monotonic()
        self._note("ack", sent.seq)
        self._record(
            {"seq": sent.seq, "sender": "customer", "body": sent.body, "client_id": sent.client_id}
        )
        # Like the widget, the resync point passes an ack's seq only if nothing is missing
        # before it (an earlier message may still be on its way, and resync must not skip it).
        self._advance()

    def _on_error(self, frame: dict[str, Any]) -> None:
        self._note("error", frame)
        sent = self.outbox.get(frame.get("client_id") or "")
        if sent is None:
            return
        sent.errors.append(frame.get("code", "?"))
        if frame.get("code") == "rate_limited":
            self._spawn(self._retry_later(sent))

    async def _retry_later(self, sent: Sent) -> None:
        await asyncio.sleep(1.0)
        if sent.seq is None:
            await self._send_pending(sent)

    # ------------------------------------------------------------------- helpers --

    def _note(self, kind: str, detail: Any) -> None:
        self.log.append((time.monotonic(), kind, detail))

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait_for(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))
        return True
