"""The visitor's websocket (docs/widget-protocol.md). Thin: parse, one service call, send."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import weakref
from collections.abc import Mapping
from typing import Any

from asgiref.typing import WebSocketReceiveEvent
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chatsy import events, layer_health, realtime
from chatsy.budgets import budget_take_async, lease_release, lease_take
from chatsy.client_address import client_address_from_scope
from chatsy.debounce import Debounce
from chatsy.redis import RedisUnavailable
from conversations import selectors, services
from conversations.frames import (
    Action,
    AlternativesRequest,
    Auth,
    CancelWait,
    Csat,
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
from conversations.hooks import BotTurn, CsatResult, hooks, ticket_hooks
from conversations.models import Conversation
from conversations.origins import origin_allowed, scope_origins
from conversations.tokens import InvalidToken, read_token
from conversations.turns import turn_run, turns_upkeep_start
from conversations.visitor_presence import (
    REFRESH_SECONDS,
    visitor_arrived,
    visitor_left,
    visitor_still_here,
)
from escalation import copy

logger = logging.getLogger(__name__)

# Close codes (docs/widget-protocol.md). An ASGI server accepts only 1000 and 3000–4999 from
# an application (autobahn's sendClose raises on 1008 or 1003: the socket ends with 1011 and
# `disconnect()` never runs), so the app's own reasons use 4000–4999, HTTP-like where one fits.
CLOSE_POLICY_VIOLATION = 4400  # a frame before auth, or too many bad frames: terminal
CLOSE_AUTH_FAILED = 4401  # bad token, unknown site, origin not allowed: new token, once
CLOSE_AUTH_DEADLINE = 4408  # no auth in time: reconnect with backoff
CLOSE_UNSUPPORTED_DATA = 4415  # a binary frame: terminal
CLOSE_OVER_BUDGET = 4429  # over a rate budget: reconnect after the longest backoff

# Each frame type draws on its budget (settings.CHATSY_BUDGETS) before it is handled.
BUDGET_KINDS: dict[type, str] = {
    SendMessage: "message",
    Typing: "typing",
    Resync: "resync",
    Action: "action",
    Csat: "csat",
    Ping: "ping",
    AlternativesRequest: "action",  # a button press, like a quick reply
    TicketRequest: "action",
    Transcript: "transcript",
    CancelWait: "action",
}
UNAUTHENTICATED = "unauthenticated"
# A `seq` frame follows a `pong` at most this often per socket (one primary-key read): the
# widget pings every 25 s, so each of its pings gets one; a flood of pings reads once.
PONG_SEQ_SECONDS = 10.0


class VisitorConsumer(AsyncWebsocketConsumer):
    conversation: Conversation | None = None
    # Where the history this socket is paging through continues: asking for that page costs no
    # resync budget (a long chat takes many pages; a new resync from anywhere else pays).
    next_page_after: int | None = None
    presence_at = 0.0  # when this socket last told visitor_presence it is here (monotonic)
    closing = False  # we sent a close: frames still in flight get no answer and no second close
    time_zone = ""  # the browser's IANA zone, from `auth`: times offered to the visitor
    seq_checked_at = -math.inf  # when the database's latest seq was last read for a pong
    told_seq = 0  # the highest seq this socket told the widget of (ready, ack, message, history)

    async def connect(self) -> None:
        realtime.publisher_start()
        turns_upkeep_start()
        self.violations = 0
        self.refusals = 0
        self.closing = False
        self.refused = False  # over budget: waiting to be closed, frames ignored
        self.refused_until: dict[str, float] = {}
        self.address = client_address_from_scope(self.scope)
        self.deadline: asyncio.Task[None] | None = None
        # Counted before the handshake completes, so the client's next step finds its place.
        verdict = await budget_take_async("socket", address=self.address)
        self.holds_lease = await lease_take(
            kind=UNAUTHENTICATED,
            address=self.address,
            holder=self.channel_name,
            cap=settings.CHATSY_UNAUTHENTICATED_SOCKETS_PER_ADDRESS,
            seconds=settings.CHATSY_AUTH_DEADLINE_SECONDS + 5,
        )
        await self.accept()
        if not verdict.allowed or not self.holds_lease:
            wait = verdict.retry_after or settings.CHATSY_AUTH_DEADLINE_SECONDS
            await self._over_budget("socket", retry_after=wait)
            return
        self.deadline = asyncio.get_running_loop().create_task(self._auth_deadline())

    async def _auth_deadline(self) -> None:
        """No `auth` in time: the socket held a place and a channel for nothing. (The console's
        socket needs no deadline: its session cookie is checked during the handshake.)"""
        await asyncio.sleep(settings.CHATSY_AUTH_DEADLINE_SECONDS)
        if self.conversation is None and not (self.closing or self.refused):
            await self._send_error(FrameError("auth_timeout", "Send auth first."))
            await self.close(code=CLOSE_AUTH_DEADLINE)

    async def _release_lease(self) -> None:
        if getattr(self, "holds_lease", False):
            self.holds_lease = False
            await lease_release(
                kind=UNAUTHENTICATED, address=self.address, holder=self.channel_name
            )

    async def disconnect(self, code: int) -> None:
        deadline = getattr(self, "deadline", None)
        if deadline is not None and deadline is not asyncio.current_task():
            deadline.cancel()
        await self._release_lease()
        if self.conversation is not None:
            await visitor_left(conversation_id=str(self.authed.public_id), socket=self.channel_name)
            await layer_health.socket_unregister(self)
            await self.channel_layer.group_discard(self.group, self.channel_name)

    @property
    def authed(self) -> Conversation:
        """The conversation of an authenticated socket: `receive` lets no other frame through
        before auth, and channel-layer events only arrive after the group join."""
        assert self.conversation is not None
        return self.conversation

    @property
    def group(self) -> str:
        return realtime.conversation_group(self.authed.public_id)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing or self.refused:
            return  # frames in flight when this socket was refused or closed
        if text_data is None:
            await self._send_error(FrameError("binary_not_supported", "Send text frames only."))
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        try:
            frame = parse_frame(
                text_data,
                max_bytes=settings.CHATSY_MAX_FRAME_BYTES,
                max_body_chars=settings.CHATSY_MAX_MESSAGE_CHARS,
            )
            if self.conversation is None and not isinstance(frame, Auth):
                await self._send_error(FrameError("auth_required", "Send auth first."))
                await self.close(code=CLOSE_POLICY_VIOLATION)
                return
            await self._dispatch(frame)
        except FrameError as error:
            await self._violation(error)

    async def _dispatch(self, frame: Any) -> None:
        kind = BUDGET_KINDS.get(type(frame))
        if isinstance(frame, Resync) and frame.after_seq == self.next_page_after:
            kind = None  # the next page of a history already paid for: bounded by its length
        if kind is not None and not await self._within_budget(
            kind, visitor=str(self.authed.customer_id), client_id=_client_id(frame)
        ):
            return
        if isinstance(frame, Auth):
            await self._authenticate(frame)
        elif isinstance(frame, SendMessage):
            await self._receive_message(frame)
        elif isinstance(frame, Resync):
            await self._resync(frame.after_seq)
        elif isinstance(frame, Typing):
            # At most one push per conversation and second, the last state always: a flood of
            # typing frames must not become a flood of console renders.
            _typing_debounce().submit(self.authed.public_id, frame.active, self._typing_push)
        elif isinstance(frame, Action):
            await hooks().visitor_action(
                conversation=self.authed, action=frame.action, seq=frame.seq
            )
        elif isinstance(frame, Ping):
            await self._send_json({"type": "pong"})  # at once: the widget times the socket
            await self._seq_check()
            if time.monotonic() - self.presence_at >= REFRESH_SECONDS:
                self.presence_at = time.monotonic()
                await visitor_still_here(
                    conversation_id=str(self.authed.public_id), socket=self.channel_name
                )
        elif isinstance(frame, Csat):
            await self._rate(frame)
        elif isinstance(frame, AlternativesRequest):
            await self._alternatives_request(frame)
        elif isinstance(frame, TicketRequest):
            await self._ticket_request(frame)
        elif isinstance(frame, Transcript):
            await self._transcript(frame)
        elif isinstance(frame, CancelWait):
            await self._cancel_wait()

    async def _authenticate(self, frame: Auth) -> None:
        if self.conversation is not None:
            raise FrameError("invalid_frame", "Already authenticated.")
        try:
            visitor_id = str(read_token(frame.token, site_key=frame.site_key).visitor_id)
        except InvalidToken:
            visitor_id = None  # refused below, in the same words as any bad token
        if visitor_id and not await self._within_budget("auth", visitor=visitor_id):
            return
        try:
            conversation = await database_sync_to_async(_open_conversation)(frame, self.scope)
        except InvalidToken:
            await self._send_error(FrameError("auth_failed", "This chat session is not valid."))
            await self.close(code=CLOSE_AUTH_FAILED)
            return
        self.conversation = conversation
        if self.deadline is not None:
            self.deadline.cancel()
        await self._release_lease()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await layer_health.socket_register(self)
        await visitor_arrived(conversation_id=str(conversation.public_id), socket=self.channel_name)
        self.presence_at = time.monotonic()
        self.told_seq = conversation.last_seq
        site = conversation.site
        await self._send_json(
            {
                "type": "ready",
                "conversation": {"id": str(conversation.public_id), "status": conversation.status},
                "last_seq": conversation.last_seq,
                "site": {
                    "name": site.name,
                    "greeting": site.greeting,
                    "bot_name": settings.CHATSY_BOT_NAME,
                },
                # Waiting for a person: the place and estimate, so a reload shows them at once.
                "queue": await database_sync_to_async(_queue_state)(conversation),
            }
        )
        if await database_sync_to_async(hooks().csat_pending)(conversation=conversation):
            await self._send_json({"type": "csat_request", "text": copy.CSAT_GENERIC})
        self.time_zone = frame.time_zone
        if conversation.status == Conversation.Status.QUEUED:
            await self._alternatives_offer(reason=None)

    async def _receive_message(self, frame: SendMessage) -> None:
        receipt, turn = await database_sync_to_async(_message_store)(self.authed, frame)
        self.told_seq = max(self.told_seq, receipt.message.seq)
        await self._send_json(
            {
                "type": "ack",
                "client_id": str(frame.client_id),
                "seq": receipt.message.seq,
                "duplicate": receipt.duplicate,
            }
        )
        if turn is not None:
            turn_run(message_id=receipt.message.pk, turn=hooks().bot_turn(turn))

    async def _seq_check(self) -> None:
        """After a `pong` (at most every PONG_SEQ_SECONDS): a `seq` frame when the database
        holds messages this socket never told the widget of.

        Broadcasts are at most once, and the widget finds a lost one only when a later message
        arrives past the gap; the last message of a burst (say, a lost turn answered by another
        server as its Daphne died) has none after it. With this, the widget finds it at its next
        ping instead of never (docs/widget-protocol.md, "Reconnecting")."""
        now = time.monotonic()
        if now - self.seq_checked_at < PONG_SEQ_SECONDS:
            return
        self.seq_checked_at = now
        last_seq = await database_sync_to_async(selectors.conversation_last_seq)(
            conversation_id=self.authed.pk
        )
        if last_seq > self.told_seq:
            self.told_seq = last_seq
            await self._send_json({"type": "seq", "last_seq": last_seq})

    async def _cancel_wait(self) -> None:
        cancelled = await database_sync_to_async(hooks().wait_cancel)(conversation=self.authed)
        if not cancelled:
            await self._send_error(
                FrameError("not_waiting", "This chat is not waiting for a person.")
            )

    async def _rate(self, frame: Csat) -> None:
        result = await database_sync_to_async(hooks().csat_record)(
            conversation=self.authed, score=frame.score, comment=frame.comment
        )
        if result is CsatResult.UNAVAILABLE:
            raise FrameError("csat_not_available", "There is no resolved chat to rate.")
        await self._send_json(
            {
                "type": "csat_thanks",
                "text": copy.CSAT_THANKS,
                "duplicate": result is CsatResult.DUPLICATE,
            }
        )

    # --- alternatives to waiting (docs/tickets.md) ---------------------------------------

    async def _alternatives_offer(self, *, reason: str | None) -> None:
        """The `alternatives` frame when the situation (or `reason`) calls for one."""
        offer = await database_sync_to_async(ticket_hooks().alternatives)(
            conversation=self.authed, time_zone=self.time_zone, reason=reason
        )
        if offer is not None:
            await self._send_json(offer)

    async def _alternatives_request(self, frame: AlternativesRequest) -> None:
        self.time_zone = frame.time_zone or self.time_zone
        offer = await database_sync_to_async(ticket_hooks().alternatives)(
            conversation=self.authed, time_zone=self.time_zone, reason="requested"
        )
        if offer is None:  # e.g. an agent took the chat as the visitor pressed the button
            await self._send_error(
                FrameError(
                    "alternatives_not_available",
                    "Other ways to reach us are offered while waiting.",
                )
            )
            return
        await self._send_json(offer)

    async def _ticket_request(self, frame: TicketRequest) -> None:
        answer = await database_sync_to_async(ticket_hooks().ticket_request)(
            conversation=self.authed, request=frame
        )
        await self._send_json(answer)

    async def _transcript(self, frame: Transcript) -> None:
        """The transcript by email: stored once per client_id, emailed by Celery."""
        try:
            receipt = await database_sync_to_async(services.transcript_request)(
                conversation=self.authed,
                client_id=frame.client_id,
                email=frame.email,
                time_zone=frame.time_zone,
            )
        except services.TranscriptEmpty as error:  # a state, not a protocol violation
            await self._send_error(
                FrameError("transcript_empty", str(error), client_id=str(frame.client_id))
            )
            return
        await self._send_json(
            {
                "type": "transcript_queued",
                "client_id": str(frame.client_id),
                "email": receipt.request.email,
                "duplicate": receipt.duplicate,
            }
        )

    async def _resync(self, after_seq: int) -> None:
        """One page: the widget asks for the next while `has_more`. Bounded in bytes too, as
        Daphne kills a socket that sends past CHATSY_WS_MAX_MESSAGE_BYTES."""
        messages, more = await database_sync_to_async(selectors.messages_page)(
            conversation=self.authed,
            after_seq=after_seq,
            limit=settings.CHATSY_HISTORY_PAGE_MESSAGES,
        )
        page = history_frame(
            [message_payload(m) for m in messages],
            after_seq=after_seq,
            more=more,
            max_bytes=settings.CHATSY_WS_MAX_MESSAGE_BYTES // 4,
        )
        self.next_page_after = page["last_seq"] if page["has_more"] else None
        self.told_seq = max(self.told_seq, page["last_seq"])
        await self._send_json(page)

    def _typing_push(self, active: bool) -> None:
        """Handed to the publisher: never waits on Redis."""
        public_id = self.authed.public_id
        realtime.group_send(
            realtime.conversation_group(public_id),
            events.typing_changed(
                conversation=public_id, sender="customer", name="", active=active
            ),
        )

    async def _within_budget(
        self, kind: str, *, visitor: str | None, client_id: str | None = None
    ) -> bool:
        """Draw one `kind` from this visitor's and this address's budgets (chatsy.budgets).
        Once refused, this socket asks Redis again only after the window ends."""
        wait = self.refused_until.get(kind, 0.0) - time.monotonic()
        if wait <= 0:
            verdict = await budget_take_async(kind, visitor=visitor, address=self.address)
            if verdict.allowed:
                return True
            wait = verdict.retry_after
            self.refused_until[kind] = time.monotonic() + wait
        await self._over_budget(kind, retry_after=wait, client_id=client_id)
        return False

    async def _over_budget(
        self, kind: str, *, retry_after: float, client_id: str | None = None
    ) -> None:
        """A friendly error; a socket that keeps going past its budget is closed (4429)."""
        self.refusals += 1
        await self._send_error(_rate_limited(kind, retry_after, client_id))
        if self.refusals > settings.CHATSY_BUDGET_STRIKES or kind in ("socket", "auth"):
            await self._close_refused()

    async def _close_refused(self) -> None:
        """Close with 4429 after a pause, ignoring frames meanwhile. A client that reconnects
        the moment it is closed then loops at most once per pause and socket, instead of as
        fast as handshakes go (measured: 75 a second, 40 % of a core, from one flooder); the
        unauthenticated sockets held meanwhile are capped per address. No place: at once."""
        self.refused = True
        hold = settings.CHATSY_REFUSED_SOCKET_HOLD_SECONDS
        if hold <= 0 or (self.conversation is None and not self.holds_lease):
            await self.close(code=CLOSE_OVER_BUDGET)
            return
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = asyncio.get_running_loop().create_task(self._close_after(hold))

    async def _close_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.close(code=CLOSE_OVER_BUDGET)

    async def _violation(self, error: FrameError) -> None:
        self.violations += 1
        await self._send_error(error)
        if self.violations >= settings.CHATSY_MAX_VIOLATIONS:
            await self.close(code=CLOSE_POLICY_VIOLATION)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if not self.closing:
            self.closing = True
            await super().close(code=code, reason=reason)

    async def websocket_receive(self, message: WebSocketReceiveEvent) -> None:
        """Frames still in flight after our close: no answer, and no second close."""
        if not self.closing:
            await super().websocket_receive(message)

    async def _send_error(self, error: FrameError | dict[str, Any]) -> None:
        await self._send_json(error if isinstance(error, dict) else error.as_frame())

    async def _send_json(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    # Channel-layer events: handler names match the event types.

    async def message_created(self, event: events.MessageCreated) -> None:
        self.told_seq = max(self.told_seq, event["message"]["seq"])
        await self._send_json({"type": "message", "message": event["message"]})

    async def typing_changed(self, event: events.TypingChanged) -> None:
        if event["sender"] != "customer":
            await self._send_json(
                {
                    "type": "typing",
                    "sender": event["sender"],
                    "name": event["name"],
                    "active": event["active"],
                }
            )

    async def stream_delta(self, event: events.StreamDelta) -> None:
        await self._send_json(
            {
                "type": "stream",
                "stream_id": event["stream_id"],
                "delta": event["delta"],
                "sender_name": event["name"],
            }
        )

    async def stream_end(self, event: events.StreamEnd) -> None:
        await self._send_json({"type": "stream_end", "stream_id": event["stream_id"]})

    async def queue_position(self, event: events.QueuePosition) -> None:
        await self._send_json(
            {
                "type": "queue",
                "position": event["position"],
                "wait_minutes": event["wait_minutes"],
                "text": event["text"],
            }
        )

    async def queue_max_wait_exceeded(self, event: events.QueueMaxWaitExceeded) -> None:
        """Waited past the queue's maximum: offer callback, email, a call or a message."""
        await self._alternatives_offer(reason="max_wait")

    async def csat_requested(self, event: events.CsatRequested) -> None:
        await self._send_json({"type": "csat_request", "text": event["text"]})

    async def escalation_summary_updated(self, event: events.EscalationSummaryUpdated) -> None:
        """For the agent's card only (the console listens on the same group)."""

    async def layer_resync(self, event: events.LayerResync) -> None:
        """Events may have been lost: the widget asks for everything after its last seq, and
        a waiting visitor's place (a lost `queue` frame) is sent again."""
        await self._send_json({"type": "resync"})
        place = await database_sync_to_async(_queue_state_now)(self.authed)
        if place is not None:
            await self._send_json({"type": "queue", **place})

    async def conversation_status(self, event: events.ConversationStatus) -> None:
        """Relayed only: message_receive reads the stored status under a lock each time."""
        await self._send_json(
            {
                "type": "status",
                "conversation": {"id": str(self.authed.public_id), "status": event["status"]},
            }
        )
        if event["status"] == Conversation.Status.QUEUED:
            # Just escalated: closed, nobody there or a long wait offers alternatives at once.
            await self._alternatives_offer(reason=None)


