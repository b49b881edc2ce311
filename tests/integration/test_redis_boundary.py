"""chatsy.redis owns Redis: every key under the configured prefix, every failure RedisUnavailable.

Two deployments with different CHATSY_REDIS_PREFIX values share one real redis-server here and
must not see each other's waiting lines, presence, counters or once-only marks.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from agents import presence, selectors, services
from agents.models import Queue
from agents.waiting_queue import WaitingEntry, waiting_line
from chatsy.redis import RedisUnavailable, redis_counter_next, redis_key, redis_mark_once
from chatsy.redis_server import free_port
from tests.factories import AgentFactory, escalated_conversation
from tests.support.presence import agent_available


def deployment(prefix: str) -> override_settings:
    return override_settings(CHATSY_REDIS_PREFIX=prefix)


def entry(queue: str = "general", at: int = 1_000) -> WaitingEntry:
    return WaitingEntry(str(uuid.uuid4()), queue, "normal", at)


def all_keys(redis_url: str) -> list[str]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return sorted(client.keys("*"))
    finally:
        client.close()


def test_keys_are_built_from_the_configured_prefix():
    with deployment("acme"):
        assert redis_key("wq", "queue", "billing") == "acme:wq:queue:billing"
        assert redis_key("presence", 7) == "acme:presence:7"


def test_two_prefixes_on_one_redis_do_not_see_each_other(redis_url):
    general, billing = entry("general", at=1_000), entry("billing", at=2_000)
    with deployment("acme"):
        waiting_line().enqueue(general)
        waiting_line().enqueue(billing)
        presence.presence_set(7, "online", now=0)
        assert redis_counter_next("rr", "general") == 1
        assert redis_mark_once("max-wait", general.conversation_id, ttl_seconds=60) is True

    with deployment("globex"):
        line = waiting_line()
        assert line.all_entries() == [] and line.depth("general") == 0
        assert line.position(general.conversation_id) is None
        assert line.claim(general.conversation_id) is None
        assert line.claim_next(["general", "billing"]) is None
        assert presence.presence_get(7) == "offline"
        assert presence.presence_online([7]) == set()
        assert presence.presence_expired(now=10_000) == []  # acme's heartbeat is not globex's
        assert redis_counter_next("rr", "general") == 1
        assert redis_mark_once("max-wait", general.conversation_id, ttl_seconds=60) is True
        # Globex moves, claims and rebuilds with the same conversation ids: the Lua scripts find
        # globex's keys, never acme's.
        moved = WaitingEntry(general.conversation_id, "vip", "high", 5)
        line.enqueue(WaitingEntry(general.conversation_id, "general", "high", 5))
        line.enqueue(moved)
        assert line.depth("general") == 0 and line.entries("vip") == [moved]
        assert line.claim(moved.conversation_id) == moved
        line.enqueue(WaitingEntry(billing.conversation_id, "vip", "urgent", 9))
        assert line.claim_next(["vip"]).conversation_id == billing.conversation_id
        line.replace_all([entry("vip")])

    with deployment("acme"):
        line = waiting_line()
        assert line.all_entries() == [general, billing]
        assert line.position(general.conversation_id) == 1
        assert presence.presence_statuses([7]) == {7: "online"}
        assert presence.presence_expired(now=10_000) == [7]
        assert line.claim(general.conversation_id) == general

    assert {key.split(":", 1)[0] for key in all_keys(redis_url)} == {"acme", "globex"}


@pytest.mark.django_db(transaction=True)
def test_two_deployments_report_their_own_queues_and_agents(redis_url, default_policy):
    """The same database on purpose: only Redis separates what each deployment reports."""
    general, _ = Queue.objects.update_or_create(slug="general", defaults={"routing": "manual"})
    agent = AgentFactory(queues=[general])
    with deployment("acme"):
        agent_available(agent)
        waiting = escalated_conversation()
        assert waiting.queue == general
        assert _status("general") == {"depth": 1, "online": 1}
    with deployment("globex"):
        assert _status("general") == {"depth": 0, "online": 0}
        assert waiting_line().position(str(waiting.public_id)) is None

    later = timezone.now() + timedelta(seconds=general.max_wait_seconds + 1)
    for prefix in ("acme", "globex"):  # each deployment flags the long wait once for itself
        with deployment(prefix):
            assert services.queue_sla_watch(now=later)["over_max_wait"] == 1
            assert services.queue_sla_watch(now=later)["over_max_wait"] == 0

    cache_key = re.compile(r"^[^:]*:\d+:")  # Django's cache: "<KEY_PREFIX>:<version>:<key>"
    # Outside both deployments: the policy fixture's version bump, written before either ran.
    before = "chatsy:version:policy"
    stray = [k for k in all_keys(redis_url) if not k.startswith(("acme:", "globex:", before))]
    assert [k for k in stray if not cache_key.match(k)] == []


def _status(slug: str) -> dict[str, int]:
    row = next(r for r in selectors.queues_status() if r["slug"] == slug)
    return {"depth": row["depth"], "online": row["online"]}


@pytest.fixture
def redis_down(settings):
    """REDIS_URL pointing at a loopback port nobody listens on."""
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.parametrize(
    "call",
    [
        lambda: waiting_line().enqueue(entry()),
        lambda: waiting_line().claim_next(["general"]),
        lambda: waiting_line().replace_all([entry()]),
        lambda: presence.presence_set(1, "online"),
        lambda: presence.presence_touch(1),
        lambda: redis_counter_next("rr", "general"),
        lambda: redis_mark_once("max-wait", "x", ttl_seconds=60),
    ],
    ids=["enqueue", "claim_next", "replace_all", "presence_set", "touch", "counter", "mark"],
)
def test_a_redis_failure_surfaces_as_the_project_exception(redis_down, call):
    with pytest.raises(RedisUnavailable) as raised:
        call()
    assert isinstance(raised.value.__cause__, redis.ConnectionError)


@pytest.mark.django_db
def test_queue_status_explains_an_unreachable_redis(redis_down):
    Queue.objects.update_or_create(slug="general", defaults={"name": "General"})
    with pytest.raises(CommandError, match="is unreachable"):
        call_command("queue_status")
