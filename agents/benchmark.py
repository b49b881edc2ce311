"""Queue benchmark: enqueue and claim latency on a real Redis, and a 10,000-conversation rebuild.

    python -m agents.benchmark [--count 10000]

Starts its own redis-server and a throwaway SQLite database; prints the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    count = parser.parse_args().count

    from chatsy.redis_server import redis_start

    workdir = Path(tempfile.mkdtemp(prefix="chatsy-bench-"))
    server = redis_start(data_dir=workdir / "redis", persist=False)
    os.environ.update(REDIS_URL=server.url, DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
    try:
        import django

        django.setup()
        print(f"Redis {server.url}; {count:,} conversations")
        measure_line(count)
        measure_rebuild(count)
    finally:
        server.stop()


def measure_line(count: int) -> None:
    from agents.waiting_queue import WaitingEntry, waiting_line

    line = waiting_line()
    entries = [
        WaitingEntry(
            str(uuid.uuid4()), "general", ("normal", "high", "urgent")[i % 3], 1_700_000_000_000 + i
        )
        for i in range(count)
    ]
    for warm_up in entries[:100]:  # Connections and script loading are not what we measure.
        line.enqueue(warm_up)
        line.claim(warm_up.conversation_id)
    enqueue_us, claim_us, next_us = [], [], []
    for entry in entries:
        started = time.perf_counter_ns()
        line.enqueue(entry)
        enqueue_us.append((time.perf_counter_ns() - started) / 1000)
    for entry in entries[: count // 2]:
        started = time.perf_counter_ns()
        assert line.claim(entry.conversation_id) is not None
        claim_us.append((time.perf_counter_ns() - started) / 1000)
    for _ in range(count - count // 2):
        started = time.perf_counter_ns()
        assert line.claim_next(["general", "billing"]) is not None
        next_us.append((time.perf_counter_ns() - started) / 1000)
    for name, samples in (("enqueue", enqueue_us), ("claim", claim_us), ("claim_next", next_us)):
        print(
            f"{name:<11} p50 {statistics.median(samples):7.0f} µs"
            f"   p99 {percentile(samples, 0.99):7.0f} µs"
            f"   ({len(samples):,} ops)"
        )


def measure_rebuild(count: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from agents.models import Queue
    from agents.services import queue_rebuild
    from agents.waiting_queue import waiting_line
    from conversations.models import Conversation, Customer, Site

    call_command("migrate", verbosity=0)
    site = Site.objects.create(key="bench", name="Bench")
    queue = Queue.objects.get(slug="general")
    customers = Customer.objects.bulk_create(
        [Customer(site=site) for _ in range(count)], batch_size=2000
    )
    now = timezone.now()
    Conversation.objects.bulk_create(
        [
            Conversation(
                site=site,
                customer=c,
                status="queued",
                queue=queue,
                priority="normal",
                enqueued_at=now,
            )
            for c in customers
        ],
        batch_size=2000,
    )
    started = time.perf_counter()
    rebuilt = queue_rebuild()
    elapsed = time.perf_counter() - started
    assert rebuilt == count == waiting_line().depth("general")
    print(
        f"rebuild     {count:,} waiting conversations from the database in {elapsed * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