_RATE_LIMITED_TEXT = {
    "message": "You're sending messages too fast.",
    "typing": "Too many typing updates.",
    "resync": "Too many history requests.",
    "action": "Too many button clicks.",
    "csat": "Too many ratings.",
    "transcript": "Too many transcript requests.",
    "ping": "Too many pings.",
    "socket": "Too many connections from your network.",
    "auth": "Too many reconnections.",
}


def _rate_limited(kind: str, retry_after: float, client_id: str | None) -> dict[str, Any]:
    frame = FrameError(
        "rate_limited",
        f"{_RATE_LIMITED_TEXT[kind]} Please wait a moment and try again.",
        client_id=client_id,
    ).as_frame()
    return frame | {"retry_after": max(1, math.ceil(retry_after))}


def _client_id(frame: Any) -> str | None:
    return str(frame.client_id) if isinstance(frame, SendMessage | Transcript) else None


_debounces: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Debounce] = (
    weakref.WeakKeyDictionary()
)


def _typing_debounce() -> Debounce:
    """One per event loop: its timers run on that loop. Per process, so behind N server
    processes a conversation's typing reaches the console at most N times a second; the
    typing budget in Redis bounds the whole."""
    loop = asyncio.get_running_loop()
    debounce = _debounces.get(loop)
    if debounce is None:
        debounce = _debounces[loop] = Debounce(lambda: settings.CHATSY_TYPING_PUSH_SECONDS)
    return debounce


