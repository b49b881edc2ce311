"""What the visitor's socket needs from the layer above conversations, declared here.

Apps depend in one direction (docs/architecture.md): conversations may not import escalation's
services, yet a visitor message starts the bot's turn, a quick-reply button is the bot's to
handle, and CSAT is stored on the escalation. So conversations declares the interface
(`VisitorHooks`) and the escalation app installs its implementation in
`EscalationConfig.ready()`. One implementation, installed once, called by name: no signal
with unknown receivers. Calling before installation raises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from enum import StrEnum
from typing import Any, Protocol

from conversations.models import Conversation, Message


class CsatResult(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # already rated: the first rating stands
    UNAVAILABLE = "unavailable"  # nothing resolved to rate


class BotTurn(Protocol):
    """What the bot's turn read about one visitor message (the implementation's own type)."""

    @property
    def message(self) -> Message: ...


class VisitorHooks(Protocol):
    def bot_turn_read(self, *, message: Message) -> BotTurn:
        """Sync, in the database hop that stored `message`: everything its turn will need."""

    async def bot_turn(self, turn: BotTurn) -> None:
        """The bot's turn for one visitor message: answer it, or hand the chat to a person."""

    async def bot_reply(self, *, conversation_id: int, message_id: int) -> None:
        """Read and run the turn of a stored message (the reconciler's entry)."""

    async def visitor_action(self, *, conversation: Conversation, action: str, seq: int) -> None:
        """A quick-reply button the visitor clicked under bot message `seq`."""

    def queue_state(self, *, conversation: Conversation) -> dict[str, Any] | None:
        """Sync. A waiting conversation's place and estimate, the widget's `queue` frame
        (position, wait_minutes, text); None when it is not waiting."""

    def waiting_message(self, *, message: Message) -> None:
        """Sync, in the hop that stored `message` while the chat waits for a person: tell the
        visitor it was added to the notes (once per message)."""

    def wait_cancel(self, *, conversation: Conversation) -> bool:
        """Sync. The visitor cancelled their request: back to the bot, out of the line.
        False if the conversation was not waiting (nothing changes)."""

    def csat_pending(self, *, conversation: Conversation) -> bool:
        """Resolved by a person and not rated yet: the widget asks for a rating."""

    def csat_record(self, *, conversation: Conversation, score: int, comment: str) -> CsatResult:
        """Store the visitor's rating of the person who helped."""


class TicketHooks(Protocol):
    """Alternatives to waiting and tickets (the agents app, which owns queues and hours)."""

    def alternatives(
        self, *, conversation: Conversation, time_zone: str, reason: str | None
    ) -> dict[str, Any] | None:
        """The `alternatives` frame for a waiting conversation, or None. `reason` None: only
        when the situation calls for one (closed, nobody there, a long estimate)."""

    def ticket_request(self, *, conversation: Conversation, request: Any) -> dict[str, Any]:
        """Create the ticket a `ticket` frame asks for: the frame to answer with
        (`ticket_created`, or an `error` naming the fields to fix)."""


_installed: VisitorHooks | None = None
_tickets: TicketHooks | None = None


def ticket_hooks_install(implementation: TicketHooks) -> None:
    global _tickets
    _tickets = implementation


def ticket_hooks() -> TicketHooks:
    if _tickets is None:
        raise LookupError("No TicketHooks installed: is the agents app in INSTALLED_APPS?")
    return _tickets


# Strong references: the event loop only keeps weak ones to running tasks.
_running: set[asyncio.Task[None]] = set()


def hooks_install(hooks: VisitorHooks) -> None:
    global _installed
    _installed = hooks


def hooks() -> VisitorHooks:
    if _installed is None:
        raise LookupError("No VisitorHooks installed: is the escalation app in INSTALLED_APPS?")
    return _installed


def task_start(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run on the server's event loop, not tied to the socket that asked for it."""
    task = asyncio.get_running_loop().create_task(coroutine)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task
