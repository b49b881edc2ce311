"""The bot's turn: decide, answer, or hand over — in the ASGI process.

The visitor's socket (conversations.consumers) starts it through conversations.hooks, which
this app implements (escalation.hooks): replies run as tasks on the server's event loop, not
in the visitor's consumer, so a reply survives the visitor's socket closing mid-answer (and
conversations.turns reruns the turn of a process that dies).

The engine is called twice per visitor message: before the answer (explicit requests,
sentiment, complexity, VIP, failures) and after it (the confidence bands). In between, turns
that are no knowledge-base question (feedback, thanks, greetings, "asdfgh":
escalation.signals.dialogue) get their short reply, and a question about nothing the store
deals in gets the scope answer and an offer of a person rather than a place in the queue.

This module only orchestrates I/O (the database, the responder, the channel layer): what to do
with each decision (buttons, wording, failures counting as "not helpful") is the pure
escalation.bot_rules.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any, cast

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chatsy import events, realtime
from chatsy.budgets import budget_take
from conversations import services
from conversations.assistant.base import Answer, Role, Turn
from conversations.assistant.confidence import assess
from conversations.assistant.config import responder_offline, responder_primary
from conversations.assistant.knowledge_base import KnowledgeBaseResponder, follow_up_query
from conversations.assistant.llm import ResponderUnavailable
from conversations.knowledge import knowledge_index_cached, knowledge_index_fresh
from conversations.models import Conversation, Message
from conversations.turns import TURN_ATTEMPTS
from escalation import bot_rules, copy
from escalation import selectors as escalation_selectors
from escalation.buttons import bot_turn_failed, human_requested_by_button, sensitive_conversation
from escalation.engine import Decision, Snapshot, decide
from escalation.policy import Action, Category, Policy
from escalation.policy_store import policy_current
from escalation.selectors import WindowRow
from escalation.services import conversation_escalate, message_record_feedback
from escalation.signals.dialogue import Act, DialogueAct, mentions_store, read_act

logger = logging.getLogger(__name__)

HISTORY_TURNS = 12
FALLBACK_PREFIX = (
    "I'm having trouble reaching my AI assistant right now, so here's what our help centre says."
)


@dataclass(frozen=True)
class TurnContext:
    """What one visitor message's turn needs, read once (turn_read): conversations.hooks.BotTurn."""

    conversation: Conversation
    status: str  # the conversation's, as stored when the turn was read
    message: Message
    history: list[Turn]
    snapshot: Snapshot
    policy: Policy
    last_bot: WindowRow | None  # the bot's latest message before this one
    sensitive_topic: str = ""  # the conversation was escalated for this sensitive topic

    @property
    def group(self) -> str:
        return realtime.conversation_group(self.conversation.public_id)


async def bot_reply(*, conversation_id: int, message_id: int) -> None:
    """Read and run the turn of a stored message: the reconciler taking over a lost turn. A
    turn taken over TURN_ATTEMPTS times failed each time: a person takes over instead."""
    message = await database_sync_to_async(Message.objects.select_related("conversation").get)(
        pk=message_id, conversation_id=conversation_id
    )
    if message.bot_turn_attempts > TURN_ATTEMPTS:
        await database_sync_to_async(_hand_over_failed_turn)(message)
        return
    await bot_turn(await database_sync_to_async(turn_read)(message=message))


def _hand_over_failed_turn(message: Message) -> None:
    """Reads nothing but the message and the policy: whatever broke the turn is not needed."""
    decision = bot_turn_failed(policy_current(), attempts=message.bot_turn_attempts - 1)
    logger.error("bot turn for message %s failed repeatedly: handing over", message.pk)
    with transaction.atomic():
        if _store_decision(message, decision):
            conversation_escalate(
                conversation_id=message.conversation_id, decision=decision, message=message
            )


