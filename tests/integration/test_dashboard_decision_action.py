"""Message.decision_action, the copy of metadata.decision.action the dashboard counts offers by:
the migration fills it in for the messages stored before it (the live write path is held by
test_dialogue_turns and test_escalation_flow)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ConversationFactory


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_every_stored_decision_action():
    before = [("conversations", "0008_message_sender_created_conversation_index")]
    after = [("conversations", "0009_message_decision_action")]
    conversation = ConversationFactory()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
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
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("conversations", "Message")
        copied = dict(
            new.objects.filter(conversation_id=conversation.pk).values_list(
                "seq", "decision_action"
            )
        )
        assert copied == {1: "offer", 2: "acknowledge_offer", 3: "", 4: ""}
    finally:  # the rest of the session runs on the latest schema
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
