"""The console's websocket: pushes rendered fragments (htmx out-of-band swaps) to agents.

Session auth and an exact-origin check wrap it (chatsy/asgi.py). Groups: the user's
(logout closes every socket; a change to the user or their agent profile makes each socket
re-check its session), the agent's (chats opening and closing, presence), each of their
queues', and the conversation groups of the chats they hold or watch. The session (as
django.contrib.auth.get_user checks it) and access to a chat are re-checked against the
database for every chat event pushed, every frame received and every heartbeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from agents import fragments, presence, selectors, services
from agents.models import AgentProfile
from chatsy import events, layer_health, realtime
from chatsy.redis import RedisUnavailable

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_LOGGED_OUT = 4401
# The session stopped letting this socket in, but the browser may hold a newer one (Django gives
# the session that changed the password a new key): console.js reconnects on 4012 and the
# reconnect authenticates afresh from the cookie, or is refused (4403). Not 1012, which htmx's
# ws extension would reconnect on by itself: ASGI servers refuse application close codes outside
# 1000 and 3000-4999 (autobahn raises, the client sees 1011 and disconnect() never runs).
CLOSE_REAUTHENTICATE = 4012
_CLOSE_CODES = {
    selectors.INACTIVE: CLOSE_LOGGED_OUT,
    selectors.NOT_AGENT: CLOSE_FORBIDDEN,
    selectors.NOT_SUPERVISOR: CLOSE_FORBIDDEN,
    selectors.SESSION_GONE: CLOSE_REAUTHENTICATE,
    selectors.PASSWORD_CHANGED: CLOSE_REAUTHENTICATE,
}
# The console TTL (30 s) covers two missed beats; the status (60 s) outlives it as a grace period.
HEARTBEAT_SECONDS = settings.CHATSY_CONSOLE_TTL_SECONDS / 3
MAX_FRAME_CHARS = 2048
# console.js sends exactly this frame; anything else is parsed as a typing frame.
PING_FRAME = '{"type":"ping"}'
PONG_FRAME = '{"type":"pong"}'
RESYNC_FRAME = json.dumps({"type": "resync"})
# console.js reports its open chats' latest seqs every few pings; the database is read for
# them at most this often per socket.
PAGE_SEQS_SECONDS = 5.0
SUPERVISOR_DEBOUNCE_SECONDS = 0.25


class Revoked(Exception):
    """The socket's session no longer lets its user in (args[0]: why, a selectors constant)."""


