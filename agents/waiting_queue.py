"""The waiting line: who waits in which queue, in what order, and the atomic claim.

The database is the truth (Conversation.status/queue/priority/enqueued_at); this is its fast
mirror, rebuilt from the database at start-up and by the reconciler. One contract, two
implementations: `RedisWaitingQueue` (production) and `MemoryWaitingQueue` (tests, and the
reference the contract suite checks Redis against).

Order: urgent before high before normal, then first come, first served. A chat that goes back
to the queue keeps its original enqueue time, so it returns to the front of its band.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, cast

import redis

from chatsy.redis import redis_boundary, redis_client, redis_key

logger = logging.getLogger(__name__)

PRIORITY_BANDS = {"urgent": 0, "high": 1, "normal": 2}
# Milliseconds since the epoch stay below 1e13 until the year 2286.
BAND_WIDTH = 10**13


@dataclass(frozen=True)
class WaitingEntry:
    conversation_id: str  # the conversation's public id
    queue: str  # queue slug
    priority: str  # urgent / high / normal
    enqueued_ms: int  # when it first joined the line (epoch milliseconds)

    @property
    def score(self) -> int:
        return (
            PRIORITY_BANDS.get(self.priority, PRIORITY_BANDS["normal"]) * BAND_WIDTH
            + self.enqueued_ms
        )


class WaitingQueue(Protocol):
    """The line's contract. An implementation on Redis raises chatsy.redis.RedisUnavailable
    for any failure, never redis-py's own errors."""

    def enqueue(self, entry: WaitingEntry) -> None: ...

    def remove(self, conversation_id: str) -> bool: ...

    def claim(self, conversation_id: str) -> WaitingEntry | None:
        """Take this conversation off the line; None if someone else already did."""

    def claim_next(self, queues: Sequence[str]) -> WaitingEntry | None:
        """Take the first waiting conversation across these queues, atomically."""

    def reprioritise(self, conversation_id: str, priority: str) -> bool:
        """Re-score a waiting conversation at `priority`, keeping its queue and enqueue time
        (it moves to its place in the new band). False, and nothing written, if not waiting."""

    def position(self, conversation_id: str) -> int | None:
        """1 for the front of its queue; None if not waiting."""

    def entries(self, queue: str, limit: int = 100) -> list[WaitingEntry]: ...

    def depth(self, queue: str) -> int: ...

    def all_entries(self) -> list[WaitingEntry]: ...

    def replace_all(self, entries: Iterable[WaitingEntry]) -> None:
        """Make the line exactly these entries (rebuild from the database)."""


class MemoryWaitingQueue:
    """In-process implementation: for tests and as the contract's reference."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, WaitingEntry] = {}

    def enqueue(self, entry: WaitingEntry) -> None:
        with self._lock:
            self._entries[entry.conversation_id] = entry

    def remove(self, conversation_id: str) -> bool:
        with self._lock:
            return self._entries.pop(conversation_id, None) is not None

    def claim(self, conversation_id: str) -> WaitingEntry | None:
        with self._lock:
            return self._entries.pop(conversation_id, None)

    def claim_next(self, queues: Sequence[str]) -> WaitingEntry | None:
        with self._lock:
            candidates = [e for e in self._entries.values() if e.queue in queues]
            if not candidates:
                return None
            first = min(candidates, key=_order)
            return self._entries.pop(first.conversation_id)

    def reprioritise(self, conversation_id: str, priority: str) -> bool:
        with self._lock:
            entry = self._entries.get(conversation_id)
            if entry is None:
                return False
            self._entries[conversation_id] = replace(entry, priority=priority)
            return True

    def position(self, conversation_id: str) -> int | None:
        entry = self._entries.get(conversation_id)
        if entry is None:
            return None
        return (
            sum(
                1
                for e in self._entries.values()
                if e.queue == entry.queue and _order(e) < _order(entry)
            )
            + 1
        )

    def entries(self, queue: str, limit: int = 100) -> list[WaitingEntry]:
        return sorted((e for e in self._entries.values() if e.queue == queue), key=_order)[:limit]

    def depth(self, queue: str) -> int:
        return sum(1 for e in self._entries.values() if e.queue == queue)

    def all_entries(self) -> list[WaitingEntry]:
        return sorted(self._entries.values(), key=_order)

    def replace_all(self, entries: Iterable[WaitingEntry]) -> None:
        with self._lock:
            self._entries = {e.conversation_id: e for e in entries}


def _order(entry: WaitingEntry) -> tuple[int, str]:
    return entry.score, entry.conversation_id


# Redis layout (keys from chatsy.redis.redis_key, under "<prefix>:wq:"): a sorted set per queue
# (member: conversation id, score: band then enqueue time), a hash per waiting conversation, and a
# set of queue slugs in use (so a rebuild never needs KEYS). A script that learns a queue or a
# conversation id only inside Redis appends it to a key start passed in ARGV, built by the same
# function: fine on one Redis (or Sentinel), not on Redis Cluster. No script names a prefix.
_ENQUEUE = """
local previous = redis.call('HGET', KEYS[1], 'queue')
if previous and previous ~= ARGV[2] then
  redis.call('ZREM', ARGV[6] .. previous, ARGV[1])
