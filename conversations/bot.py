"""The bot's turn: answer a visitor message in the ASGI process.

Replies run as tasks on the server's event loop, not in the visitor's consumer, so a
reply survives the visitor's socket closing mid-answer.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from chatsy import realtime
from conversations import selectors, services
from conversations.assistant.base import Answer, Responder, Turn
from conversations.assistant.knowledge_base import KnowledgeBaseResponder
from conversations.knowledge import knowledge_index_cached, knowledge_index_fresh
from conversations.models import Conversation, Message

logger = logging.getLogger(__name__)

# Strong references: the event loop only keeps weak ones to running tasks.
_running: set[asyncio.Task] = set()

HISTORY_TURNS = 12


def get_responder() -> Responder:
    return KnowledgeBaseResponder(knowledge_index_cached)


def bot_reply_schedule(*, conversation_id: int, message_id: int) -> asyncio.Task:
    task = asyncio.get_running_loop().create_task(
        bot_reply(conversation_id=conversation_id, message_id=message_id)
    )
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


async def bot_reply(*, conversation_id: int, message_id: int) -> Message | None:
    conversation, question, history = await database_sync_to_async(_bot_context)(
        conversation_id, message_id
    )
    if conversation.status != Conversation.Status.BOT:
        return None
    group = realtime.conversation_group(conversation.public_id)
    await realtime.group_send_async(group, _typing_event(active=True))
    try:
        answer = await get_responder().answer(question=question, history=history)
    except Exception:
        logger.exception("responder failed for conversation %s", conversation_id)
        answer = Answer(
            text="Sorry, I couldn't look that up just now. Please try again in a moment.",
            confidence=0.0,
            responder="fallback",
        )
    finally:
        await realtime.group_send_async(group, _typing_event(active=False))
    return await database_sync_to_async(services.message_post_bot)(
        conversation_id=conversation_id, body=answer.text, metadata=_answer_metadata(answer)
    )


def _bot_context(conversation_id: int, message_id: int) -> tuple[Conversation, str, list[Turn]]:
    knowledge_index_fresh()
    conversation = Conversation.objects.get(pk=conversation_id)
    message = conversation.messages.get(pk=message_id)
    earlier = [
        Turn(role=m.sender, text=m.body)
        for m in selectors.messages_recent(conversation=conversation, limit=HISTORY_TURNS + 1)
        if m.seq < message.seq
    ]
    return conversation, message.body, earlier[-HISTORY_TURNS:]


def _answer_metadata(answer: Answer) -> dict:
    return {
        "confidence": round(answer.confidence, 4),
        "responder": answer.responder,
        "sources": [{"id": s.article_id, "title": s.title} for s in answer.sources],
        "signals": answer.signals,
    }


def _typing_event(*, active: bool) -> dict:
    return {
        "type": "typing.changed",
        "sender": "bot",
        "name": settings.CHATSY_BOT_NAME,
        "active": active,
    }
