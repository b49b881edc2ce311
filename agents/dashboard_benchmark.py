"""Dashboard benchmark: the supervisor dashboard's server time over 100,000 conversations.

    python -m agents.dashboard_benchmark [--count 100000] [--renders 9] [--keep DIR]
    .ci/postgres run python -m agents.dashboard_benchmark     # on PostgreSQL

Seeds a throwaway database (SQLite in a temp dir, or DATABASE_URL when set) with `count`
conversations over 90 days and a realistic escalation mix, then times the dashboard (the
default 30 days, and a filtered week) in-process through Django's test client: server time
only, median of `renders`, beside the same run's baseline, the existing supervisor page.
Target (issue 15): ≤ 300 ms. Starts its own redis-server (the supervisor page reads presence).

`--keep DIR` keeps the SQLite database in DIR and reuses it when a run already seeded it (on
PostgreSQL: reuses DATABASE_URL's data the same way), so code changes can be measured again
without minutes of seeding; pending migrations are applied. The seeded rows are dated from
the time of seeding: reuse them the same day.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from chatsy.localenv import plain_http_env_apply

BATCH = 5_000
DAYS = 90
CATEGORIES = (
    ("human_request", "", "general", 30),
    ("billing_dispute", "billing", "billing", 20),
    ("low_confidence", "", "general", 15),
    ("negative_sentiment", "", "general", 12),
    ("technical", "technical", "technical", 10),
    ("repeated_failure", "", "general", 6),
    ("security", "security", "security", 4),
    ("legal", "legal", "legal", 3),
)
TARGET_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--renders", type=int, default=9)
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the seeded SQLite database in this directory and reuse it when it is there",
    )
    args = parser.parse_args()

    from chatsy.redis_server import redis_start

    workdir = Path(tempfile.mkdtemp(prefix="chatsy-dash-bench-"))
    server = redis_start(data_dir=workdir / "redis", persist=False)
    os.environ["REDIS_URL"] = server.url
    database_dir = workdir
    if args.keep:
        database_dir = args.keep.resolve()
        database_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_dir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
    plain_http_env_apply(os.environ)  # as production runs: DEBUG off
    try:
        import django

        django.setup()
        from django.db import connection

        print(f"{connection.vendor}; {args.count:,} conversations over {DAYS} days")
        client = (args.keep and reused(args.count)) or seed(args.count)
        measure(client, args.renders)
    finally:
        server.stop()


def reused(count: int):
    """A logged-in client over an earlier run's seeded rows, or None when there are none."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    if "conversations_site" not in connection.introspection.table_names():
        return None
    from conversations.models import Conversation

    seeded = Conversation.objects.filter(site__key="dash-bench").count()
    if not seeded:
        return None
    if seeded != count:
        raise SystemExit(f"the kept database holds {seeded:,} conversations, not {count:,}")
    call_command("migrate", verbosity=0)
    _analyze()
    print(f"reusing the {seeded:,} seeded conversations")
    from django.contrib.auth import get_user_model

    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username="bench-supervisor"))
    return client


