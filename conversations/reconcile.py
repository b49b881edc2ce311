"""Answering what a dead process left unanswered.

A bot reply runs in the ASGI process that received the message. If that process dies
mid-answer, the visitor's message would wait forever; the Celery beat job here finds visitor
messages with no reply after CHATSY_UNANSWERED_AFTER_SECONDS and runs the bot's turn again
(it answers or escalates, once: replies are idempotent per visitor message).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from conversations.hooks import hooks
from conversations.models import Conversation, Message

# Older than this, a silent message is history, not a visitor waiting (e.g. after downtime).
GIVE_UP_AFTER = timedelta(hours=6)


def messages_unanswered(*, now: datetime) -> list[Message]:
    """The last message of a bot-owned conversation, from the visitor, past the reply deadline."""
    cutoff = now - timedelta(seconds=settings.CHATSY_UNANSWERED_AFTER_SECONDS)
    return list(
        Message.objects.filter(
            sender=Message.Sender.CUSTOMER,
            seq=F("conversation__last_seq"),
            conversation__status=Conversation.Status.BOT,
            created__lt=cutoff,
            created__gt=now - GIVE_UP_AFTER,
        ).select_related("conversation")[:100]
    )


def unanswered_answer_all(*, now: datetime | None = None) -> int:
    """Run the bot's turn for every message left unanswered. Returns how many."""
    pending = messages_unanswered(now=now or timezone.now())
    for message in pending:
        asyncio.run(
            hooks().bot_reply(conversation_id=message.conversation_id, message_id=message.pk)
        )
    return len(pending)
