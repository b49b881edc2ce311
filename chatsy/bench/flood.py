"""`make bench-flood`: one visitor floods while another visitor and an agent chat normally.

    python -m chatsy.bench.flood [--seconds 20] [--rate 100] [--sockets 10] [--json PATH]

Starts on 127.0.0.1 only: a private redis-server, a throwaway SQLite database with the demo
store, and Daphne serving Chatsy with its default budgets (docs/performance.md, "A visitor
flooding"). Daphne trusts 127.0.0.1 as a proxy (CHATSY_TRUSTED_PROXIES), and each client says
its own address in X-Forwarded-For, as a load balancer would: the flooder and the two normal
visitors are three addresses.

Two phases of the same length in one run, on the same server:
  baseline — visitor A asks the bot a question a second; visitor B, whose chat the agent
             holds, and the agent write to each other; the flooder's chat is held by the same
             agent (so its typing reaches that console) but the flooder is quiet.
  flood    — the same, while a child process opens `--sockets` sockets on the flooder's one
             token and sends `--rate` frames per second of each type (message, typing, resync,
             action, csat, ping) on each, reconnecting at once whenever it is closed.
Prints A's and the agent's p50/p99 for both phases side by side, the ratio (target: ≤ 2×),
and what became of the flood.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from chatsy.bench.client import SITE_KEY, WAIT_SECONDS, Agent, Visitor
from chatsy.bench.scenarios import CpuWatch, percentiles
from chatsy.bench.stack import (
    ROOT,
    Processes,
    bench_main,
    daphne_start,
    raise_open_files_limit,
    redis_private,
    server_ready,
)
from chatsy.redis_server import free_port

FLOODER_ADDRESS = "198.51.100.66"
BOT_VISITOR_ADDRESS = "198.51.100.10"
HUMAN_VISITOR_ADDRESS = "198.51.100.11"
# Normal people: one message a second at most (a fast typist), well inside their budget of 20
# per 10 s; the agent answers each.
PACE_SECONDS = 1.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chatsy.bench.flood", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--rate", type=int, default=100, help="frames/s of each type, per socket")
    parser.add_argument("--sockets", type=int, default=10, help="flooder sockets on one token")
    parser.add_argument("--json", type=Path, default=ROOT / "bench-flood-results.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return bench_main("bench-flood", parse_args(argv), run, table)


def step(text: str) -> None:
    print(f"· {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace, workdir: Path, processes: Processes) -> dict[str, Any]:
    raise_open_files_limit()
    step("Starting a private redis-server")
    redis = redis_private(workdir, processes)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY" and "BUDGET" not in k}
    env.update(
        REDIS_URL=redis.url,
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        CHATSY_VAR_DIR=str(workdir / "var"),
        DJANGO_SETTINGS_MODULE="chatsy.settings",
        CHATSY_TRUSTED_PROXIES="127.0.0.1",
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
    )
    port = free_port()
    step("Migrating, loading the demo store, making three visitors")
    tokens_file = workdir / "tokens.txt"
    from chatsy.bench.__main__ import seed

    seed(f"http://127.0.0.1:{port}", env, 3, tokens_file)
    flooder_token, bot_token, human_token = tokens_file.read_text().split()
    step("Starting Daphne serving Chatsy (default budgets)")
    server = daphne_start("daphne-chatsy", "chatsy.asgi:application", env, workdir, processes, port)
    server_ready(server, workdir)
    started = time.monotonic()
    results = asyncio.run(
        measure(
            args,
            server.base,
            server.ws_base,
            server.process.pid,
            [redis.process.pid] if redis.process else [],
            flooder_token,
            bot_token,
            human_token,
        )
    )
    results["meta"] = {
        "seconds_per_phase": args.seconds,
        "rate_per_type_per_socket": args.rate,
        "sockets": args.sockets,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "total_seconds": round(time.monotonic() - started, 1),
    }
    return results


async def open_visitor(ws_base: str, base: str, token: str, address: str) -> Visitor:
    socket = await connect(
        f"{ws_base}/ws/widget/",
        origin=Origin(base),
        additional_headers={"X-Forwarded-For": address},
        compression=None,
        ping_interval=None,
        max_size=2**22,
        open_timeout=WAIT_SECONDS,
    )
    await socket.send(json.dumps({"type": "auth", "token": token, "site_key": SITE_KEY}))
    visitor = Visitor(socket, "", "")
    ready = await visitor.wait_for(lambda f: f["type"] == "ready")
    visitor.conversation = ready["conversation"]["id"]
    visitor.chat_status = ready["conversation"]["status"]
    return visitor


async def hand_to_agent(visitor: Visitor, agent: Agent) -> None:
    await visitor.send_message("I want to talk to a human please")
    await visitor.wait_for(lambda f: f["type"] == "status")
    await asyncio.to_thread(agent.claim, visitor.conversation)
    await visitor.wait_for(
        lambda f: f["type"] == "status" and f["conversation"]["status"] == "assigned"
    )


async def measure(
    args: argparse.Namespace,
    base: str,
    ws_base: str,
    server_pid: int,
    service_pids: list[int],
    flooder_token: str,
    bot_token: str,
    human_token: str,
) -> dict[str, Any]:
    from conversations.demo.logins import DEMO_AGENT

    agent = Agent(base)
    await asyncio.to_thread(agent.login, *DEMO_AGENT)
    flooder = await open_visitor(ws_base, base, flooder_token, FLOODER_ADDRESS)
    human = await open_visitor(ws_base, base, human_token, HUMAN_VISITOR_ADDRESS)
    bot = await open_visitor(ws_base, base, bot_token, BOT_VISITOR_ADDRESS)
    step("The agent takes over the flooder's chat and visitor B's")
    await hand_to_agent(flooder, agent)
    await hand_to_agent(human, agent)
    await flooder.close()
    console = await agent.console(ws_base)
    try:
        step(f"Baseline: {args.seconds:g} s, no flood")
        baseline = await phase(args.seconds, agent, console, bot, human, server_pid, service_pids)
        step(
            f"Flood: {args.seconds:g} s, {args.sockets} sockets × {args.rate} frames/s × "
            "6 types on one token"
        )
        context = multiprocessing.get_context("spawn")
        stats = context.Queue()
        stop = context.Event()
        child = context.Process(
            target=flood_process,
            args=(ws_base, base, flooder_token, args.sockets, args.rate, stop, stats),
        )
        child.start()
        try:
            flood = await phase(args.seconds, agent, console, bot, human, server_pid, service_pids)
        finally:
            stop.set()
            child.join(30)
            if child.is_alive():
                child.kill()
        flood["flooder"] = stats.get(timeout=5) if not stats.empty() else {}
    finally:
        await console.close()
        await bot.close()
        await human.close()
    return {"baseline": baseline, "flood": flood}


async def phase(
    seconds: float,
    agent: Agent,
    console: ClientConnection,
    bot: Visitor,
    human: Visitor,
    server_pid: int,
    service_pids: list[int],
) -> dict[str, Any]:
    """Visitor A asks the bot; visitor B and the agent write to each other; for `seconds`."""
    waiting: dict[str, tuple[float, asyncio.Future[float]]] = {}
    pushes = {"typing": 0, "all": 0}

    async def read_console() -> None:
        async for html in console:
            now = time.perf_counter()
            pushes["all"] += 1
            pushes["typing"] += 'id="typing-' in str(html)
            for marker in [m for m in waiting if m in str(html)]:
                started, arrived = waiting.pop(marker)
                if not arrived.done():
                    arrived.set_result(now - started)

    bot_ack: list[float] = []
    bot_reply: list[float] = []
    to_agent: list[float] = []
    to_visitor: list[float] = []
    deadline = time.monotonic() + seconds

    async def ask_the_bot() -> None:
        while time.monotonic() < deadline:
            began = time.monotonic()
            acked, replied = await bot.ask()
            bot_ack.append(acked)
            bot_reply.append(replied)
            await asyncio.sleep(max(0.0, PACE_SECONDS - (time.monotonic() - began)))

    async def talk_to_the_agent() -> None:
        while time.monotonic() < deadline:
            began = time.monotonic()
            marker = f"v{uuid.uuid4().hex[:12]}"
            arrived = asyncio.get_running_loop().create_future()
            waiting[marker] = (time.perf_counter(), arrived)
            await human.send_message(f"Here is more detail {marker}")
            to_agent.append(await asyncio.wait_for(arrived, WAIT_SECONDS))
            marker = f"a{uuid.uuid4().hex[:12]}"
            started = time.perf_counter()
            posting = asyncio.create_task(
                asyncio.to_thread(agent.reply, human.conversation, f"Thanks, {marker}")
            )
            await human.wait_for(partial(_carries, marker))
            to_visitor.append(time.perf_counter() - started)
            await posting
            await asyncio.sleep(max(0.0, PACE_SECONDS - (time.monotonic() - began)))

    reader = asyncio.create_task(read_console())
    try:
        with CpuWatch(server_pid, service_pids) as cpu:
            await asyncio.gather(ask_the_bot(), talk_to_the_agent())
    finally:
        reader.cancel()
    return {
        "bot_visitor_ack": percentiles(bot_ack),
        "bot_visitor_reply": percentiles(bot_reply),
        "visitor_to_agent": percentiles(to_agent),
        "agent_to_visitor": percentiles(to_visitor),
        "console_pushes": pushes,
        **cpu.figures,
    }


def _carries(marker: str, frame: dict[str, Any]) -> bool:
    return frame["type"] == "message" and marker in frame["message"]["body"]


# --- the flooder (a child process: its own CPU, not the measuring loop's) ---------------------


def flood_process(
    ws_base: str, base: str, token: str, sockets: int, rate: int, stop: Any, stats: Any
) -> None:
    stats.put(asyncio.run(flood(ws_base, base, token, sockets, rate, stop)))


async def flood(
    ws_base: str, base: str, token: str, sockets: int, rate: int, stop: Any
) -> dict[str, Any]:
    counts = dict.fromkeys(
        [
            "connects",
            "refused_connects",
            "frames_sent",
            "acks",
            "history",
            "pongs",
            "typing_echo",
            "errors",
            "closed_4429",
            "closed_4408",
            "closed_other",
        ],
        0,
    )
    seq = itertools.count()

    def frames() -> list[str]:
        n = next(seq)
        return [
            json.dumps({"type": "message", "client_id": str(uuid.uuid4()), "body": f"spam {n}"}),
            json.dumps({"type": "typing", "active": n % 2 == 0}),
            json.dumps({"type": "resync", "after_seq": 0}),
            json.dumps({"type": "action", "action": "helpful_no", "seq": 1}),
            json.dumps({"type": "csat", "score": 1}),
            json.dumps({"type": "ping"}),
        ]

    async def read(socket: ClientConnection) -> None:
        async for raw in socket:
            kind = json.loads(raw).get("type")
            key = {"ack": "acks", "history": "history", "pong": "pongs", "error": "errors"}
            if kind in key:
                counts[key[kind]] += 1

    async def one_socket() -> None:
        while not stop.is_set():
            try:
                socket = await connect(
                    f"{ws_base}/ws/widget/",
                    origin=Origin(base),
                    additional_headers={"X-Forwarded-For": FLOODER_ADDRESS},
                    compression=None,
                    ping_interval=None,
                    max_size=2**22,
                    open_timeout=10,
                )
            except (OSError, TimeoutError, ConnectionClosed):
                counts["refused_connects"] += 1
                await asyncio.sleep(0.01)
                continue
            counts["connects"] += 1
            reader = asyncio.create_task(read(socket))
            try:
                await socket.send(
                    json.dumps({"type": "auth", "token": token, "site_key": SITE_KEY})
                )
                while not stop.is_set():
                    tick = time.monotonic()
                    for frame in frames():
                        await socket.send(frame)
                        counts["frames_sent"] += 1
                    await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - tick)))
            except ConnectionClosed:
                pass
            finally:
                await socket.close()
                reader.cancel()
                code = socket.close_code
                name = {4429: "closed_4429", 4408: "closed_4408"}.get(code or 0, "closed_other")
                counts[name] += 1

    began, cpu_began = time.monotonic(), time.process_time()
    await asyncio.gather(*(one_socket() for _ in range(sockets)))
    # The flooder shares this machine's cores with the server: its own CPU, for the record.
    counts["flooder_cpu_percent"] = round(
        100 * (time.process_time() - cpu_began) / (time.monotonic() - began)
    )
    return counts


def table(results: dict[str, Any]) -> str:
    rows = [
        ("visitor A: ack", "bot_visitor_ack"),
        ("visitor A: bot's reply", "bot_visitor_reply"),
        ("visitor B → agent's console", "visitor_to_agent"),
        ("agent's reply → visitor B", "agent_to_visitor"),
    ]
    base, flood = results["baseline"], results["flood"]
    lines = [
        f"{'ms (p50 / p99)':<30} {'baseline':>17} {'flood':>17} {'p99 ×':>7}",
        "-" * 74,
    ]
    for label, key in rows:
        b, f = base[key], flood[key]
        ratio = f["p99"] / b["p99"] if b["p99"] else float("nan")
        lines.append(
            f"{label:<30} {b['p50']:>7.1f} / {b['p99']:>7.1f} {f['p50']:>7.1f} / {f['p99']:>7.1f}"
            f" {ratio:>6.2f}×"
        )
    lines.append(
        f"{'samples (A replies, B rounds)':<30} "
        f"{base['bot_visitor_reply']['n']:>7} / {base['agent_to_visitor']['n']:>7} "
        f"{flood['bot_visitor_reply']['n']:>7} / {flood['agent_to_visitor']['n']:>7}"
    )
    for label, key in (("server", "server_cpu_percent"), ("rest of machine", "other_cpu_percent")):
        lines.append(f"{label + ' CPU % of one core':<30} {base[key]:>17.0f} {flood[key]:>17.0f}")
    lines.append(
        f"{'console pushes (typing)':<30} "
        f"{base['console_pushes']['all']:>7} ({base['console_pushes']['typing']:>5}) "
        f"{flood['console_pushes']['all']:>7} ({flood['console_pushes']['typing']:>5})"
    )
    flooder = flood.get("flooder") or {}
    if flooder:
        lines.append("")
        lines.append("The flood: " + ", ".join(f"{k} {v:,}" for k, v in flooder.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