async def bot_turn(context: TurnContext) -> None:
    """Decide, answer or hand over. Database work: one hop at the end, the context having
    been read in the hop that stored the visitor's message (turn_read)."""
    if context.status != Conversation.Status.BOT:
        return  # A person owns the conversation: the bot stays silent.
    if context.sensitive_topic:  # ...and after a sensitive topic, for good (no responder)
        await database_sync_to_async(_sensitive_follow_up)(context)
        return
    act = read_act(context.message.body)
    before = decide(context.snapshot, context.policy, timezone.now())
    if before.escalates:
        await database_sync_to_async(_escalate)(context, before, act.act)
        return
    if not act.wants_knowledge:  # feedback, thanks, "hi", "asdfgh": no knowledge base
        await database_sync_to_async(_conversational_turn)(context, before, act)
        return
    if _off_topic(context, before):
        await database_sync_to_async(_post_reply)(
            context,
            bot_rules.at_least_offer(before),
            copy.OUT_OF_SCOPE,
            act="off_topic",
            offered=True,
        )
        return
    answer, stream_id = await _answer(context)
    after = decide(context.snapshot.with_answer(answer.confidence), context.policy, timezone.now())
    after = bot_rules.after_fallback(after, fell_back=answer.responder == "fallback")
    if after.escalates:  # Too unsure to say anything: hand over rather than guess.
        await _end_stream(context, stream_id)
        await database_sync_to_async(_escalate)(context, after, act.act)
        return
    stored = await database_sync_to_async(_post_answer)(context, answer, after, act.act, stream_id)
    if stored is None:  # A person took over while the answer was generated: drop it.
        await _end_stream(context, stream_id)


def _off_topic(context: TurnContext, before: Decision) -> bool:
    """No word of the store's trade, no issue the engine found, and no knowledge-base
    article that fits: "recipe for sourdough bread?" is not for us, and not for the queue
    either; "I'm going to do a chargeback" is."""
    if before.category != Category.NONE:
        return False
    index = knowledge_index_cached()
    query = follow_up_query(context.message.body, context.history, index=index)
    if mentions_store(query):
        return False
    confidence = assess(index, query).confidence
    return confidence < context.policy.thresholds.offer_above


def _conversational_turn(context: TurnContext, before: Decision, act: DialogueAct) -> None:
    """Reply to a turn that is no question; a typed yes / no answers what the bot asked."""
    last_bot = context.last_bot
    asked = bot_rules.asked_by(last_bot.actions or []) if last_bot else bot_rules.Asked.NOTHING
    reply = bot_rules.turn_reply(act, asked)
    decision = before
    if reply.escalate:
        decision = human_requested_by_button(context.policy)
    elif reply.helpful is not None and last_bot is not None:
        answered = Message.objects.get(pk=last_bot.pk)
        recorded = message_record_feedback(message=answered, helpful=reply.helpful)
        if recorded and not reply.helpful:  # counts like the "No" button (Category 5)
            snapshot = bot_rules.with_not_helpful(context.snapshot)
            decision = decide(snapshot, context.policy, timezone.now())
    if decision.escalates:
        _escalate(context, decision, act.act)
        return
    if reply.offer:
        decision = bot_rules.at_least_offer(decision)
    if _post_reply(context, decision, reply.body, act=act.act, offered=reply.offer):
        _bot_csat_offer(context, act.act)


def _bot_csat_offer(context: TurnContext, act: Act) -> None:
    """A "thanks" or "bye" after the bot's answers: ask once for the AI-only rating, after the
    reply (the prompt follows it on commit). Only those acts cost the query."""
    if act not in bot_rules.BOT_CSAT_CUES:
        return
    state = escalation_selectors.bot_csat_state(conversation_id=context.conversation.pk)
    if bot_rules.bot_csat_due(act=act, **asdict(state)):
        services.conversation_bot_csat_offer(
            conversation=context.conversation,
            text=copy.BOT_CSAT_QUESTION.format(bot=settings.CHATSY_BOT_NAME),
            now=timezone.now(),
        )


def _post_reply(
    context: TurnContext, decision: Decision, body: str, *, act: str, offered: bool = False
) -> Message | None:
    """Store a short reply (no knowledge base) and the decision; once per visitor message.
    `offered`: the body already offers a person in words. None: another run answered it."""
    reply = bot_rules.short_reply(decision, body, offered=offered)
    return _settle(context, decision, act, reply.body, {"dialogue_act": act} | reply.metadata())


def _settle(
    context: TurnContext,
    decision: Decision,
    act: str | None,
    body: str,
    metadata: dict[str, Any],
    before: bot_rules.BotMessage | None = None,
) -> Message | None:
    """End the turn in one transaction: the decision on the visitor's message (which clears its
    turn's deadline), then the answer. Once per visitor message: the answer's `reply_to` is
    unique, so when the reconciler raced a slow original, the second rolls back whole."""
    try:
        with transaction.atomic():
            if not _store_decision(context.message, decision, act):
                raise _SettledAlready
            if before is not None:
                _post(context.conversation.pk, before)
            return services.message_post_bot(
                conversation_id=context.conversation.pk,
                body=body,
                metadata=metadata,
                reply_to=context.message.seq,
            )
    except (IntegrityError, _SettledAlready):
        logger.info("message %s was answered already: this answer is dropped", context.message.pk)
        return None


