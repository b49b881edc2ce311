"""A stopped Redis (SIGSTOP) must not hold Channels' one database thread: chatsy.redis times out
after 0.5 s, then its circuit breaker fails every call at once until the cool-down ends, and
callers fall back to the database. A real redis-server of the test's own is stopped and resumed.
"""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agents import presence
from agents.models import Queue
from agents.waiting_queue import waiting_line
from chatsy.redis import (
    BREAKER_COOL_DOWN_SECONDS,
    SOCKET_TIMEOUT_SECONDS,
    RedisUnavailable,
    redis_breaker,
    redis_counter_next,
)
from chatsy.redis_server import LocalRedis, free_port, redis_start
from conversations.models import Conversation
from escalation.buttons import human_requested_by_button
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from escalation.services import conversation_escalate
from tests.factories import ConversationFactory

# One attempt may wait for its timeout (plus a reconnect); the rest of the cool-down is free.
FIRST_FAILURE_BUDGET = 2 * SOCKET_TIMEOUT_SECONDS + 0.5
FAST = 0.1  # no network at all; the margin is for a busy machine's scheduler


@pytest.fixture
def stoppable_redis(settings) -> Iterator[LocalRedis]:
    """A redis-server of this test's own, resumed and stopped at the end whatever happens."""
    server = redis_start(
        data_dir=Path(tempfile.mkdtemp(prefix="chatsy-stop-")), port=free_port(), persist=False
    )
    settings.REDIS_URL = server.url
    try:
        yield server
    finally:
        assert server.process is not None
        server.process.send_signal(signal.SIGCONT)
        server.stop()


def timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - the test inspects it
        return time.monotonic() - started, error
    return time.monotonic() - started, None


def wait_until_breaker_closes(budget: float = BREAKER_COOL_DOWN_SECONDS + 5) -> None:
    deadline = time.monotonic() + budget
    while redis_breaker().remaining() > 0:
        assert time.monotonic() < deadline, "the breaker never closed"
        time.sleep(0.05)


def test_a_stopped_redis_costs_one_timeout_then_calls_fail_at_once_and_recover(stoppable_redis):
    assert redis_counter_next("breaker") == 1  # a pooled, healthy connection first
    stoppable_redis.process.send_signal(signal.SIGSTOP)

    took, error = timed(lambda: redis_counter_next("breaker"))
    assert isinstance(error, RedisUnavailable) and took < FIRST_FAILURE_BUDGET
    assert redis_breaker().remaining() > 0

    # While open: every caller, on any thread, fails without touching the network.
    results: list[tuple[float, BaseException | None]] = []

    def caller() -> None:
        for call in (
            lambda: redis_counter_next("breaker"),
            lambda: presence.presence_touch(7),
            lambda: waiting_line().depth("general"),
        ):
            results.append(timed(call))

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 12
    assert all(isinstance(e, RedisUnavailable) and "circuit open" in str(e) for _, e in results)
    assert max(took for took, _ in results) < FAST

    stoppable_redis.process.send_signal(signal.SIGCONT)
    wait_until_breaker_closes()
    # The same server, reached again. The INCR that timed out had reached its socket: Redis ran
    # it after SIGCONT. A RedisUnavailable means "outcome unknown", never "not applied" (the
    # waiting line is reconciled from the database for that reason).
    assert redis_counter_next("breaker") == 3
    assert redis_breaker().remaining() == 0


def test_a_refused_command_does_not_open_the_breaker(stoppable_redis):
    import redis as redis_py

    from chatsy.redis import redis_boundary, redis_client

    @redis_boundary
    def wrong_type() -> None:
        redis_client().set("chatsy-breaker-string", "x")
        redis_client().lpush("chatsy-breaker-string", "y")

    with pytest.raises(RedisUnavailable) as raised:
        wrong_type()
    assert isinstance(raised.value.__cause__, redis_py.ResponseError)
    assert redis_breaker().remaining() == 0


@pytest.mark.django_db(transaction=True)
def test_escalations_with_redis_stopped_are_stored_without_holding_the_thread(stoppable_redis):
    """Escalating enqueues in Redis on commit; with Redis stopped each falls back to the
    database, and only the first pays the timeout."""
    policy_replace(Policy.default())
    Queue.objects.update_or_create(slug="general", defaults={"name": "General"})
    chats = [ConversationFactory() for _ in range(5)]
    waiting_line().depth("general")  # connect while Redis answers
    stoppable_redis.process.send_signal(signal.SIGSTOP)

    durations = []
    for chat in chats:
        took, error = timed(
            lambda chat=chat: conversation_escalate(
                conversation_id=chat.pk, decision=human_requested_by_button(Policy.default())
            )
        )
        assert error is None
        durations.append(took)
    assert Conversation.objects.filter(status="queued").count() == 5
    assert max(durations) < FIRST_FAILURE_BUDGET
    assert sorted(durations)[-2] < FIRST_FAILURE_BUDGET / 2  # one timeout at most, not five
