"""A visitor message left unanswered by a dead process is answered by the reconciler, once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import services
from conversations.models import Message
from conversations.reconcile import unanswered_answer_all
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def orphan(conversation, body: str, *, age_seconds: float) -> Message:
    """Stored, but the process that should have answered it died before it could."""
    receipt = services.message_receive(conversation=conversation, client_id=uuid.uuid4(), body=body)
    created = timezone.now() - timedelta(seconds=age_seconds)
    Message.objects.filter(pk=receipt.message.pk).update(created=created)
    return receipt.message


def test_an_orphaned_question_is_answered_once(site):
    conversation = ConversationFactory(customer__site=site)
    orphan(conversation, "How long does shipping take?", age_seconds=40)
    assert unanswered_answer_all() == 1
    assert unanswered_answer_all() == 0
    [answer] = Message.objects.filter(sender="bot")
    assert "business days" in answer.body and answer.metadata["reply_to"] == 1


def test_an_orphaned_request_for_a_human_is_escalated(site):
    conversation = ConversationFactory(customer__site=site)
    orphan(conversation, "I want to talk to a human", age_seconds=40)
    assert unanswered_answer_all() == 1
    conversation.refresh_from_db()
    assert conversation.status == "queued"
    assert unanswered_answer_all() == 0


def test_a_message_still_within_the_reply_deadline_is_left_alone(site):
    conversation = ConversationFactory(customer__site=site)
    orphan(conversation, "How long does shipping take?", age_seconds=5)
    assert unanswered_answer_all() == 0
    assert not Message.objects.filter(sender="bot").exists()
