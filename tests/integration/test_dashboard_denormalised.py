"""What the dashboard reads from a column instead of every message: Conversation.
first_visitor_message_at (stamped by the visitor's first message) and Message.decision_action
(the copy of metadata.decision.action; its live write path is held by test_dialogue_turns and
test_escalation_flow), and the migrations filling both in for rows stored before them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conversations import services
from conversations.models import Conversation, Message
from tests.factories import ConversationFactory


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db
def test_the_first_visitor_message_stamps_the_conversation_and_later_ones_keep_it():
    conversation = ConversationFactory()
    services.message_post_bot(conversation_id=conversation.pk, body="Hello! How can I help?")
    conversation.refresh_from_db()
    assert conversation.first_visitor_message_at is None  # the bot's greeting is not a visit

    first = services.message_receive(
        conversation=conversation, client_id=uuid.uuid4(), body="Where is my order?"
    ).message
    services.message_receive(conversation=conversation, client_id=uuid.uuid4(), body="Hello?")
    conversation.refresh_from_db()
    assert conversation.first_visitor_message_at == first.created
    assert Message.objects.filter(conversation=conversation, sender="customer").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_every_stored_decision_action():
    before = [("conversations", "0008_metrics_indexes")]
    after = [("conversations", "0009_message_decision_action")]
    conversation = ConversationFactory()
    try:
        executor = _migrate(before)
        old = executor.loader.project_state(before).apps.get_model("conversations", "Message")
        stored = {
            1: {"decision": {"action": "offer"}},
            2: {"decision": {"action": "acknowledge_offer"}, "dialogue_act": "question"},
            3: {"sentiment": -0.4},  # a message sent while a person had the chat
            4: {},
        }
        for seq, metadata in stored.items():
            old.objects.create(
                conversation_id=conversation.pk,
                seq=seq,
                sender="customer",
                body="Hi",
                metadata=metadata,
            )
        executor = _migrate(after)
        new = executor.loader.project_state(after).apps.get_model("conversations", "Message")
        copied = dict(
            new.objects.filter(conversation_id=conversation.pk).values_list(
                "seq", "decision_action"
            )
        )
        assert copied == {1: "offer", 2: "acknowledge_offer", 3: "", 4: ""}
    finally:  # the rest of the session runs on the latest schema
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_stamps_conversations_with_their_earliest_visitor_message():
    before = [("conversations", "0009_message_decision_action")]
    after = [("conversations", "0010_conversation_first_visitor_message_at")]
    wrote, silent = ConversationFactory(), ConversationFactory()
    early = timezone.now() - timedelta(hours=2)
    try:
        executor = _migrate(before)
        old = executor.loader.project_state(before).apps.get_model("conversations", "Message")
        rows = [
            (wrote, 1, "bot", early - timedelta(minutes=1)),
            (wrote, 2, "customer", early + timedelta(minutes=5)),
            (wrote, 3, "customer", early),  # the earliest visitor message, whatever its seq
            (silent, 1, "bot", early),
        ]
        for conversation, seq, sender, created in rows:
            old.objects.create(
                conversation_id=conversation.pk, seq=seq, sender=sender, body="…", created=created
            )
        _migrate(after)
        stamped = dict(
            Conversation.objects.filter(pk__in=[wrote.pk, silent.pk]).values_list(
                "pk", "first_visitor_message_at"
            )
        )
        assert stamped == {wrote.pk: early, silent.pk: None}
    finally:  # the rest of the session runs on the latest schema
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
