"""One contract, every implementation: the waiting line in memory and on a real redis-server."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from agents.waiting_queue import MemoryWaitingQueue, RedisWaitingQueue, WaitingEntry


@pytest.fixture(params=["memory", "redis"])
def line(request, redis_url):
    if request.param == "memory":
        return MemoryWaitingQueue()
    return RedisWaitingQueue(redis.Redis.from_url(redis_url, decode_responses=True))


def entry(queue="general", priority="normal", at=1_000, conversation_id=None) -> WaitingEntry:
    return WaitingEntry(conversation_id or str(uuid.uuid4()), queue, priority, at)


def test_urgent_before_high_before_normal_then_first_come_first_served(line):
    late_normal, early_normal = entry(at=3_000), entry(at=1_000)
    high, urgent = entry(priority="high", at=5_000), entry(priority="urgent", at=9_000)
    for item in (late_normal, early_normal, high, urgent):
        line.enqueue(item)
    assert [e.conversation_id for e in line.entries("general")] == [
        urgent.conversation_id,
        high.conversation_id,
        early_normal.conversation_id,
        late_normal.conversation_id,
    ]
    assert [
        line.position(e.conversation_id) for e in (urgent, high, early_normal, late_normal)
    ] == [1, 2, 3, 4]
    assert line.depth("general") == 4


def test_reprioritise_moves_a_waiting_chat_into_its_new_band_keeping_its_wait(line):
    """A visitor who wrote "Useless!" while waiting: high now, ahead of every normal chat but
    behind the high ones who waited longer; its enqueue time (real epoch milliseconds) kept."""
    now_ms = 1_796_000_000_000  # December 2026: the score must not lose a millisecond
    first, second, angry = entry(at=now_ms), entry(at=now_ms + 1), entry(at=now_ms + 2)
    earlier_high = entry(priority="high", at=now_ms + 3)
    for item in (first, second, angry, earlier_high):
        line.enqueue(item)
    later_high = entry(priority="high", at=now_ms + 5)
    line.enqueue(later_high)

    assert line.reprioritise(angry.conversation_id, "high") is True

    assert [e.conversation_id for e in line.entries("general")] == [
        angry.conversation_id,  # high, and it joined (now_ms + 2) before the high ones
        earlier_high.conversation_id,
        later_high.conversation_id,
        first.conversation_id,
        second.conversation_id,
    ]
    moved = next(e for e in line.all_entries() if e.conversation_id == angry.conversation_id)
    assert (moved.priority, moved.enqueued_ms, moved.queue) == ("high", now_ms + 2, "general")
    assert line.position(angry.conversation_id) == 1


def test_reprioritise_never_puts_a_claimed_chat_back_in_line(line):
    taken = entry()
    line.enqueue(taken)
    assert line.claim(taken.conversation_id) == taken
    assert line.reprioritise(taken.conversation_id, "urgent") is False
    assert line.reprioritise(str(uuid.uuid4()), "urgent") is False
    assert line.depth("general") == 0 and line.all_entries() == []


def test_claim_takes_a_conversation_once(line):
    waiting = entry()
    line.enqueue(waiting)
    assert line.claim(waiting.conversation_id) == waiting
    assert line.claim(waiting.conversation_id) is None
    assert line.position(waiting.conversation_id) is None
    assert line.depth("general") == 0


def test_claim_next_takes_the_first_across_the_agents_queues(line):
    billing_old, general_new = entry("billing", at=1_000), entry("general", at=2_000)
    security_urgent = entry("security", priority="urgent", at=3_000)
    for item in (general_new, billing_old, security_urgent):
        line.enqueue(item)
    assert line.claim_next(["general", "billing"]) == billing_old
    assert line.claim_next(["general", "billing"]) == general_new
    assert line.claim_next(["general", "billing"]) is None
    assert line.claim_next(["security"]) == security_urgent
    assert line.claim_next([]) is None


def test_queues_are_separate_and_moving_a_conversation_moves_it(line):
    waiting = entry("general")
    line.enqueue(waiting)
    moved = WaitingEntry(waiting.conversation_id, "billing", "high", waiting.enqueued_ms)
    line.enqueue(moved)
    assert line.depth("general") == 0 and line.depth("billing") == 1
    assert line.entries("billing") == [moved]


def test_a_returned_chat_keeps_its_place_ahead_of_later_arrivals(line):
    first, second = entry(at=1_000), entry(at=2_000)
    line.enqueue(first)
    line.enqueue(second)
    line.claim(first.conversation_id)
    later = entry(at=3_000)
    line.enqueue(later)
    line.enqueue(first)  # The agent went offline: back in line with its original time.
    assert line.position(first.conversation_id) == 1


def test_replace_all_rebuilds_exactly_the_given_entries(line):
    stale = entry("general")
    line.enqueue(stale)
    fresh = [entry("billing", at=2), entry("billing", at=1), entry("vip", priority="urgent")]
    line.replace_all(fresh)
    assert line.position(stale.conversation_id) is None
    assert [e.enqueued_ms for e in line.entries("billing")] == [1, 2]
    assert sorted(e.conversation_id for e in line.all_entries()) == sorted(
        e.conversation_id for e in fresh
    )


def test_remove_reports_whether_it_was_waiting(line):
    waiting = entry()
    line.enqueue(waiting)
    assert line.remove(waiting.conversation_id) is True
    assert line.remove(waiting.conversation_id) is False


def test_concurrent_claimers_have_exactly_one_winner_every_time(line):
    """10 threads race for the same conversation, 1,000 times."""
    claimers, trials = 10, 1_000
    for _ in range(trials):
        waiting = entry()
        line.enqueue(waiting)
        barrier, wins = threading.Barrier(claimers), []

        def claim(conversation_id=waiting.conversation_id, barrier=barrier, wins=wins):
            barrier.wait()
            if line.claim(conversation_id) is not None:
                wins.append(1)

        threads = [threading.Thread(target=claim) for _ in range(claimers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(wins) == 1
    assert line.all_entries() == []