class _SettledAlready(Exception):
    """Another run of this turn stored its decision first: roll this one back."""


def _escalate(context: TurnContext, decision: Decision, act: str | None) -> None:
    """Hand over to a person, with the decision stored on the message that triggered it."""
    if not _escalation_within_budget(context.conversation):
        _settle(
            context,
            replace(decision, action=Action.RESPOND),
            act,
            copy.ESCALATION_LIMIT,
            {"escalation_budget": "exceeded"},
        )
        return
    with transaction.atomic():
        if _store_decision(context.message, decision, act):
            conversation_escalate(
                conversation_id=context.conversation.pk, decision=decision, message=context.message
            )


def _sensitive_follow_up(context: TurnContext) -> None:
    """The conversation was escalated for a sensitive topic before (then handed back, or
    resolved and reopened): the message goes back to the specialists, acknowledged, and the
    bot says nothing of its own."""
    decision = sensitive_conversation(context.policy, topic=context.sensitive_topic)
    if not _escalation_within_budget(context.conversation):
        limit = replace(decision, action=Action.RESPOND)
        _settle(
            context, limit, None, copy.SENSITIVE_ESCALATION_LIMIT, {"escalation_budget": "exceeded"}
        )
        return
    with transaction.atomic():
        if _store_decision(context.message, decision):
            conversation_escalate(
                conversation_id=context.conversation.pk, decision=decision, message=context.message
            )


async def visitor_action(*, conversation: Conversation, action: str, seq: int) -> None:
    """A quick-reply button: "Talk to a person", or "Did this help?" yes / no."""
    await database_sync_to_async(_visitor_action)(conversation.pk, action, seq)


def _visitor_action(conversation_id: int, action: str, seq: int) -> None:
    conversation = Conversation.objects.select_related("customer__plan").get(pk=conversation_id)
    policy = policy_current()
    if bot_rules.wants_human(action):
        if conversation.status != Conversation.Status.BOT:
            return  # already with a person: a second click changes nothing
        if not _escalation_within_budget(conversation):
            sensitive = escalation_selectors.conversation_sensitive_topic(
                conversation_id=conversation.pk
            )
            limit = copy.SENSITIVE_ESCALATION_LIMIT if sensitive else copy.ESCALATION_LIMIT
            _post(conversation.pk, bot_rules.BotMessage(limit))
            return
        conversation_escalate(  # a sensitive conversation's goes to the specialists
            conversation_id=conversation.pk, decision=human_requested_by_button(policy)
        )
        return
    message = conversation.messages.filter(seq=seq, sender=Message.Sender.BOT).first()
    helpful = bot_rules.feedback_from_button(
        action, message.metadata.get("actions", []) if message else []
    )
    if message is None or helpful is None:
        return  # Only the buttons that message showed count.
    if not message_record_feedback(message=message, helpful=helpful):
        return  # Already answered: a double click changes nothing.
    if escalation_selectors.conversation_sensitive_topic(conversation_id=conversation.pk):
        return  # A sensitive conversation: the click is recorded, the bot says nothing.
    if helpful:
        _post(conversation.pk, bot_rules.HELPFUL_THANKS)
        return
    last_question = (
        conversation.messages.filter(sender=Message.Sender.CUSTOMER).order_by("-seq").first()
    )
    if last_question is not None:
        snapshot = escalation_selectors.snapshot_for(
            conversation=conversation, message=last_question
        )
        decision = decide(snapshot, policy, timezone.now())
        if decision.escalates and not _escalation_within_budget(conversation):
            _post(conversation.pk, bot_rules.BotMessage(copy.ESCALATION_LIMIT))
            return
        if decision.escalates:
            conversation_escalate(
                conversation_id=conversation.pk, decision=decision, message=last_question
            )
            return
    _post(conversation.pk, bot_rules.NOT_HELPFUL_FOLLOW_UP)


def _escalation_within_budget(conversation: Conversation) -> bool:
    """Handoffs one visitor can cause (settings.CHATSY_BUDGETS["escalation"], chatsy.budgets):
    beyond it nobody is queued again; the bot says so and keeps helping."""
    return budget_take("escalation", visitor=str(conversation.customer_id)).allowed


def _post(conversation_id: int, message: bot_rules.BotMessage) -> None:
    services.message_post_bot(
        conversation_id=conversation_id, body=message.body, metadata=message.metadata() or None
    )


