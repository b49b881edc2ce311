"""A bot turn lost with its process is picked up once its deadline passes, exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from conversations import services
from conversations.models import Message
from conversations.turns import (
    TURN_ATTEMPTS,
    turn_claim,
    turns_answer_overdue,
    turns_claim_overdue,
    turns_renew,
)
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def orphan(conversation, body: str, *, overdue_seconds: float) -> Message:
    """Stored, but the process that should have answered it died before it could (and no
    server's sweep took it within a lease: Celery's backstop waits that long)."""
    receipt = services.message_receive(conversation=conversation, client_id=uuid.uuid4(), body=body)
    lapsed = settings.CHATSY_BOT_TURN_LEASE_SECONDS + overdue_seconds
    due = timezone.now() - timedelta(seconds=lapsed)
    Message.objects.filter(pk=receipt.message.pk).update(bot_turn_due=due)
    return receipt.message


def test_a_visitor_message_for_the_bot_carries_its_turns_deadline(site):
    conversation = ConversationFactory(customer__site=site)
    receipt = services.message_receive(
        conversation=conversation, client_id=uuid.uuid4(), body="hello"
    )
    assert receipt.message.bot_turn_due > timezone.now()


def test_an_orphaned_question_is_answered_once(site):
    conversation = ConversationFactory(customer__site=site)
    question = orphan(conversation, "How long does shipping take?", overdue_seconds=1)
    assert turns_answer_overdue() == 1
    assert turns_answer_overdue() == 0
    [answer] = Message.objects.filter(sender="bot")
    assert "business days" in answer.body and answer.reply_to == question.seq
    question.refresh_from_db()
    assert question.bot_turn_due is None and "decision" in question.metadata


def test_every_unanswered_message_is_answered_not_only_the_last(site):
    conversation = ConversationFactory(customer__site=site)
    first = orphan(conversation, "How long does shipping take?", overdue_seconds=2)
    second = orphan(conversation, "And how long does shipping take to Canada?", overdue_seconds=1)
    assert turns_answer_overdue() == 2
    replies = set(Message.objects.filter(sender="bot").values_list("reply_to", flat=True))
    assert replies == {first.seq, second.seq}


def test_an_orphaned_request_for_a_human_is_escalated(site):
    conversation = ConversationFactory(customer__site=site)
    orphan(conversation, "I want to talk to a human", overdue_seconds=1)
    assert turns_answer_overdue() == 1
    conversation.refresh_from_db()
    assert conversation.status == "queued"
    assert turns_answer_overdue() == 0


def test_a_turn_still_within_its_deadline_is_left_alone(site):
    conversation = ConversationFactory(customer__site=site)
    services.message_receive(
        conversation=conversation, client_id=uuid.uuid4(), body="How long does shipping take?"
    )
    assert turns_answer_overdue() == 0
    assert not Message.objects.filter(sender="bot").exists()


def test_a_renewed_turn_is_not_taken_over(site):
    conversation = ConversationFactory(customer__site=site)
    question = orphan(conversation, "How long does shipping take?", overdue_seconds=1)
    assert (
        turns_renew(message_ids=frozenset({question.pk})) == 1
    )  # its process is alive and working
    assert turns_claim_overdue() == []


def test_two_reconcilers_claim_an_overdue_turn_once(site):
    conversation = ConversationFactory(customer__site=site)
    orphan(conversation, "How long does shipping take?", overdue_seconds=1)
    now = timezone.now()
    overdue = Message.objects.get(sender="customer")
    first, second = overdue, Message.objects.get(pk=overdue.pk)  # two processes' reads
    assert turn_claim(message=first, now=now) is True
    assert turn_claim(message=second, now=now) is False  # the deadline moved: the CAS fails


def test_a_turn_whose_conversation_a_person_owns_is_settled_not_run(site):
    conversation = ConversationFactory(customer__site=site, status="queued")
    message = Message.objects.create(
        conversation=conversation,
        seq=1,
        sender="customer",
        body="still there?",
        bot_turn_due=timezone.now() - timedelta(seconds=1),
    )
    assert turns_claim_overdue() == []
    message.refresh_from_db()
    assert message.bot_turn_due is None


def test_a_message_from_hours_ago_is_history_not_a_visitor_waiting(site):
    conversation = ConversationFactory(customer__site=site)
    question = orphan(conversation, "How long does shipping take?", overdue_seconds=1)
    Message.objects.filter(pk=question.pk).update(created=timezone.now() - timedelta(hours=7))
    assert turns_answer_overdue() == 0
    question.refresh_from_db()
    assert question.bot_turn_due is None
    assert not Message.objects.filter(sender="bot").exists()


def test_a_turn_that_keeps_failing_is_handed_to_a_person(site, monkeypatch):
    from escalation import turn

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the bot's turn")

    monkeypatch.setattr(turn, "decide", broken)
    conversation = ConversationFactory(customer__site=site)
    question = orphan(conversation, "How long does shipping take?", overdue_seconds=1)
    for attempt in range(1, TURN_ATTEMPTS + 1):
        assert turns_answer_overdue() == 1  # claimed, run, failed: its deadline lapses again
        question.refresh_from_db()
        assert question.bot_turn_attempts == attempt and question.bot_turn_due is not None
        Message.objects.filter(pk=question.pk).update(bot_turn_due=timezone.now() - timedelta(1))
    assert turns_answer_overdue() == 1
    conversation.refresh_from_db()
    question.refresh_from_db()
    assert conversation.status == "queued" and question.bot_turn_due is None
    assert question.metadata["decision"]["category"] == "repeated_failure"