class ConsoleConsumer(AsyncWebsocketConsumer):
    agent: AgentProfile | None = None
    revoked = False  # once closed for a lapsed session: nothing more is sent
    seqs_checked_at = -math.inf  # when the page's seqs were last compared (monotonic)

    async def connect(self) -> None:
        realtime.publisher_start()
        self.agent = await database_sync_to_async(selectors.agent_for_user)(
            user=self.scope.get("user")
        )
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.supervising = query.get("view") == ["supervisor"]
        if self.agent is None or (self.supervising and not self.agent.is_supervisor):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = self.agent.user_id
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.chats: set[str] = set()
        self.joined: set[str] = set()
        self.refresh_task: asyncio.Task | None = None
        for group in await database_sync_to_async(self._groups)():
            await self._join(group)
        held: list[str] = []
        if not self.supervising:
            held = await database_sync_to_async(self._held_chats)()
            for public_id in held:
                await self._subscribe(public_id)
        if not self.supervising:  # the supervisor's page holds no chats: not a console
            await database_sync_to_async(self._console_presence)(services.agent_console_connected)
        await self.accept()
        await layer_health.socket_register(self)
        await self._mark_opened(held)  # the console page shows the chats it holds
        self.heartbeat = asyncio.get_running_loop().create_task(self._beat())

    @property
    def authed(self) -> AgentProfile:
        """The agent of an accepted socket: connect closes the socket of anyone else."""
        assert self.agent is not None
        return self.agent

    async def disconnect(self, code: int) -> None:
        for task in (getattr(self, "heartbeat", None), getattr(self, "refresh_task", None)):
            if task is not None:
                task.cancel()
        await layer_health.socket_unregister(self)
        for group in getattr(self, "joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "heartbeat", None) is not None and not self.supervising:
            await database_sync_to_async(self._console_presence)(
                services.agent_console_disconnected
            )

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Other parts of Chatsy talk to the conversation group too (bot streams, queue
        positions): events the console has no use for are ignored, not fatal."""
        if getattr(self, get_handler_name(message), None) is None:
            return
        if self.revoked and not message["type"].startswith("websocket."):
            return  # queued before the socket was revoked: its own disconnect still runs
        await super().dispatch(message)

    # --- frames from the browser ---------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Typing frames, {"type": "typing", "conversation": uuid, "active": bool}, and pings.
        A ping is answered at once with no database hop: console.js measures the socket with
        it (the heartbeat still re-checks the session)."""
        if text_data == PING_FRAME:
            if not self.revoked:
                await self.send(text_data=PONG_FRAME)
            return
        shown = _parse_shown(text_data)
        if shown is not None:
            await self._catch_up(shown)
            return
        seqs = _parse_seqs(text_data)
        if seqs is not None:
            await self._seqs_check(seqs)
            return
        frame = _parse_typing(text_data)
        if frame is None or self.revoked:
            return
        public_id, active = frame
        role = await self._role(public_id)
        if role not in (selectors.OWNER, selectors.JOINED):
            return
        await realtime.group_send_async(
            realtime.conversation_group(public_id),
            events.typing_changed(
                conversation=public_id,
                sender="agent",
                name=self.authed.name,
                agent_id=self.authed.pk,
                active=active,
            ),
        )

    async def _catch_up(self, shown: set[str]) -> None:
        """After a reconnect the page lists the chats it shows: push the ones the agent was
        given meanwhile (its resync re-fetches the others, and drops those no longer theirs)."""
        if self.supervising or self.revoked:
            return
        try:
            held = await database_sync_to_async(self._held_chats_checked)()
        except Revoked as revoked:
            await self._revoke(_CLOSE_CODES[revoked.args[0]])
            return
        for public_id in held:
            if public_id not in shown:
                await self._push(fragments.chat_opened, agent=self.authed, public_id=public_id)

    async def _seqs_check(self, page: dict[str, int]) -> None:
        """The page's latest seq for each chat it shows. Broadcasts are at most once, and a lost
        one with nothing after it (a visitor's last message, say) would never show: when the
        database holds more of a chat this socket serves, the page re-fetches its chats."""
        now = time.monotonic()
        if self.revoked or now - self.seqs_checked_at < PAGE_SEQS_SECONDS:
            return
        self.seqs_checked_at = now
        mine = {public_id: seq for public_id, seq in page.items() if public_id in self.chats}
        if not mine:
            return
        latest = await database_sync_to_async(selectors.chats_last_seq)(public_ids=mine)
        if any(latest.get(public_id, 0) > seq for public_id, seq in mine.items()):
            await self.send(text_data=RESYNC_FRAME)

    def _held_chats_checked(self) -> list[str]:
        self._session_still_valid()
        return self._held_chats()

    # --- the agent's own events ----------------------------------------------------------

    async def chat_opened(self, event: events.ChatOpened) -> None:
        if self.supervising:
            return
        public_id = event["conversation"]
        if await self._role(public_id) is None:
            return
        await self._subscribe(public_id)
        await self._push(fragments.chat_opened, agent=self.authed, public_id=public_id)
        await self._mark_opened([public_id])

    async def chat_closed(self, event: events.ChatClosed) -> None:
        public_id = event["conversation"]
        if public_id in self.chats and await self._role(public_id) is None:
            await self._close_chat(public_id)

    async def presence_changed(self, event: events.PresenceChanged) -> None:
        if not self.supervising:
            await self._push(fragments.presence_toggle, agent=self.authed)

    async def checkin_alert(self, event: events.CheckinAlert) -> None:
        await self._push(
            fragments.checkin_alert, public_id=event["conversation"], text=event["text"]
        )

    async def session_logout(self, event: events.SessionLogout) -> None:
        await self._revoke(CLOSE_LOGGED_OUT)

    async def session_check(self, event: events.SessionCheck) -> None:
        """The user or their agent profile changed: is this socket's own session still good?"""
        problem = await database_sync_to_async(self._session_problem)()
        if problem is not None:
            await self._revoke(_CLOSE_CODES[problem])

    async def layer_resync(self, event: events.LayerResync) -> None:
        """Events may have been lost, `chat.opened` among them: join what the agent holds now,
        then the page re-fetches its panels and chats (`console:resync`)."""
        for group in await database_sync_to_async(self._groups)():
            await self._join(group)
        if not self.supervising:
            held = await database_sync_to_async(self._held_chats)()
            for public_id in held:
                if public_id not in self.chats:
                    await self._subscribe(public_id)
                    await self._push(fragments.chat_opened, agent=self.authed, public_id=public_id)
                    await self._mark_opened([public_id])
            for public_id in list(self.chats.difference(held)):
                await self._can_see(public_id)  # closes the chat if no longer theirs
        await self.send(text_data=RESYNC_FRAME)

    # --- queues and the supervisor's view ------------------------------------------------

    queue_heads: dict[str, list[str]] | None = None  # per queue, the ids of the rows pushed
    supervisor_rows: dict[str, str] | None = None  # row id → the HTML last pushed
    refresh_pending = False
    reviews_pending = False  # an escalation was resolved: push the unreviewed count too

    async def queue_changed(self, event: events.QueueChanged) -> None:
        """Row by row: the rows that left or came into the queue's first rows, and its counts
        (agents.fragments.queue_changes); never the whole queue, so a frame stays small."""
        if self.supervising:
            self._refresh_soon()
            return
        slug = event["queue"]
        if self.queue_heads is None:
            self.queue_heads = {}
        heads = self.queue_heads
        html, head = await database_sync_to_async(fragments.queue_changes)(
            agent=self.authed, slug=slug, shown=heads.get(slug), changed=event.get("rows", ())
        )
        if head is None:
            heads.pop(slug, None)
        else:
            heads[slug] = head
        if html:
            await self.send(text_data=html)

    async def supervisor_refresh(self, event: events.SupervisorRefresh) -> None:
        if event.get("reviews"):
            self.reviews_pending = True
        self._refresh_soon()

    def _refresh_soon(self) -> None:
        """Bursts of changes (a claim moves a queue, an agent and a chat) render once; a change
        during a render is rendered again after it."""
        if not self.supervising:
            return
        self.refresh_pending = True
        if self.refresh_task is None or self.refresh_task.done():
            self.refresh_task = asyncio.get_running_loop().create_task(self._refresh_later())

    async def _refresh_later(self) -> None:
        """Only the supervisor's rows that changed since the last push (a bounded list)."""
        while self.refresh_pending:
            await asyncio.sleep(SUPERVISOR_DEBOUNCE_SECONDS)
            self.refresh_pending = False
            reviews, self.reviews_pending = self.reviews_pending, False
            html, self.supervisor_rows = await database_sync_to_async(fragments.supervisor_changes)(
                sent=self.supervisor_rows, reviews=reviews
            )
            if html:
                await self.send(text_data=html)

    async def conversation_updated(self, event: events.ConversationUpdated) -> None:
        if self.supervising:
            await self._push(fragments.conversation_row, public_id=event["conversation_id"])

    # --- the chats they hold or watch ----------------------------------------------------

    async def message_created(self, event: events.MessageCreated) -> None:
        public_id = event.get("conversation")
        await self._push_chat(public_id, fragments.message, seq=event["message"]["seq"])

    async def note_created(self, event: events.NoteCreated) -> None:
        public_id, html = await database_sync_to_async(fragments.note)(note_id=event["note_id"])
        if html and await self._can_see(public_id):
            await self.send(text_data=html)

    async def typing_changed(self, event: events.TypingChanged) -> None:
        public_id = event.get("conversation")
        if event["sender"] == "agent" and event.get("agent_id") == self.authed.pk:
            return  # their own typing, echoed back
        if not await self._can_see(public_id):
            return
        who = "The visitor" if event["sender"] == "customer" else (event.get("name") or "Agent")
        text = f"{who} is typing…" if event["active"] else ""
        await self.send(text_data=fragments.typing(public_id=str(public_id), text=text))

    async def conversation_status(self, event: events.ConversationStatus) -> None:
        await self._push_chat(event.get("conversation"), fragments.chat_status)

    async def escalation_summary_updated(self, event: events.EscalationSummaryUpdated) -> None:
        public_id, html = await database_sync_to_async(fragments.summary)(
            escalation_id=event["escalation_id"]
        )
        if html and await self._can_see(public_id):
            await self.send(text_data=html)

    # --- helpers -------------------------------------------------------------------------

    def _groups(self) -> list[str]:
        queues = selectors.queues_of(self.authed)
        groups = [
            realtime.user_group(self.authed.user_id),
            realtime.agent_group(self.authed.pk),
            *(realtime.queue_group(q.slug) for q in queues),
        ]
        if self.supervising:
            groups += [realtime.SUPERVISORS_GROUP, realtime.CONSOLE_GROUP]
        return groups

    def _held_chats(self) -> list[str]:
        return [chat.public_id for chat in selectors.workspace_chats(agent=self.authed)]

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def _subscribe(self, public_id: str) -> None:
        for group in (
            realtime.conversation_group(public_id),
            realtime.staff_conversation_group(public_id),
        ):
            await self._join(group)
        self.chats.add(public_id)

    async def _unsubscribe(self, public_id: str) -> None:
        self.chats.discard(public_id)
        for group in (
            realtime.conversation_group(public_id),
            realtime.staff_conversation_group(public_id),
        ):
            self.joined.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _close_chat(self, public_id: str) -> None:
        """No longer theirs: stop listening and take the tab and pane away."""
        await self._unsubscribe(public_id)
        await self.send(text_data=fragments.chat_closed(public_id=public_id))

    async def _role(self, public_id: str) -> str | None:
        """Access to the chat, with the session re-checked in the same database hop."""
        try:
            return await database_sync_to_async(self._access)(public_id)
        except Revoked as revoked:
            await self._revoke(_CLOSE_CODES[revoked.args[0]])
            return None

    def _access(self, public_id: str) -> str | None:
        self._session_still_valid()
        return selectors.chat_access(agent=self.authed, public_id=public_id)

    def _session_problem(self) -> str | None:
        return selectors.console_session_problem(
            session_key=self.session_key, user_id=self.user_id, supervising=self.supervising
        )

    def _session_still_valid(self) -> None:
        problem = self._session_problem()
        if problem is not None:
            raise Revoked(problem)

    async def _revoke(self, code: int) -> None:
        """Close for good: leave every group first so nothing more arrives, then close."""
        if self.revoked:
            return
        self.revoked = True
        for group in list(getattr(self, "joined", ())):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = set()
        await self.close(code=code)

    async def send(  # type: ignore[override]  # AsyncWebsocketConsumer overrides it so too
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """Events already queued for this socket when it was revoked are dropped, not sent."""
        if not self.revoked:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def _can_see(self, public_id: str | None) -> bool:
        """Open in this console and still theirs to see; else stop listening to it."""
        if not public_id or public_id not in self.chats:
            return False
        if await self._role(public_id) is not None:
            return True
        await self._close_chat(public_id)
        return False

    async def _push_chat(self, public_id: str | None, render, **kwargs) -> None:
        """Re-check access and render in ONE database hop (events of busy chats queue behind
        each other in this consumer, so each costs one trip to the database thread)."""
        if not public_id or public_id not in self.chats:
            return
        try:
            allowed, html = await database_sync_to_async(self._render_if_allowed)(
                public_id, render, kwargs
            )
        except Revoked as revoked:
            await self._revoke(_CLOSE_CODES[revoked.args[0]])
            return
        if not allowed:
            await self._close_chat(public_id)
        elif html:
            await self.send(text_data=html)

    def _render_if_allowed(self, public_id: str, render, kwargs: dict) -> tuple[bool, str]:
        if self._access(public_id) is None:
            return False, ""
        return True, render(public_id=public_id, **kwargs)

    async def _push(self, render, **kwargs) -> None:
        html = await database_sync_to_async(render)(**kwargs)
        if html:
            await self.send(text_data=html)

    async def _beat(self) -> None:
        """Keep presence alive while the console is open; close once the session lapsed (the
        backstop for changes no signal reports, e.g. a queryset .update(is_active=False))."""
        while True:
            problem = await database_sync_to_async(self._heartbeat)()
            if problem is not None:
                await self._revoke(_CLOSE_CODES[problem])
                return
            await asyncio.sleep(HEARTBEAT_SECONDS)

    def _heartbeat(self) -> str | None:
        problem = self._session_problem()
        if problem is not None:
            return problem
        try:
            presence.presence_touch(self.authed.pk)
            if not self.supervising:
                presence.presence_console_beat(self.authed.pk, self.channel_name)
        except RedisUnavailable:  # presence then expires and the SLA watch returns the chats
            logger.warning("presence heartbeat for agent %s failed", self.authed.pk)
        return None

    async def _mark_opened(self, public_ids: list[str]) -> None:
        """The chats are on the agent's screen: the visitor may now read "<name> joined"."""
        for public_id in public_ids:
            await database_sync_to_async(services.conversation_mark_opened)(
                agent=self.authed, public_id=public_id
            )

    def _console_presence(self, change) -> None:
        try:
            change(agent=self.authed, connection_id=self.channel_name)
        except RedisUnavailable:  # the console entry then expires with its last beat
            logger.warning("console presence for agent %s not recorded", self.authed.pk)


def _parse_shown(text: str | None) -> set[str] | None:
    """The chat ids of {"type": "shown", "chats": [uuid, …]}; None for anything else."""
    if not text or len(text) > MAX_FRAME_CHARS or '"shown"' not in text:
        return None
    try:
        frame = json.loads(text)
        if frame.get("type") != "shown" or not isinstance(frame.get("chats"), list):
            return None
        return {str(uuid.UUID(str(chat))) for chat in frame["chats"]}
    except (ValueError, TypeError, AttributeError):
        return None


def _parse_seqs(text: str | None) -> dict[str, int] | None:
    """{chat id: seq} of {"type": "seqs", "chats": {uuid: int, …}}; None for anything else."""
    if not text or len(text) > MAX_FRAME_CHARS or '"seqs"' not in text:
        return None
    try:
        frame = json.loads(text)
        if frame.get("type") != "seqs" or not isinstance(frame.get("chats"), dict):
            return None
        return {
            str(uuid.UUID(str(chat))): seq
            for chat, seq in frame["chats"].items()
            if isinstance(seq, int) and not isinstance(seq, bool)
        }
    except (ValueError, TypeError, AttributeError):
        return None


def _parse_typing(text: str | None) -> tuple[str, bool] | None:
    """(conversation public id, active) from a typing frame; None for anything else."""
    if not text or len(text) > MAX_FRAME_CHARS:
        return None
    try:
        frame = json.loads(text)
        public_id = str(uuid.UUID(str(frame["conversation"])))
    except (ValueError, KeyError, TypeError):
        return None
    if frame.get("type") != "typing" or not isinstance(frame.get("active"), bool):
        return None
    return public_id, frame["active"]