async def _answer(context: TurnContext) -> tuple[Answer, str | None]:
    """The responder's answer, streamed to the widget; the offline KB if the LLM fails."""
    responder = responder_primary()
    streaming = not isinstance(responder, KnowledgeBaseResponder)
    stream_id = uuid.uuid4().hex if streaming else None

    async def on_delta(piece: str) -> None:
        assert stream_id is not None  # only a streaming responder calls back
        await realtime.group_send_async(
            context.group,
            events.stream_delta(stream_id=stream_id, delta=piece, name=settings.CHATSY_BOT_NAME),
        )

    if streaming:  # an offline answer takes milliseconds: no typing frames for it
        await realtime.group_send_async(context.group, _typing_event(context, active=True))
    try:
        answer = await responder.answer(
            question=context.message.body,
            history=context.history,
            on_delta=on_delta if streaming else None,
        )
        return answer, stream_id
    except ResponderUnavailable as failure:
        logger.warning(
            "LLM failed for conversation %s: %s", context.conversation.pk, failure.reason
        )
        if failure.streamed:
            await _end_stream(context, stream_id)
        return await _fallback_answer(context, failure.reason), None
    except Exception:
        logger.exception("responder failed for conversation %s", context.conversation.pk)
        await _end_stream(context, stream_id)
        return await _fallback_answer(context, "error"), None
    finally:
        if streaming:
            await realtime.group_send_async(context.group, _typing_event(context, active=False))


async def _fallback_answer(context: TurnContext, reason: str) -> Answer:
    """The offline responder answers, says so, and the failure counts toward Category 5."""
    offline = await responder_offline().answer(
        question=context.message.body, history=context.history
    )
    return replace(
        offline,
        text=f"{FALLBACK_PREFIX}\n\n{offline.text}",
        responder="fallback",
        signals={**offline.signals, "fallback_reason": reason},
    )


async def _end_stream(context: TurnContext, stream_id: str | None) -> None:
    if stream_id is not None:
        await realtime.group_send_async(context.group, events.stream_end(stream_id=stream_id))


def turn_read(*, message: Message) -> TurnContext:
    """Everything the turn needs, in one query (escalation.selectors.turn_window); the policy
    and the knowledge base come from this process's memory (rebuilt when their version moves).
    `message` with its conversation: the rows just stored, or read by the reconciler."""
    knowledge_index_fresh()
    policy = policy_current()
    window = escalation_selectors.turn_window(
        conversation_id=message.conversation_id, message_seq=message.seq
    )
    earlier = [
        Turn(role=cast(Role, m.sender), text=m.body)  # Message.Sender's values are the roles
        for m in window.earlier
    ]
    snapshot = escalation_selectors.snapshot_from(window, policy=policy)
    return TurnContext(
        conversation=message.conversation,
        status=window.status,
        message=message,
        history=earlier[-HISTORY_TURNS:],
        snapshot=bot_rules.with_ai_failures(snapshot, failures=window.ai_failures),
        policy=policy,
        last_bot=next(
            (m for m in reversed(window.earlier) if m.sender == Message.Sender.BOT), None
        ),
        sensitive_topic=window.sensitive_topic,
    )


def _store_decision(message: Message, decision: Decision, act: str | None = None) -> bool:
    """Settle the visitor message's turn with its decision; False if another run of the same
    turn settled it first (then the caller rolls back: one answer or handover per message)."""
    details = decision.to_dict()
    extra = {"dialogue_act": act} if act else {}
    return services.message_settle_turn(
        message=message,
        decision={k: v for k, v in details.items() if k != "signals"},
        signals=details["signals"],
        **extra,
    )


def _post_answer(
    context: TurnContext, answer: Answer, decision: Decision, act: str, stream_id: str | None
) -> Message | None:
    """Store the answer, shaped by the confidence band (and the mood) the engine chose."""
    metadata = _answer_metadata(answer)
    if stream_id:
        metadata["stream_id"] = stream_id
    before, reply = bot_rules.answer_messages(decision, answer.text)
    return _settle(context, decision, act, reply.body, metadata | reply.metadata(), before)


def _answer_metadata(answer: Answer) -> dict[str, Any]:
    return {
        "confidence": round(answer.confidence, 4),
        "responder": answer.responder,
        "sources": [{"id": s.article_id, "title": s.title} for s in answer.sources],
        "signals": answer.signals,
    }


def _typing_event(context: TurnContext, *, active: bool) -> events.TypingChanged:
    return events.typing_changed(
        conversation=context.conversation.public_id,
        sender="bot",
        name=settings.CHATSY_BOT_NAME,
        active=active,
    )
