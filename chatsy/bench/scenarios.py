"""The measurements: baselines B0–B2 and Chatsy's scenarios S1, S2, R, S3.

Each returns a dict of figures (latencies in ms) plus the CPU the server process and this
client process used over it (percent of one core), so a saturated client is visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psutil

from chatsy.bench.client import (
    Agent,
    Visitor,
    echo_open,
    echo_round_trip,
    ms,
    visitor_tokens,
    visitors_close,
    visitors_open,
)
from chatsy.bench.stack import BenchError


@dataclass(frozen=True)
class Plan:
    """How much each scenario does: `full` for `make bench`, `quick` for a smoke run."""

    visitors: int = 50
    echo_sequential: int = 1000
    loop_seconds: float = 5.0
    s1_messages: int = 200
    s2_seconds: float = 15.0
    relay_chats: tuple[int, ...] = (1, 20)
    relay_messages: int = 100  # each way at least; 20 chats take 10 rounds (200)
    idle_sockets: int = 2000
    active_visitors: int = 20
    s3_seconds: float = 10.0
    count_messages: int = 20

    @classmethod
    def quick(cls, visitors: int) -> Plan:
        return cls(
            visitors=visitors,
            echo_sequential=50,
            loop_seconds=1.0,
            s1_messages=10,
            s2_seconds=1.5,
            relay_chats=(1, 3),
            relay_messages=4,
            idle_sockets=30,
            active_visitors=3,
            s3_seconds=1.5,
            count_messages=3,
        )


def percentiles(samples_seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99 in ms (nearest rank) and the sample count."""
    if not samples_seconds:
        raise BenchError("no samples")
    ordered = sorted(samples_seconds)

    def rank(share: float) -> float:
        return ms(ordered[min(len(ordered) - 1, int(share * len(ordered)))])

    return {"n": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99)}


class CpuWatch:
    """CPU seconds of the server, this client, the services (Redis, PostgreSQL with its
    backends) and the rest of the machine over a block, as % of one core."""

    def __init__(self, server_pid: int, service_pids: Sequence[int] = ()) -> None:
        self.server = psutil.Process(server_pid)
        self.client = psutil.Process()
        self.services = [psutil.Process(pid) for pid in service_pids]

    def __enter__(self) -> CpuWatch:
        self.started = time.monotonic()
        self.server_start = _cpu(self.server)
        self.client_start = _cpu(self.client)
        self.services_start = self._services()
        self.machine_start = _machine_busy()
        return self

    def _services(self) -> float:
        """Reaped children count too: PostgreSQL forks a backend per connection."""
        total = 0.0
        for process in self.services:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
                for child in process.children():
                    with contextlib.suppress(psutil.Error):
                        total += _cpu(child)
        return total

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self.started
        server = _cpu(self.server) - self.server_start
        client = _cpu(self.client) - self.client_start
        services = self._services() - self.services_start
        machine = _machine_busy() - self.machine_start
        self.figures = {
            "seconds": round(self.seconds, 2),
            "server_cpu_percent": 100 * server / self.seconds,
            "client_cpu_percent": 100 * client / self.seconds,
            "services_cpu_percent": 100 * services / self.seconds,
            # everything else on the machine (other jobs): a busy machine starves the server
            # however fast the pipeline is
            "other_cpu_percent": max(
                0.0, 100 * (machine - server - client - services) / self.seconds
            ),
        }


def _machine_busy() -> float:
    """CPU seconds all processes used so far, across every core."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


class Progress:
    """One line per step on stderr; a live count while a loop runs (on a terminal)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.live = sys.stderr.isatty()

    def step(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:5.0f}s] {text}", file=sys.stderr, flush=True)

    def tick(self, text: str) -> None:
        if self.live:
            elapsed = time.monotonic() - self.started
            print(f"\r[{elapsed:5.0f}s]   {text}   ", end="", file=sys.stderr, flush=True)

    def done_ticking(self) -> None:
        if self.live:
            print(file=sys.stderr, flush=True)


async def closed_loop(
    workers: Sequence[Callable[[], Awaitable[Any]]], seconds: float, progress: Progress, label: str
) -> tuple[list[Any], float]:
    """Each worker repeats its operation until `seconds` pass; returns results and wall time."""
    results: list[Any] = []
    stop_at = time.monotonic() + seconds

    async def run(operation: Callable[[], Awaitable[Any]]) -> None:
        while time.monotonic() < stop_at:
            results.append(await operation())

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.5)
            progress.tick(f"{label}: {len(results):,} done")

    started = time.perf_counter()
    tick = asyncio.create_task(ticker())
    try:
        await asyncio.gather(*(run(w) for w in workers))
    finally:
        tick.cancel()
        progress.done_ticking()
    return results, time.perf_counter() - started