def seed(count: int):
    """The rows, bulk-inserted in batches (with a progress line); returns a logged-in client."""
    from django.core.management import call_command
    from django.db.models import F
    from django.test import Client
    from django.utils import timezone

    from agents.models import AgentProfile, Note, Queue, Ticket
    from conversations.models import Conversation, Customer, Message, Site
    from escalation.models import Escalation

    call_command("migrate", verbosity=0)
    for slug in ("billing", "technical", "security", "legal"):
        Queue.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    # Benchmark data carries its own timestamps: lift auto_now_add for this process only.
    for model in (Conversation, Escalation, Ticket, Note):
        model._meta.get_field("created").auto_now_add = False
    site = Site.objects.create(key="dash-bench", name="Bench")
    rng = random.Random(15)
    now = timezone.now()
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        size = min(BATCH, count - first)
        customers = Customer.objects.bulk_create([Customer(site=site) for _ in range(size)])
        created = [now - timedelta(seconds=rng.uniform(0, DAYS * 86_400)) for _ in range(size)]
        conversations = Conversation.objects.bulk_create(
            Conversation(site=site, customer=c, status="closed", created=at, last_seq=1)
            for c, at in zip(customers, created, strict=True)
        )
        messages, escalations, tickets, notes = [], [], [], []
        for conversation in conversations:
            at = conversation.created
            roll = rng.random()
            if roll < 0.08:
                continue  # opened the widget, never wrote
            offer = rng.random() < 0.12
            action = "offer" if offer else "respond"
            messages.append(
                Message(
                    conversation=conversation, seq=1, sender="customer", body="Where is my order?",
                    created=at, metadata={"decision": {"action": action}},
                    decision_action=action,
                )
            )  # fmt: skip
            if rng.random() < 0.28:
                escalations.append(_escalation(rng, conversation, at))
                if rng.random() < 0.05:
                    kind = rng.choice(["callback", "email", "scheduled_call", "message"])
                    tickets.append(_ticket(conversation, at, kind))
                if rng.random() < 0.04:
                    notes.append(
                        Note(
                            conversation=conversation,
                            kind="transfer",
                            body="To billing",
                            created=at,
                        )
                    )
            elif rng.random() < 0.02:
                tickets.append(_ticket(conversation, at, "after_hours"))
        Message.objects.bulk_create(messages)
        # As conversations.services stamps it with the first visitor message.
        Conversation.objects.filter(pk__in=[m.conversation_id for m in messages]).update(
            first_visitor_message_at=F("created")
        )
        Escalation.objects.bulk_create(escalations)
        Ticket.objects.bulk_create(tickets)
        Note.objects.bulk_create(notes)
        done = first + size
        rate = done / (time.perf_counter() - started)
        print(
            f"\rseeding {done:>9,} / {count:,} conversations  ({rate:,.0f}/s)", end="", flush=True
        )
    print()
    _analyze()  # fresh planner statistics, as a live database has
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench-supervisor", password="x", is_staff=True)
    AgentProfile.objects.create(user=user, is_supervisor=True)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _escalation(rng: random.Random, conversation, at):
    from escalation.models import Escalation

    category, rule, queue, _ = rng.choices(CATEGORIES, weights=[w for *_, w in CATEGORIES])[0]
    created = at + timedelta(seconds=rng.uniform(20, 600))
    finished = rng.random() < 0.97
    reply = created + timedelta(seconds=rng.lognormvariate(4.2, 0.9)) if finished else None
    reviewed = finished and rng.random() < 0.7
    appropriate = rng.random() < 0.9 if reviewed else None
    return Escalation(
        conversation=conversation,
        created=created,
        category=category,
        rule=rule,
        target_queue=queue,
        explanation="Bench.",
        first_agent_reply_at=reply,
        assigned_at=reply,
        resolved_at=reply + timedelta(minutes=8) if reply else None,
        outcome=("resolved" if rng.random() < 0.95 else "not_resolved") if finished else "",
        appropriate=appropriate,
        could_ai_have_handled=None if appropriate is None else not appropriate,
        handoff_quality=rng.randint(2, 5) if reviewed else None,
        handoff_comment="Summary was clear." if reviewed and rng.random() < 0.05 else "",
        csat_score=rng.choices([1, 2, 3, 4, 5], weights=[3, 4, 10, 35, 48])[0]
        if finished and rng.random() < 0.4
        else None,
    )


def _ticket(conversation, at, kind: str):
    from agents.models import Ticket

    return Ticket(conversation=conversation, request_id=uuid.uuid4(), kind=kind, created=at)


def _median_ms(client, url: str, renders: int) -> tuple[float, float, float]:
    """Median wall time, worst wall time, median CPU time of this process (on SQLite the
    database works in-process: the CPU figure is the work itself, without waiting for a core
    on a busy machine)."""
    client.get(url)  # warm: templates compiled, connections open
    wall, cpu = [], []
    for _ in range(renders):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(wall), max(wall), statistics.median(cpu)


def measure(client, renders: int) -> None:
    from django.utils import timezone

    today = timezone.now().date()
    week = f"start={today - timedelta(days=6)}&end={today}"
    cases = [
        ("supervisor page (baseline)", "/console/supervisor/"),
        ("dashboard, last 30 days", "/console/dashboard/"),
        (
            "dashboard, 7 days, billing",
            f"/console/dashboard/?{week}&queue=billing&category=billing_dispute",
        ),
        (
            "dashboard, 90 days",
            f"/console/dashboard/?start={today - timedelta(days=89)}&end={today}",
        ),
    ]
    for name, url in cases:
        median, worst, cpu = _median_ms(client, url, renders)
        verdict = (
            ""
            if "baseline" in name
            else ("  ✓ ≤ 300 ms" if median <= TARGET_MS else "  ✗ > 300 ms")
        )
        print(
            f"{name:<30} median {median:7.1f} ms   max {worst:7.1f} ms   cpu {cpu:7.1f} ms"
            f"   ({renders} renders){verdict}"
        )


if __name__ == "__main__":
    main()
