"""`make bench`: Chatsy's message pipeline beside same-run baselines, in one run.

    python -m chatsy.bench [--database sqlite|postgres] [--visitors 50] [--quick] [--json PATH]

Starts on 127.0.0.1 only: a private redis-server, a throwaway database (SQLite in a temp dir,
or a private PostgreSQL), Daphne serving Chatsy exactly as `make run` does (offline
knowledge-base bot: no OPENAI_API_KEY), Daphne serving the echo baselines, and a raw
`websockets` echo server. Progress goes to stderr, the table to stdout, every figure to
bench-results.json. Everything it started is stopped at the end, on Ctrl-C and on errors.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from chatsy.bench import report, scenarios
from chatsy.bench.stack import (
    LOAD_ENV,
    ROOT,
    BenchError,
    Processes,
    bench_main,
    daphne_start,
    postgres_private,
    python_start,
    raise_open_files_limit,
    redis_private,
    server_ready,
    wait_for_port,
)
from chatsy.redis_server import free_port


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chatsy.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--visitors", type=int, help="S2's visitors in closed loop (default 50; 10 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench-results.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return bench_main("bench", parse_args(argv), run, report.table)


def run(args: argparse.Namespace, workdir: Path, processes: Processes) -> dict[str, Any]:
    if args.quick:
        plan = scenarios.Plan.quick(args.visitors or 10)
    else:
        plan = scenarios.Plan(args.visitors or 50)
    progress = scenarios.Progress()
    open_files = raise_open_files_limit()
    progress.step(f"Work dir {workdir}; open-files limit {open_files:,}")
    progress.step("Starting a private redis-server")
    redis = redis_private(workdir, processes)
    service_pids = [redis.process.pid] if redis.process else []
    if args.database == "postgres":
        progress.step("Starting a private PostgreSQL (initdb in a temp dir)")
        database_url, postmaster_pid = postgres_private(workdir, processes)
        service_pids.append(postmaster_pid)
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update(
        LOAD_ENV,
        REDIS_URL=redis.url,
        DATABASE_URL=database_url,
        CHATSY_VAR_DIR=str(workdir / "var"),
        DJANGO_SETTINGS_MODULE="chatsy.settings",
    )
    progress.step("Starting the echo baselines (Daphne, B0); migrating, loading the demo store")
    echo = daphne_start(
        "daphne-echo", "chatsy.bench.echo_asgi:application", env, workdir, processes
    )
    b0_port = free_port()
    b0 = python_start(
        "echo-b0", "chatsy.bench.echo_server", [str(b0_port)], env, workdir, processes
    )
    chatsy_port = free_port()
    idle_tokens = workdir / "idle-visitor-tokens.txt"
    seed(f"http://127.0.0.1:{chatsy_port}", env, plan.idle_sockets, idle_tokens)
    progress.step("Starting Daphne serving Chatsy (as `make run` does)")
    chatsy = daphne_start(
        "daphne-chatsy", "chatsy.asgi:application", env, workdir, processes, port=chatsy_port
    )
    for server in (echo, chatsy):
        server_ready(server, workdir)
    wait_for_port(b0_port, b0, workdir / "echo-b0.log")
    target = scenarios.Target(
        chatsy.base, chatsy.ws_base, chatsy.process.pid, redis.url, service_pids
    )
    started = time.monotonic()
    results: dict[str, Any] = {"meta": meta(args, plan), "scenarios": {}}
    measured = results["scenarios"]
    target.idle_tokens = idle_tokens.read_text().split()
    asyncio.run(measure_all(measured, plan, progress, target, echo, b0.pid, b0_port))
    progress.step(f"Counts per message in-process ({plan.count_messages} messages)")
    measured["counts"] = counts_in_process(env, plan.count_messages)
    measured["counts"]["redis_commands_per_message"] = measured["S1"]["redis_commands_per_message"]
    results["meta"]["seconds"] = round(time.monotonic() - started, 1)
    results["meta"]["machine"]["load_average_at_end"] = os.getloadavg()
    return results


def seed(origin: str, env: dict[str, str], visitors: int, tokens: Path) -> None:
    """Migrations and the demo store (chatsy.bench.seed), the server's own origin allowed."""
    result = subprocess.run(
        [sys.executable, "-m", "chatsy.bench.seed", "--origin", origin]
        + ["--visitors", str(visitors), "--tokens", str(tokens)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BenchError(f"seeding the database failed:\n{result.stderr}")


async def measure_all(
    measured: dict[str, Any],
    plan: scenarios.Plan,
    progress: scenarios.Progress,
    target: scenarios.Target,
    echo: Any,
    b0_pid: int,
    b0_port: int,
) -> None:
    baselines = {
        "B0": (f"ws://127.0.0.1:{b0_port}/", b0_pid, "raw websockets echo"),
        "B1": (f"{echo.ws_base}/b1/", echo.process.pid, "Channels echo on Daphne"),
        "B2": (f"{echo.ws_base}/b2/", echo.process.pid, "group_send echo (RedisPubSub)"),
    }
    for name, (url, pid, what) in baselines.items():
        progress.step(
            f"{name} {what}: 1 socket × {plan.echo_sequential}, then "
            f"{plan.visitors} sockets for {plan.loop_seconds:g} s"
        )
        measured[name] = await scenarios.baseline(
            url, pid, target.service_pids, plan, progress, name
        )
    progress.step(f"S1 one visitor, {plan.s1_messages} messages one after another")
    measured["S1"] = await scenarios.s1_sequential(target, plan, progress)
    progress.step(f"S2 {plan.visitors} visitors in closed loop for {plan.s2_seconds:g} s")
    measured["S2"] = await scenarios.s2_closed_loop(target, plan, progress)
    from chatsy.bench.client import Agent
    from conversations.demo.logins import DEMO_AGENT

    agent = Agent(target.base)
    await asyncio.to_thread(agent.login, *DEMO_AGENT)
    for chats in plan.relay_chats:
        progress.step(f"R{chats} relay visitor ↔ agent with {chats} human-owned chat(s)")
        measured[f"R{chats}"] = await scenarios.relay(target, agent, chats, plan, progress)
    progress.step(f"S3 {plan.idle_sockets:,} idle widget sockets + {plan.active_visitors} active")
    measured["S3"] = await scenarios.s3_idle(target, plan, progress)


def counts_in_process(env: dict[str, str], messages: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "chatsy.bench.inprocess", "--messages", str(messages)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BenchError(f"the in-process count failed:\n{result.stderr[-3000:]}")
    counts: dict[str, Any] = json.loads(result.stdout)
    return counts


def meta(args: argparse.Namespace, plan: scenarios.Plan) -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "database": args.database,
        "quick": args.quick,
        "plan": dataclasses.asdict(plan),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "client": "one asyncio process (websockets client), HTTP through urllib threads",
    }


if __name__ == "__main__":
    sys.exit(main())