# --- baselines -------------------------------------------------------------------------------


async def baseline(
    url: str,
    server_pid: int,
    service_pids: Sequence[int],
    plan: Plan,
    progress: Progress,
    label: str,
) -> dict[str, Any]:
    """One socket sequentially (latency), then `visitors` sockets in closed loop."""
    [single] = await echo_open(url, 1)
    for _ in range(50):
        await echo_round_trip(single)
    with CpuWatch(server_pid, service_pids) as cpu_seq:
        sequential = [await echo_round_trip(single) for _ in range(plan.echo_sequential)]
    await single.close()
    sockets = await echo_open(url, plan.visitors)
    await asyncio.gather(*(echo_round_trip(s) for s in sockets))
    with CpuWatch(server_pid, service_pids) as cpu_loop:
        workers = [functools.partial(echo_round_trip, socket) for socket in sockets]
        samples, elapsed = await closed_loop(workers, plan.loop_seconds, progress, label)
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    return {
        "sequential": {**percentiles(sequential), **cpu_seq.figures},
        "loop": {
            "sockets": plan.visitors,
            "per_second": len(samples) / elapsed,
            **percentiles(samples),
            **cpu_loop.figures,
        },
    }


# --- Chatsy ----------------------------------------------------------------------------------


@dataclass
class Target:
    base: str  # http://127.0.0.1:PORT, also the Origin the widget sends
    ws_base: str
    server_pid: int
    redis_url: str
    service_pids: Sequence[int]  # Redis, PostgreSQL's postmaster
    idle_tokens: list[str] = field(default_factory=list)  # S3's visitors, made by the seed


async def s1_sequential(target: Target, plan: Plan, progress: Progress) -> dict[str, Any]:
    import redis

    [token] = await visitor_tokens(target.base, 1)
    [visitor] = await visitors_open(target.ws_base, target.base, [token])
    for _ in range(3):
        await visitor.ask()
    client = redis.Redis.from_url(target.redis_url)
    before = _commandstats(client)
    acks, replies = [], []
    with CpuWatch(target.server_pid, target.service_pids) as cpu:
        for index in range(plan.s1_messages):
            ack, reply = await visitor.ask()
            acks.append(ack)
            replies.append(reply)
            if index % 20 == 0:
                progress.tick(f"S1: {index:,}/{plan.s1_messages:,}")
    await asyncio.sleep(0.3)  # the last turn's trailing writes
    after = _commandstats(client)
    progress.done_ticking()
    await visitor.close()
    client.close()
    by_command = {
        name: (after.get(name, 0) - before.get(name, 0)) / plan.s1_messages
        for name in sorted(after)
        if after.get(name, 0) != before.get(name, 0)
    }
    return {
        "messages": plan.s1_messages,
        "ack": percentiles(acks),
        "reply": percentiles(replies),
        "redis_commands_per_message": sum(by_command.values()),
        "redis_by_command_per_message": by_command,
        **cpu.figures,
    }


def _commandstats(client: Any) -> dict[str, int]:
    """Calls per Redis command; our own INFO calls are left out."""
    stats = client.info("commandstats")
    return {
        name.removeprefix("cmdstat_"): int(values["calls"])
        for name, values in stats.items()
        if name != "cmdstat_info"
    }


async def visitors_loop(
    target: Target, count: int, seconds: float, progress: Progress, label: str
) -> dict[str, Any]:
    """`count` visitors in closed loop: each asks, waits for the bot's reply, asks again."""
    tokens = await visitor_tokens(target.base, count)
    visitors = await visitors_open(target.ws_base, target.base, tokens)
    await asyncio.gather(*(v.ask() for v in visitors))  # warm: every conversation has a turn
    with CpuWatch(target.server_pid, target.service_pids) as cpu:
        results, elapsed = await closed_loop([v.ask for v in visitors], seconds, progress, label)
    await visitors_close(visitors)
    return {
        "visitors": count,
        "answered_per_second": len(results) / elapsed,
        "ack": percentiles([ack for ack, _ in results]),
        "reply": percentiles([reply for _, reply in results]),
        **cpu.figures,
    }


