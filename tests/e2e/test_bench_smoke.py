"""`make bench` end to end with `--quick`: every scenario is measured and reported.

Speed is never asserted: only that each figure exists and is positive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASELINES = ("B0", "B1", "B2")


def test_quick_bench_reports_every_scenario(tmp_path: Path) -> None:
    output = tmp_path / "bench-results.json"
    result = subprocess.run(
        [sys.executable, "-m", "chatsy.bench", "--quick", "--visitors", "5", "--json", str(output)],
        cwd=ROOT,
        env={**os.environ, "CHATSY_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    scenarios = json.loads(output.read_text())["scenarios"]
    relays = sorted(name for name in scenarios if name.startswith("R"))
    assert relays == ["R1", "R3"]
    assert set(scenarios) == {*BASELINES, "S1", "S2", "S3", "counts", *relays}

    for name in BASELINES:
        for part in ("sequential", "loop"):
            _positive(scenarios[name][part], "n", "p50", "p95", "p99")
            _cpu_measured(scenarios[name][part])
        _positive(scenarios[name]["loop"], "per_second")
    for part in ("ack", "reply"):
        _positive(scenarios["S1"][part], "n", "p50", "p95", "p99")
    _positive(scenarios["S1"], "redis_commands_per_message")
    _cpu_measured(scenarios["S1"])
    for name in ("S2", "S3"):
        _positive(scenarios[name], "answered_per_second", "server_cpu_percent")
        _positive(scenarios[name]["reply"], "n", "p50", "p95", "p99")
        _cpu_measured(scenarios[name])
    _positive(scenarios["S3"], "idle_sockets", "rss_before_mib", "rss_after_mib")
    for name in relays:
        for direction in ("visitor_to_agent", "agent_to_visitor"):
            _positive(scenarios[name][direction], "n", "p50", "p95", "p99")
        _cpu_measured(scenarios[name])
    _positive(scenarios["counts"], "sql_per_message", "hops_per_message")
    assert "| S2 |" in result.stdout and "SQL statements" in result.stdout


def _cpu_measured(figures: dict) -> None:
    """CPU time ticks in 10 ms steps: a short smoke-run step may read 0, never less."""
    for name in ("server_cpu_percent", "client_cpu_percent", "other_cpu_percent"):
        assert figures[name] >= 0, (name, figures)


def _positive(figures: dict, *names: str) -> None:
    for name in names:
        assert figures[name] > 0, (name, figures)