end
redis.call('HSET', KEYS[1], 'conversation_id', ARGV[1], 'queue', ARGV[2],
           'priority', ARGV[3], 'enqueued_ms', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
"""

_CLAIM = """
local queue = redis.call('HGET', KEYS[1], 'queue')
if queue and redis.call('ZREM', ARGV[2] .. queue, ARGV[1]) == 1 then
  local entry = redis.call('HGETALL', KEYS[1])
  redis.call('DEL', KEYS[1])
  return entry
end
return false
"""

# Only a conversation still waiting moves: one claimed meanwhile is not put back in line.
# The score is formatted as an integer (%d): Lua's default number format would round it.
_REPRIORITISE = """
local queue = redis.call('HGET', KEYS[1], 'queue')
if not queue or not redis.call('ZSCORE', ARGV[5] .. queue, ARGV[1]) then return 0 end
local enqueued_ms = tonumber(redis.call('HGET', KEYS[1], 'enqueued_ms'))
local score = string.format('%d', tonumber(ARGV[3]) * tonumber(ARGV[4]) + enqueued_ms)
redis.call('ZADD', ARGV[5] .. queue, score, ARGV[1])
redis.call('HSET', KEYS[1], 'priority', ARGV[2])
return 1
"""

_CLAIM_NEXT = """
local best_key, best_member, best_score = nil, nil, nil
for _, key in ipairs(KEYS) do
  local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if head[1] and (best_score == nil or tonumber(head[2]) < best_score) then
    best_key, best_member, best_score = key, head[1], tonumber(head[2])
  end
end
if best_key == nil then return false end
redis.call('ZREM', best_key, best_member)
local entry_key = ARGV[1] .. best_member
local entry = redis.call('HGETALL', entry_key)
redis.call('DEL', entry_key)
return entry
"""


def _queue_key(queue: str) -> str:
    return redis_key("wq", "queue", queue)


def _entry_key(conversation_id: str) -> str:
    return redis_key("wq", "entry", conversation_id)


def _queues_key() -> str:
    return redis_key("wq", "queues")


class RedisWaitingQueue:
    """The waiting line on Redis, in the configured prefix; every failure is RedisUnavailable."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._claim_next = client.register_script(_CLAIM_NEXT)
        self._reprioritise = client.register_script(_REPRIORITISE)

    @redis_boundary
    def enqueue(self, entry: WaitingEntry) -> None:
        """One round trip; moving queues removes the conversation from its previous one."""
        self._enqueue(
            keys=[_entry_key(entry.conversation_id), _queue_key(entry.queue), _queues_key()],
            args=[
                entry.conversation_id,
                entry.queue,
                entry.priority,
                entry.enqueued_ms,
                entry.score,
                _queue_key(""),  # where every queue's key starts
            ],
        )

    def remove(self, conversation_id: str) -> bool:
        return self.claim(conversation_id) is not None

    @redis_boundary
    def claim(self, conversation_id: str) -> WaitingEntry | None:
        """One Lua script: exactly one of any number of concurrent claimers gets the entry."""
        raw = self._claim(
            keys=[_entry_key(conversation_id)], args=[conversation_id, _queue_key("")]
        )
        return _from_flat(raw)

    @redis_boundary
    def claim_next(self, queues: Sequence[str]) -> WaitingEntry | None:
        if not queues:
            return None
        raw = self._claim_next(keys=[_queue_key(q) for q in queues], args=[_entry_key("")])
        return _from_flat(raw)

    @redis_boundary
    def reprioritise(self, conversation_id: str, priority: str) -> bool:
        """One script: the new band with the entry's own enqueue time, if it still waits."""
        band = PRIORITY_BANDS.get(priority, PRIORITY_BANDS["normal"])
        moved = self._reprioritise(
            keys=[_entry_key(conversation_id)],
            args=[conversation_id, priority, band, BAND_WIDTH, _queue_key("")],
        )
        return bool(moved)

    @redis_boundary
    def position(self, conversation_id: str) -> int | None:
        queue = cast(str | None, self.client.hget(_entry_key(conversation_id), "queue"))
        if queue is None:
            return None
        rank = cast(int | None, self.client.zrank(_queue_key(queue), conversation_id))
        return None if rank is None else rank + 1

    @redis_boundary
    def entries(self, queue: str, limit: int = 100) -> list[WaitingEntry]:
        return self._load(self._ids(queue, limit - 1))

    @redis_boundary
    def depth(self, queue: str) -> int:
        return self.client.zcard(_queue_key(queue))

    @redis_boundary
    def all_entries(self) -> list[WaitingEntry]:
        found: list[WaitingEntry] = []
        for queue in sorted(self._queues()):
            found += self._load(self._ids(queue))
        return sorted(found, key=_order)

    @redis_boundary
    def replace_all(self, entries: Iterable[WaitingEntry]) -> None:
        """One MULTI: readers see the old line or the new one, never half of each."""
        entries = list(entries)
        by_queue: dict[str, dict[str, int]] = {}
        for entry in entries:
            by_queue.setdefault(entry.queue, {})[entry.conversation_id] = entry.score
        old_queues = self._queues()
        old_ids = [m for q in old_queues for m in self._ids(q)]
        stale = [_queue_key(q) for q in old_queues] + [_entry_key(i) for i in old_ids]
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(_queues_key(), *stale)
        for entry in entries:
            fields: Mapping[Any, Any] = _as_hash(entry)  # redis-py's key type is invariant
            pipe.hset(_entry_key(entry.conversation_id), mapping=fields)
        for queue, scores in by_queue.items():  # one ZADD per queue, not per entry
            pipe.zadd(_queue_key(queue), scores)
        if by_queue:
            pipe.sadd(_queues_key(), *by_queue)
        pipe.execute()

    # The client decodes replies (decode_responses): redis-py types them as `bytes | str`.
    def _queues(self) -> set[str]:
        return cast(set[str], self.client.smembers(_queues_key()))

    def _ids(self, queue: str, last: int = -1) -> list[str]:
        return cast(list[str], self.client.zrange(_queue_key(queue), 0, last))

    def _load(self, ids: Sequence[str]) -> list[WaitingEntry]:
        pipe = self.client.pipeline(transaction=False)
        for conversation_id in ids:
            pipe.hgetall(_entry_key(conversation_id))
        return [entry for h in pipe.execute() if h and (entry := _readable(h)) is not None]


def _as_hash(entry: WaitingEntry) -> dict[str, str]:
    return {
        "conversation_id": entry.conversation_id,
        "queue": entry.queue,
        "priority": entry.priority,
        "enqueued_ms": str(entry.enqueued_ms),
    }


def _from_hash(data: dict[str, str]) -> WaitingEntry:
    return WaitingEntry(
        conversation_id=data["conversation_id"],
        queue=data["queue"],
        priority=data["priority"],
        enqueued_ms=int(data["enqueued_ms"]),
    )


def _readable(data: dict[str, str]) -> WaitingEntry | None:
    """A damaged entry (a field missing or garbled) is left out of what is read, not raised:
    queue_reconcile rewrites it from the database."""
    try:
        return _from_hash(data)
    except (KeyError, ValueError):
        logger.warning("damaged waiting-line entry %r skipped until reconcile", data)
        return None


def _from_flat(raw: list | None) -> WaitingEntry | None:
    """A Lua HGETALL reply (flat field/value list) as an entry."""
    if not raw:
        return None
    return _from_hash(dict(zip(raw[::2], raw[1::2], strict=True)))


_lines: dict[int, RedisWaitingQueue] = {}


def waiting_line() -> WaitingQueue:
    """The production waiting line, on the shared Redis client (scripts registered once)."""
    client = redis_client()
    line = _lines.get(id(client))
    if line is None:
        line = _lines[id(client)] = RedisWaitingQueue(client)
    return line