async def s2_closed_loop(target: Target, plan: Plan, progress: Progress) -> dict[str, Any]:
    return await visitors_loop(target, plan.visitors, plan.s2_seconds, progress, "S2")


async def s3_idle(target: Target, plan: Plan, progress: Progress) -> dict[str, Any]:
    """Idle widget sockets (authenticated, in their conversation's group) beside active ones."""
    server = psutil.Process(target.server_pid)
    tokens = target.idle_tokens[: plan.idle_sockets]
    rss_before = server.memory_info().rss
    opening = time.perf_counter()
    idle = await visitors_open(target.ws_base, target.base, tokens)
    opened_per_second = len(idle) / (time.perf_counter() - opening)
    await asyncio.sleep(1.0)
    rss_after = server.memory_info().rss
    try:
        active = await visitors_loop(
            target, plan.active_visitors, plan.s3_seconds, progress, "S3 active"
        )
    finally:
        await visitors_close(idle)
    return {
        "idle_sockets": plan.idle_sockets,
        "idle_opened_per_second": opened_per_second,
        "rss_before_mib": rss_before / 2**20,
        "rss_after_mib": rss_after / 2**20,
        "rss_per_idle_kib": (rss_after - rss_before) / plan.idle_sockets / 1024,
        **active,
    }


async def relay(
    target: Target, agent: Agent, chats: int, plan: Plan, progress: Progress
) -> dict[str, Any]:
    """Human-owned chats: visitor → agent's console socket, agent's reply (compose) → visitor."""
    tokens = await visitor_tokens(target.base, chats)
    visitors = await visitors_open(target.ws_base, target.base, tokens)
    for visitor in visitors:  # explicit request → queued; the agent takes it over
        await visitor.send_message("I want to talk to a human please")
    await asyncio.gather(
        *(
            v.wait_for(lambda f: f["type"] == "status" and f["conversation"]["status"] == "queued")
            for v in visitors
        )
    )
    for visitor in visitors:
        await asyncio.to_thread(agent.claim, visitor.conversation)
    await asyncio.gather(
        *(
            v.wait_for(
                lambda f: f["type"] == "status" and f["conversation"]["status"] == "assigned"
            )
            for v in visitors
        )
    )
    console = await agent.console(target.ws_base)
    waiting: dict[str, tuple[float, asyncio.Future[float]]] = {}

    async def read_console() -> None:
        async for html in console:
            now = time.perf_counter()
            for marker in [m for m in waiting if m in str(html)]:
                started, arrived = waiting.pop(marker)
                if not arrived.done():
                    arrived.set_result(now - started)

    reader = asyncio.create_task(read_console())
    to_agent: list[float] = []
    to_visitor: list[float] = []
    post: list[float] = []

    async def visitor_to_agent(visitor: Visitor) -> None:
        marker = f"v{uuid.uuid4().hex[:12]}"
        arrived = asyncio.get_running_loop().create_future()
        waiting[marker] = (time.perf_counter(), arrived)
        await visitor.send_message(f"Here is more detail {marker}")
        to_agent.append(await asyncio.wait_for(arrived, 30))

    async def agent_to_visitor(visitor: Visitor) -> None:
        marker = f"a{uuid.uuid4().hex[:12]}"
        started = time.perf_counter()
        posting = asyncio.create_task(
            asyncio.to_thread(agent.reply, visitor.conversation, f"Thanks, {marker}")
        )
        await visitor.wait_for(lambda f: f["type"] == "message" and marker in f["message"]["body"])
        to_visitor.append(time.perf_counter() - started)
        await posting
        post.append(time.perf_counter() - started)

    rounds = max(min(10, plan.relay_messages), plan.relay_messages // chats)
    try:
        with CpuWatch(target.server_pid, target.service_pids) as cpu:
            for index in range(rounds):
                await asyncio.gather(*(visitor_to_agent(v) for v in visitors))
                await asyncio.gather(*(agent_to_visitor(v) for v in visitors))
                progress.tick(f"R{chats}: round {index + 1}/{rounds}")
        progress.done_ticking()
    finally:
        reader.cancel()
        await console.close()
        await visitors_close(visitors)
    return {
        "chats": chats,
        "messages_each_way": rounds * chats,
        "visitor_to_agent": percentiles(to_agent),
        "agent_to_visitor": percentiles(to_visitor),
        "agent_post": percentiles(post),
        **cpu.figures,
    }
