"""The bot's turns in flight, and picking up the ones a dead process left behind.

A visitor message the bot must answer is stored with a deadline, `Message.bot_turn_due`. The
process running its turn renews the deadline every few seconds while it works; the turn's
last write (the answer, or the handover to a person) clears it. A deadline that passes means
the process died or stalled: the reconciler claims the message with a compare-and-set on the
deadline, so exactly one process runs the turn again, and the unique `reply_to` on the answer
keeps a slow original and its replacement from both answering.

Every ASGI process runs the reconciler in the background, so a turn lost with one server is
picked up by another within CHATSY_BOT_TURN_LEASE_SECONDS plus one sweep; the Celery beat
job (conversations.tasks) covers a deployment whose only server died.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from conversations.hooks import task_start
from conversations.models import Conversation, Message

logger = logging.getLogger(__name__)

# Older than this, a silent message is history, not a visitor waiting (e.g. after downtime).
GIVE_UP_AFTER = timedelta(hours=6)
SWEEP_LIMIT = 100
# A turn taken over this many times failed each time: the next take-over hands the chat to a
# person instead of trying again (escalation.turn.bot_reply).
TURN_ATTEMPTS = 3

_in_flight: set[int] = set()  # visitor message ids whose turn runs in this process
_background: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}


def turn_deadline(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=settings.CHATSY_BOT_TURN_LEASE_SECONDS)


def turn_run(*, message_id: int, turn: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run a bot turn on this loop, keeping its message's deadline renewed while it runs."""
    turns_upkeep_start()
    _in_flight.add(message_id)

    async def tracked() -> None:
        try:
            await turn
        except Exception:  # the deadline lapses and the reconciler tries again
            logger.exception("bot turn for message %s failed", message_id)
        finally:
            _in_flight.discard(message_id)

    return task_start(tracked())


def turns_in_flight() -> frozenset[int]:
    return frozenset(_in_flight)


def turns_renew(*, message_ids: frozenset[int], now: datetime | None = None) -> int:
    """Push back the deadlines of turns this process is still working on."""
    if not message_ids:
        return 0
    return Message.objects.filter(pk__in=message_ids, bot_turn_due__isnull=False).update(
        bot_turn_due=turn_deadline(now=now)
    )


def turns_overdue(*, now: datetime) -> list[Message]:
    """Visitor messages whose turn's deadline passed, oldest first."""
    return list(
        Message.objects.filter(bot_turn_due__lt=now)
        .select_related("conversation")
        .order_by("bot_turn_due")[:SWEEP_LIMIT]
    )


def turn_claim(*, message: Message, now: datetime) -> bool:
    """Take over an overdue turn. Exactly one claimer wins (compare-and-set on the deadline).

    A turn needs no bot any more when a person owns the conversation now, or when the message
    is history rather than a visitor waiting (older than GIVE_UP_AFTER, e.g. after downtime):
    its deadline is cleared instead."""
    still_due = Message.objects.filter(pk=message.pk, bot_turn_due=message.bot_turn_due)
    waiting = message.created > now - GIVE_UP_AFTER
    if message.conversation.status != Conversation.Status.BOT or not waiting:
        still_due.update(bot_turn_due=None)
        return False
    claimed = still_due.update(
        bot_turn_due=turn_deadline(now=now), bot_turn_attempts=F("bot_turn_attempts") + 1
    )
    message.bot_turn_attempts += claimed
    return claimed == 1


def turns_claim_overdue(*, now: datetime | None = None) -> list[Message]:
    """Claim every overdue turn for this process; the caller runs them. One SELECT when
    nothing is overdue."""
    now = now or timezone.now()
    return [m for m in turns_overdue(now=now) if turn_claim(message=m, now=now)]


def turns_upkeep_start() -> None:
    """One renewer-and-reconciler task per event loop, started by the first socket or turn
    (idempotent): a restarted server picks up lost turns as soon as its visitors reconnect."""
    loop = asyncio.get_running_loop()
    task = _background.get(loop)
    if task is None or task.done():
        for stale in [old for old in _background if old.is_closed()]:
            del _background[stale]
        _background[loop] = loop.create_task(_maintain())


async def _maintain() -> None:
    """Every third of the lease: renew this process's deadlines, then run any overdue turns."""
    from conversations.hooks import hooks  # installed after import time

    interval = settings.CHATSY_BOT_TURN_LEASE_SECONDS / 3
    renew: Callable[..., Any] = database_sync_to_async(turns_renew)
    claim: Callable[..., Any] = database_sync_to_async(turns_claim_overdue)
    while True:
        await asyncio.sleep(interval)
        try:
            if in_flight := turns_in_flight():
                await renew(message_ids=in_flight)
            for message in await claim():
                if message.pk in _in_flight:
                    continue  # still running here (the renewal lapsed under load)
                logger.info("picking up the bot turn for message %s", message.pk)
                turn_run(
                    message_id=message.pk,
                    turn=hooks().bot_reply(
                        conversation_id=message.conversation_id, message_id=message.pk
                    ),
                )
        except Exception:  # the database is down or busy: try again next round
            logger.exception("bot turn upkeep failed")


def turns_answer_overdue(*, now: datetime | None = None) -> int:
    """From sync code (the Celery beat job, the backstop when no server is up): run the turns
    overdue by a whole extra lease (the servers' sweeps come first), claiming each one just
    before it runs and renewing it while it runs. Returns how many ran."""
    from conversations.hooks import hooks

    ran = 0
    lease = timedelta(seconds=settings.CHATSY_BOT_TURN_LEASE_SECONDS)
    for message in turns_overdue(now=(now or timezone.now()) - lease):
        if not turn_claim(message=message, now=timezone.now()):
            continue
        try:
            asyncio.run(_run_renewed(message, hooks().bot_reply))
        except Exception:  # its deadline lapses and it is tried again
            logger.exception("bot turn for message %s failed", message.pk)
        ran += 1
    return ran


async def _run_renewed(message: Message, bot_reply: Callable[..., Any]) -> None:
    async def renew() -> None:
        while True:
            await asyncio.sleep(settings.CHATSY_BOT_TURN_LEASE_SECONDS / 3)
            await database_sync_to_async(turns_renew)(message_ids=frozenset({message.pk}))

    renewing = asyncio.get_running_loop().create_task(renew())
    try:
        await bot_reply(conversation_id=message.conversation_id, message_id=message.pk)
    finally:
        renewing.cancel()
