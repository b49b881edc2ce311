"""Live traffic for the fault tests: visitors who talk like real ones, and the recovery waits.

Each visitor sends 10–15 questions from the demo store's help centre; after some it waits for
the ack and for the bot's reply (or a handoff), after the others it writes again at once. A
few ask for a person half-way, so handed-over conversations are part of every run.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from conversations import services
from conversations.models import Site
from tests.faults import audit
from tests.faults.stack import Process, Stack
from tests.support.widget_client import WidgetClient

QUESTIONS = [
    "How long does delivery take?",
    "How much does shipping cost?",
    "Do you ship to Canada?",
    "How do I track my order?",
    "Can I change the delivery address of my order?",
    "How do I cancel my order?",
    "What is your return policy?",
    "How do I return an item?",
    "When will I get my refund?",
    "Can I exchange a shirt for another size?",
    "My item arrived damaged, what should I do?",
    "Where can I download my invoice?",
    "Which payment methods do you accept?",
    "Why was my card declined?",
    "How do I reset my password?",
    "How do I create an account?",
    "How do I change my email address?",
    "How do I unsubscribe from the newsletter?",
    "What are your opening hours?",
    "How do I use a discount code?",
    "Can I pay with a gift card?",
    "I didn't get an order confirmation email",
    "How do I add items to an existing order?",
    "What delivery options do you have?",
    "Is there free shipping?",
    "How do I update my billing address?",
    "How do I leave a review?",
    "How do I close my account?",
    "Can I add my company details to an invoice?",
    "How do I place an order?",
]
HUMAN_REQUEST = "Can I talk to a person please?"
# Generous bounds on positive signals (never sleeps): a visitor's wait for one answer, the
# whole run's recovery after the fault, and the clients catching up with the database.
ANSWER_WAIT_SECONDS = 15
RECOVERY_SECONDS = 60
# Longer than the widget's ping (25 s) plus its gap wait: a lost broadcast with nothing after
# it is announced by a `seq` frame after the next pong (docs/widget-protocol.md, "Reconnecting").
CONVERGE_SECONDS = 40
# How long to wait for a moment when bot turns are running on a server about to be killed.
IN_FLIGHT_WAIT_SECONDS = 10


@dataclass
class Visitor:
    client: WidgetClient
    customer_id: int
    messages: list[str]
    waits: list[bool]  # after message i, wait for the ack and the answer?
    answer_timeouts: int = 0


@dataclass
class Run:
    """A run of live traffic against a stack, with the times a test marks on it."""

    stack: Stack
    visitors: list[Visitor]
    seed: int
    marks: dict[str, float] = field(default_factory=dict)
    sent: int = 0
    _progress: asyncio.Condition | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def clients(self) -> list[WidgetClient]:
        return [v.client for v in self.visitors]

    @property
    def customer_ids(self) -> list[int]:
        return [v.customer_id for v in self.visitors]

    @property
    def planned(self) -> int:
        return sum(len(v.messages) for v in self.visitors)

    def mark(self, name: str) -> float:
        self.marks[name] = time.monotonic()
        return self.marks[name]

    async def start(self) -> None:
        self._progress = asyncio.Condition()
        for visitor in self.visitors:
            visitor.client.start()
        self.mark("start")
        rng = random.Random(self.seed)
        self._tasks = [
            asyncio.create_task(self._talk(v, random.Random(rng.random()))) for v in self.visitors
        ]

    async def _talk(self, visitor: Visitor, rng: random.Random) -> None:
        client = visitor.client
        await client.wait_until(lambda: client.ready, timeout=30)
        for body, wait in zip(visitor.messages, visitor.waits, strict=True):
            sent = client.send_message(body)
            await self._count_sent()
            if wait:
                answered = await client.wait_acked(sent, ANSWER_WAIT_SECONDS)
                answered = answered and await client.wait_answered(sent, ANSWER_WAIT_SECONDS)
                visitor.answer_timeouts += not answered
            await asyncio.sleep(rng.uniform(0.05, 0.4))  # typing the next message

    async def _count_sent(self) -> None:
        assert self._progress is not None
        async with self._progress:
            self.sent += 1
            self._progress.notify_all()

    async def when_sent(self, fraction: float) -> None:
        """Until this share of all planned visitor messages has been sent."""
        assert self._progress is not None
        target = int(self.planned * fraction)
        async with self._progress:
            await self._progress.wait_for(lambda: self.sent >= target)

    @property
    def traffic_finished(self) -> bool:
        return bool(self._tasks) and all(t.done() for t in self._tasks)

    async def traffic_done(self, timeout: float = 180) -> None:
        await asyncio.wait_for(asyncio.gather(*self._tasks), timeout)
        self.mark("traffic_done")

    async def recover(self) -> None:
        """Wait (bounded) until every visitor message is acknowledged, answered or handed
        over in the database, and every client shows what the database holds."""
        deadline = time.monotonic() + RECOVERY_SECONDS
        while time.monotonic() < deadline:
            unacked = sum(len(c.unacked()) for c in self.clients)
            waiting = await asyncio.to_thread(audit.waiting_for_answer, self.customer_ids)
            if unacked == 0 and waiting == 0:
                self.mark("answered")
                break
            await asyncio.sleep(0.25)
        deadline = time.monotonic() + CONVERGE_SECONDS
        while time.monotonic() < deadline:
            rows = await asyncio.to_thread(audit.conversation_rows, self.customer_ids)
            if all(_converged(v.client, rows[v.customer_id]) for v in self.visitors):
                self.mark("converged")
                break
            await asyncio.sleep(0.25)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(c.stop() for c in self.clients), return_exceptions=True)

    # ---------------------------------------------------------------- reporting --

    def since(self, start: str, end: str) -> float | None:
        if start in self.marks and end in self.marks:
            return round(self.marks[end] - self.marks[start], 2)
        return None

    def client_figures(self) -> dict[str, Any]:
        delays = [
            s.ack_delay for c in self.clients for s in c.outbox.values() if s.ack_delay is not None
        ]
        codes = Counter(str(code) for c in self.clients for code in c.close_codes)
        return {
            "connections": sum(c.connections for c in self.clients),
            "close_codes": dict(codes),
            "resync_hints": sum(c.resync_hints for c in self.clients),
            "resent": sum(max(0, s.attempts - 1) for c in self.clients for s in c.outbox.values()),
            "duplicate_acks": sum(
                s.duplicate_acks for c in self.clients for s in c.outbox.values()
            ),
            "answer_timeouts": sum(v.answer_timeouts for v in self.visitors),
            "ack_delay": summary(delays),
            "errors": dict(
                Counter(
                    d.get("code", "?")
                    for c in self.clients
                    for _, kind, d in c.log
                    if kind == "error"
                )
            ),
        }

    def server_figures(self) -> dict[str, Any]:
        patterns = {
            "tracebacks": r"Traceback \(most recent call last\)",
            "task_exception_never_retrieved": r"Task exception was never retrieved",
            "group_send_failed": r"group_send to \S+ failed",
            "redis_connection_errors": r"redis\.exceptions\.\w*(ConnectionError|TimeoutError)",
            # Daphne cancels a consumer still busy 10 s after its client left: a handler
            # waiting on the database thread then never sends its ack or starts the bot's turn.
            "consumers_killed_by_daphne": r"took too long to shut down and was killed",
        }
        return {
            p.name: {k: p.count(v) for k, v in patterns.items()}
            for p in self.stack.processes()
            if p.name != "redis"
        }

    def report(self, result: audit.Audit, **extra: Any) -> dict[str, Any]:
        report = {
            "seed": self.seed,
            "audit": result.counts(),
            "clients": self.client_figures(),
            "servers": self.server_figures(),
            "timings": {
                "traffic_seconds": self.since("start", "traffic_done"),
                "answered_after_traffic": self.since("traffic_done", "answered"),
                "converged_after_traffic": self.since("traffic_done", "converged"),
            },
            **extra,
            "failures": {k: v[:10] for k, v in result.failures().items()},
        }
        self._dump_clients()
        path = self.stack.run_dir / "report.json"
        path.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nfault report ({path}):\n{json.dumps(report, indent=2, default=str)}")
        return report

    def _dump_clients(self) -> None:
        """Every client's log and transcript beside the database's rows, for debugging."""
        start = self.marks.get("start", 0.0)
        rows = audit.conversation_rows(self.customer_ids)
        dump = {}
        for visitor in self.visitors:
            client = visitor.client
            dump[client.name] = {
                "marks": {k: round(v - start, 3) for k, v in self.marks.items()},
                "log": [(round(t - start, 3), kind, detail) for t, kind, detail in client.log],
                "outbox": [
                    {
                        "seq": s.seq,
                        "body": s.body,
                        "client_id": s.client_id,
                        "attempts": s.attempts,
                        "sent": round(s.first_sent - start, 3),
                        "acked": round(s.acked_at - start, 3) if s.acked_at else None,
                        "duplicate_acks": s.duplicate_acks,
                    }
                    for s in client.outbox.values()
                ],
                "shown": {
                    seq: [m.sender, m.body[:60]] for seq, m in sorted(client.transcript.items())
                },
                "database": [
                    [
                        m.seq,
                        m.sender,
                        m.body[:60],
                        m.created.isoformat(),
                        m.metadata.get("reply_to"),
                        m.metadata.get("event"),
                    ]
                    for r in rows[visitor.customer_id]
                    for m in r.messages
                ],
            }
        path = self.stack.run_dir / "clients.json"
        path.write_text(json.dumps(dump, indent=1, default=str))


def _converged(client: WidgetClient, rows: list[audit.ConversationRows]) -> bool:
    return len(rows) == 1 and client.transcript == rows[0].shown()


def summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3),
        "max": round(ordered[-1], 3),
    }


def visitors_for(
    stack: Stack, *, count: int, seed: int, servers: list[list[str]] | None = None
) -> list[Visitor]:
    """`count` new visitors of the demo store; visitor i connects to servers[i] (in order)."""
    rng = random.Random(seed)
    site = Site.objects.get(key="demo-store")
    visitors = []
    for index in range(count):
        customer, token = services.visitor_create(site=site)
        messages = rng.sample(QUESTIONS, rng.randint(10, 15))
        if index % 5 == 4:  # every fifth visitor asks for a person half-way
            messages.insert(len(messages) // 2, HUMAN_REQUEST)
            messages.pop()
        waits = [rng.random() < 0.5 for _ in messages]
        client = WidgetClient(
            name=f"visitor-{index}",
            token=token,
            site_key=site.key,
            servers=(servers[index] if servers else stack.server_urls),
        )
        visitors.append(Visitor(client, customer.pk, messages, waits))
    return visitors


def assert_clean(
    result: audit.Audit, report: dict[str, Any], *, known: frozenset[str] = frozenset()
) -> None:
    """No damage of any kind, except `known`: open defects, reported in the run's report but
    not asserted (each caller names the defect it waives; docs/performance.md lists them)."""
    failures = {k: v for k, v in result.failures().items() if k not in known}
    assert not failures, "the fault left damage:\n" + json.dumps(
        {
            "counts": {k: len(v) for k, v in failures.items()},
            "examples": report["failures"],
            "clients": report["clients"],
            "timings": report["timings"],
        },
        indent=2,
        default=str,
    )


async def turns_running_on(run: Run, url: str) -> None:
    """Until some visitor connected to `url` has an acked message with no answer yet (the
    kill then lands on bot turns in flight), or a bounded wait has passed."""
    ws_url = url.replace("http://", "ws://")
    deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
    while time.monotonic() < deadline:
        waiting = [
            c
            for c in run.clients
            if (c.current_server or "").startswith(ws_url) and c.awaiting_answer()
        ]
        if len(waiting) >= 2:
            return
        await asyncio.sleep(0.005)


@dataclass(frozen=True)
class Kill:
    moment: datetime  # the server was frozen then, and killed before running again
    visitors: list[int]  # the customers whose socket was on it
    turns_in_flight: int  # their messages stored and not answered or handed over at `moment`


async def kill_mid_turn(run: Run, server: Process, url: str) -> Kill:
    """kill -9 `server` while the database shows bot turns of its visitors in flight.

    The clients' view lags the database (an answer stored may not have reached them yet), so
    it only says when to look: the server is frozen (SIGSTOP), the database read, and the
    server killed if one of its visitors' messages is unanswered, else thawed to try again a
    moment later (bounded: then it is killed anyway, and the test's assertion says so)."""
    ws_url = url.replace("http://", "ws://")
    deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
    while True:
        await turns_running_on(run, url)
        visitors = [
            v.customer_id
            for v in run.visitors
            if (v.client.current_server or "").startswith(ws_url)
        ]
        server.signal_group(signal.SIGSTOP)
        moment = timezone.now()
        in_flight = await asyncio.to_thread(audit.unanswered_at, visitors, moment)
        if in_flight or time.monotonic() >= deadline:
            server.kill9()
            return Kill(moment=moment, visitors=visitors, turns_in_flight=in_flight)
        server.signal_group(signal.SIGCONT)
        await asyncio.sleep(0.02)