_WAITING = (Conversation.Status.QUEUED, Conversation.Status.ASSIGNED)


def _message_store(
    conversation: Conversation, frame: SendMessage
) -> tuple[services.Receipt, BotTurn | None]:
    """One database hop: store the message and, if the bot must answer it, read what its turn
    needs. A failed read loses nothing: the message is stored and its turn's deadline lapses,
    so the reconciler (conversations.turns) runs it."""
    receipt = services.message_receive(
        conversation=conversation, client_id=frame.client_id, body=frame.body
    )
    # While queued, or assigned to an agent who has not opened the chat yet: acknowledged.
    if not receipt.duplicate and receipt.status in _WAITING:
        try:  # the message is stored whatever happens to its acknowledgement
            hooks().waiting_message(message=receipt.message)
        except Exception:
            logger.exception("acknowledging waiting message %s failed", receipt.message.pk)
    if receipt.duplicate or receipt.status != Conversation.Status.BOT:
        return receipt, None
    try:
        return receipt, hooks().bot_turn_read(message=receipt.message)
    except Exception:
        logger.exception("reading the bot's turn for message %s failed", receipt.message.pk)
        return receipt, None


def _queue_state(conversation: Conversation) -> dict[str, Any] | None:
    if conversation.status != Conversation.Status.QUEUED:
        return None
    try:
        state = hooks().queue_state(conversation=conversation)
    except RedisUnavailable:
        return None
    if state is None:
        return None
    return {key: state[key] for key in ("position", "wait_minutes", "text")}


def _queue_state_now(conversation: Conversation) -> dict[str, Any] | None:
    """As _queue_state, for a socket whose conversation may have moved since it connected."""
    current = Conversation.objects.filter(pk=conversation.pk).first()
    return _queue_state(current) if current is not None else None


def _open_conversation(frame: Auth, scope: Mapping[str, Any]) -> Conversation:
    customer = services.visitor_authenticate(token=frame.token, site_key=frame.site_key)
    origin, own_origin = scope_origins(scope)
    if not origin_allowed(site=customer.site, origin=origin, own_origin=own_origin):
        raise InvalidToken("origin not allowed for this site")
    conversation = services.conversation_get_or_start(customer=customer)
    conversation.site, conversation.customer = customer.site, customer
    return conversation
