"""The bench's table (Markdown, so it pastes into docs/performance.md as it is).

Ratios to the baselines: a row with a rate (closed loops) divides its rate by the baseline's
closed-loop rate with the same number of sockets (shown in %); a row of single-message
latencies (S1, R) divides its p50 by the baseline's sequential p50 (shown as ×).
"""

from __future__ import annotations

from typing import Any


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def table(results: dict[str, Any]) -> str:
    s = results["scenarios"]
    b1, b2 = s["B1"], s["B2"]
    rows: list[list[str]] = []

    def row(
        name: str,
        what: str,
        figures: dict[str, Any],
        cpu: dict[str, Any],
        rate: float | None = None,
        ratio: str = "",
    ) -> None:
        ratios = ["", ""]
        if ratio == "rate" and rate is not None:
            ratios = [f"{100 * rate / b['loop']['per_second']:.1f} %" for b in (b1, b2)]
        elif ratio == "latency":
            ratios = [f"{figures['p50'] / b['sequential']['p50']:.0f} ×" for b in (b1, b2)]
        rows.append(
            [
                name,
                what,
                _number(rate),
                _number(figures.get("p50"), 2),
                _number(figures.get("p95"), 2),
                _number(figures.get("p99"), 2),
                _number(cpu.get("server_cpu_percent"), 0),
                _number(cpu.get("client_cpu_percent"), 0),
                _number(cpu.get("services_cpu_percent"), 0),
                _number(cpu.get("other_cpu_percent"), 0),
                *ratios,
            ]
        )

    for name, what in (
        ("B0", "raw websockets echo"),
        ("B1", "Channels echo on Daphne"),
        ("B2", "group_send echo, RedisPubSub"),
    ):
        seq, loop = s[name]["sequential"], s[name]["loop"]
        row(name, f"{what}: 1 socket, round trip", seq, seq, seq["n"] / seq["seconds"])
        row(name, f"{what}: {loop['sockets']} sockets, round trip", loop, loop, loop["per_second"])
    s1 = s["S1"]
    row("S1", "1 visitor, sequential: ack", s1["ack"], s1, ratio="latency")
    row("S1", "1 visitor, sequential: bot reply", s1["reply"], s1, ratio="latency")
    s2 = s["S2"]
    row(
        "S2",
        f"{s2['visitors']} visitors, closed loop: answered/s, reply",
        s2["reply"],
        s2,
        s2["answered_per_second"],
        "rate",
    )
    for name in sorted((k for k in s if k.startswith("R")), key=lambda k: int(k[1:])):
        r = s[name]
        chats = f"{r['chats']} chat{'s' if r['chats'] > 1 else ''}"
        row(name, f"relay, {chats}: visitor → agent", r["visitor_to_agent"], r, ratio="latency")
        row(name, f"relay, {chats}: agent → visitor", r["agent_to_visitor"], r, ratio="latency")
    s3 = s["S3"]
    row(
        "S3",
        f"{s3['idle_sockets']:,} idle + {s3['visitors']} active: answered/s, reply",
        s3["reply"],
        s3,
        s3["answered_per_second"],
        "rate",
    )
    header = [
        "",
        "what",
        "rate /s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "server CPU %",
        "client CPU %",
        "Redis+DB CPU %",
        "other CPU %",
        "÷ B1",
        "÷ B2",
    ]
    lines = [_line(header), _line(["---"] * len(header))] + [_line(r) for r in rows]
    counts = s["counts"]
    lines += [
        "",
        f"Per visitor message on the offline bot path: {counts['sql_per_message']:.1f} SQL "
        f"statements, {counts['hops_per_message']:.1f} database thread hops "
        f"(in-process, {counts['messages']} messages), "
        f"{counts['redis_commands_per_message']:.1f} Redis commands (S1, INFO commandstats).",
        f"S3: {s3['rss_per_idle_kib']:.1f} KiB of server RSS per idle widget socket "
        f"({s3['rss_before_mib']:.0f} → {s3['rss_after_mib']:.0f} MiB); they connected and "
        f"authenticated at {s3['idle_opened_per_second']:.0f}/s.",
        f"Database: {results['meta']['database']}; {results['meta']['machine']['cpus']} CPUs; "
        "CPU % is of one core (Redis+DB: redis-server and PostgreSQL's processes; other: the "
        "rest of the machine); load average "
        f"{_load(results, 'start')} at the start, {_load(results, 'end')} at the end; "
        f"measured in {results['meta']['seconds']:.0f} s.",
    ]
    return "\n".join(lines)


def _load(results: dict[str, Any], when: str) -> str:
    load = results["meta"]["machine"].get(f"load_average_at_{when}")
    return "/".join(f"{value:.1f}" for value in load) if load else "?"


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
