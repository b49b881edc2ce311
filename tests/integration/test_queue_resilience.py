"""The queue survives Redis dying: the database is the truth and the line is rebuilt from it."""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path

import pytest
from django.utils import timezone

from agents import services
from agents.models import Queue
from agents.waiting_queue import waiting_line
from chatsy.redis import BREAKER_COOL_DOWN_SECONDS, RedisUnavailable, redis_breaker
from chatsy.redis_server import free_port, redis_start
from conversations.models import Conversation, Message
from escalation.buttons import human_requested_by_button
from escalation.engine import Snapshot, decide
from escalation.model_store import shipped_model
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from escalation.services import conversation_escalate
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_redis(settings):
    """A redis-server of this test's own, so it can be killed without harming the session's."""
    port = free_port()
    server = redis_start(
        data_dir=Path(tempfile.mkdtemp(prefix="chatsy-kill-")), port=port, persist=False
    )
    settings.REDIS_URL = server.url
    yield server, port
    server.stop()


def escalate_many(count: int) -> list[Conversation]:
    policy_replace(Policy.default())
    Queue.objects.update_or_create(slug="general", defaults={"name": "General"})
    Queue.objects.update_or_create(slug="security", defaults={"name": "Security"})
    chats = []
    for index in range(count):
        text = "my account was hacked" if index % 5 == 0 else "I want to talk to a human"
        conversation = ConversationFactory()
        decision = decide(
            Snapshot(message=text),
            Policy.default().with_classifier(shipped_model()),
            timezone.now(),
        )
        conversation_escalate(conversation_id=conversation.pk, decision=decision)
        chats.append(conversation)
    return chats


def line_order() -> list[tuple[str, str]]:
    return [(e.queue, e.conversation_id) for e in waiting_line().all_entries()]


def test_kill_9_redis_with_50_waiting_and_rebuild_on_a_fresh_one(own_redis):
    server, port = own_redis
    escalate_many(50)
    before = line_order()
    assert len(before) == 50

    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    fresh = redis_start(
        data_dir=Path(tempfile.mkdtemp(prefix="chatsy-fresh-")), port=port, persist=False
    )
    try:
        assert line_order() == []  # An empty Redis: the line is gone.
        assert services.queue_rebuild() == 50
        assert line_order() == before
        assert Conversation.objects.filter(status="queued").count() == 50
    finally:
        fresh.stop()


def test_escalation_succeeds_in_the_database_while_redis_is_down_and_catches_up(
    settings, own_redis
):
    server, port = own_redis
    policy_replace(Policy.default())
    Queue.objects.update_or_create(slug="general", defaults={"name": "General"})
    server.stop()  # Redis is unreachable from here on.
    conversation = ConversationFactory()
    escalation = conversation_escalate(
        conversation_id=conversation.pk, decision=human_requested_by_button(Policy.default())
    )
    assert escalation is not None
    conversation.refresh_from_db()
    assert conversation.status == "queued" and conversation.queue.slug == "general"
    follow_up = Message.objects.get(conversation=conversation, metadata__event="queue_down")
    assert "follow up" in follow_up.body

    back = redis_start(
        data_dir=Path(tempfile.mkdtemp(prefix="chatsy-back-")), port=port, persist=False
    )
    try:
        # The failed enqueue opened the breaker: until its cool-down ends calls fail at once,
        # and the reconciler (every 30 s in beat) catches up after.
        with pytest.raises(RedisUnavailable, match="circuit open"):
            services.queue_reconcile()
        deadline = time.monotonic() + BREAKER_COOL_DOWN_SECONDS + 5
        while redis_breaker().remaining() > 0:
            assert time.monotonic() < deadline, "the breaker never closed"
            time.sleep(0.05)
        assert services.queue_reconcile() == (1, 0)
        assert waiting_line().position(str(conversation.public_id)) == 1
    finally:
        back.stop()
