"""Queueing the handoff's LLM summary never holds or fails the escalation when the broker is
down or stopped; the sweep queues what was missed. A real redis-server of the test's own is the
Celery broker (eager mode off for these tests)."""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import current_app

from agents.models import Queue
from chatsy.redis_server import LocalRedis, free_port, redis_start
from escalation.buttons import human_requested_by_button
from escalation.models import Escalation
from escalation.policy import Policy
from escalation.services import conversation_escalate
from escalation.tasks import summaries_reconcile, summarise_escalation_enqueue
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A refused connection fails at once; a stopped broker costs one 0.5 s timeout.
STOPPED_BUDGET = 1.0
DOWN_BUDGET = 0.3


@pytest.fixture
def broker(monkeypatch) -> Iterator[LocalRedis]:
    server = redis_start(
        data_dir=Path(tempfile.mkdtemp(prefix="chatsy-broker-")), port=free_port(), persist=False
    )
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setitem(current_app.conf, "broker_url", server.url)
    monkeypatch.setitem(current_app.conf, "broker_write_url", server.url)
    try:
        yield server
    finally:
        assert server.process is not None
        server.process.send_signal(signal.SIGCONT)
        server.stop()


def queued_tasks(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(client.llen("celery"))
    finally:
        client.close()


def escalate() -> Escalation:
    Queue.objects.update_or_create(slug="general", defaults={"name": "General"})
    escalation = conversation_escalate(
        conversation_id=ConversationFactory().pk,
        decision=human_requested_by_button(Policy.default()),
    )
    assert escalation is not None
    return escalation


def test_a_healthy_broker_gets_the_summary_job(broker, default_policy):
    escalate()
    assert queued_tasks(broker.url) == 1


def test_a_dead_broker_fails_nothing_and_holds_nobody(broker, default_policy):
    assert broker.process is not None
    broker.process.send_signal(signal.SIGKILL)
    broker.process.wait()
    started = time.monotonic()
    escalation = escalate()
    assert time.monotonic() - started < STOPPED_BUDGET  # the whole escalation, Redis down
    escalation.refresh_from_db()
    assert escalation.summary and escalation.summary_source == "extractive"

    started = time.monotonic()
    assert summarise_escalation_enqueue(escalation.pk) is False
    assert time.monotonic() - started < DOWN_BUDGET


def test_a_stopped_broker_costs_one_short_timeout(broker, default_policy):
    escalation = escalate()
    assert broker.process is not None
    broker.process.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    assert summarise_escalation_enqueue(escalation.pk) is False
    assert time.monotonic() - started < STOPPED_BUDGET


def test_the_sweep_queues_the_summaries_that_were_missed(broker, default_policy, settings):
    settings.OPENAI_API_KEY = "test-key"
    assert broker.process is not None
    broker.process.send_signal(signal.SIGSTOP)
    missed = escalate()  # its summary job was never queued
    broker.process.send_signal(signal.SIGCONT)
    assert queued_tasks(broker.url) == 0
    Escalation.objects.filter(pk=missed.pk).update(summary_source="extractive")

    assert summaries_reconcile() == 1
    assert queued_tasks(broker.url) == 1

    Escalation.objects.filter(pk=missed.pk).update(summary_source="llm")
    assert summaries_reconcile() == 0  # done ones are left alone


def test_the_sweep_does_nothing_without_an_llm(broker, default_policy, settings):
    settings.OPENAI_API_KEY = ""
    escalate()
    before = queued_tasks(broker.url)
    assert summaries_reconcile() == 0
    assert queued_tasks(broker.url) == before
