"""The visitor's websocket (docs/widget-protocol.md). Thin: parse, one service call, send."""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chatsy import events, layer_health, realtime
from conversations import selectors, services
from conversations.frames import (
    Action,
    Auth,
    Csat,
    FrameError,
    Ping,
    Resync,
    SendMessage,
    Typing,
    message_payload,
    parse_frame,
)
from conversations.hooks import BotTurn, CsatResult, hooks
from conversations.models import Conversation
from conversations.origins import origin_allowed, scope_origins
from conversations.tokens import InvalidToken
from conversations.turns import turn_run, turns_upkeep_start
from escalation import copy

logger = logging.getLogger(__name__)

CLOSE_POLICY_VIOLATION = 1008
CLOSE_UNSUPPORTED_DATA = 1003


class VisitorConsumer(AsyncWebsocketConsumer):
    conversation: Conversation | None = None

    async def connect(self) -> None:
        realtime.publisher_start()
        turns_upkeep_start()
        self.violations = 0
        self.sent_at: deque[float] = deque()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.conversation is not None:
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
        if isinstance(frame, Auth):
            await self._authenticate(frame)
        elif isinstance(frame, SendMessage):
            await self._receive_message(frame)
        elif isinstance(frame, Resync):
            await self._resync(frame.after_seq)
        elif isinstance(frame, Typing):  # handed to the publisher: never waits on Redis
            realtime.group_send(
                self.group,
                events.typing_changed(
                    conversation=self.authed.public_id,
                    sender="customer",
                    name="",
                    active=frame.active,
                ),
            )
        elif isinstance(frame, Action):
            await hooks().visitor_action(
                conversation=self.authed, action=frame.action, seq=frame.seq
            )
        elif isinstance(frame, Ping):
            await self._send_json({"type": "pong"})
        elif isinstance(frame, Csat):
            await self._rate(frame)

    async def _authenticate(self, frame: Auth) -> None:
        if self.conversation is not None:
            raise FrameError("invalid_frame", "Already authenticated.")
        try:
            conversation = await database_sync_to_async(_open_conversation)(frame, self.scope)
        except InvalidToken:
            await self._send_error(FrameError("auth_failed", "This chat session is not valid."))
            await self.close(code=CLOSE_POLICY_VIOLATION)
            return
        self.conversation = conversation
        await self.channel_layer.group_add(self.group, self.channel_name)
        await layer_health.socket_register(self)
        site = conversation.site
        await self._send_json(
            {
                "type": "ready",
                "conversation": {"id": str(conversation.public_id), "status": conversation.status},
                "last_seq": conversation.last_seq,
                "site": {"name": site.name, "greeting": site.greeting},
            }
        )
        if await database_sync_to_async(hooks().csat_pending)(conversation=conversation):
            await self._send_json({"type": "csat_request", "text": copy.CSAT_GENERIC})

    async def _receive_message(self, frame: SendMessage) -> None:
        if not self._within_rate_limit():
            raise FrameError(
                "rate_limited", "You're sending messages too fast.", client_id=str(frame.client_id)
            )
        receipt, turn = await database_sync_to_async(_message_store)(self.authed, frame)
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

    async def _resync(self, after_seq: int) -> None:
        messages = await database_sync_to_async(selectors.messages_after)(
            conversation=self.authed, after_seq=after_seq
        )
        await self._send_json(
            {
                "type": "history",
                "messages": [message_payload(m) for m in messages],
                "last_seq": messages[-1].seq if messages else after_seq,
            }
        )

    def _within_rate_limit(self) -> bool:
        now = time.monotonic()
        window = settings.CHATSY_RATE_LIMIT_WINDOW_SECONDS
        while self.sent_at and now - self.sent_at[0] > window:
            self.sent_at.popleft()
        if len(self.sent_at) >= settings.CHATSY_RATE_LIMIT_MESSAGES:
            return False
        self.sent_at.append(now)
        return True

    async def _violation(self, error: FrameError) -> None:
        self.violations += 1
        await self._send_error(error)
        if self.violations >= settings.CHATSY_MAX_VIOLATIONS:
            await self.close(code=CLOSE_POLICY_VIOLATION)

    async def _send_error(self, error: FrameError) -> None:
        await self._send_json(error.as_frame())

    async def _send_json(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    # Channel-layer events: handler names match the event types.

    async def message_created(self, event: events.MessageCreated) -> None:
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
        """The alternatives offer (callback, email, scheduled call) hooks in here."""

    async def csat_requested(self, event: events.CsatRequested) -> None:
        await self._send_json({"type": "csat_request", "text": event["text"]})

    async def escalation_summary_updated(self, event: events.EscalationSummaryUpdated) -> None:
        """For the agent's card only (the console listens on the same group)."""

    async def layer_resync(self, event: events.LayerResync) -> None:
        """Events may have been lost: the widget asks for everything after its last seq."""
        await self._send_json({"type": "resync"})

    async def conversation_status(self, event: events.ConversationStatus) -> None:
        """Relayed only: message_receive reads the stored status under a lock each time."""
        await self._send_json(
            {
                "type": "status",
                "conversation": {"id": str(self.authed.public_id), "status": event["status"]},
            }
        )


def _message_store(
    conversation: Conversation, frame: SendMessage
) -> tuple[services.Receipt, BotTurn | None]:
    """One database hop: store the message and, if the bot must answer it, read what its turn
    needs. A failed read loses nothing: the message is stored and its turn's deadline lapses,
    so the reconciler (conversations.turns) runs it."""
    receipt = services.message_receive(
        conversation=conversation, client_id=frame.client_id, body=frame.body
    )
    if receipt.duplicate or receipt.status != Conversation.Status.BOT:
        return receipt, None
    try:
        return receipt, hooks().bot_turn_read(message=receipt.message)
    except Exception:
        logger.exception("reading the bot's turn for message %s failed", receipt.message.pk)
        return receipt, None


def _open_conversation(frame: Auth, scope: Mapping[str, Any]) -> Conversation:
    customer = services.visitor_authenticate(token=frame.token, site_key=frame.site_key)
    origin, own_origin = scope_origins(scope)
    if not origin_allowed(site=customer.site, origin=origin, own_origin=own_origin):
        raise InvalidToken("origin not allowed for this site")
    conversation = services.conversation_get_or_start(customer=customer)
    conversation.site, conversation.customer = customer.site, customer
    return conversation
