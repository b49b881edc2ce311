"""Measure the assistant's confidence on rows labelled answerable / out_of_scope.

The escalation engine's confidence bands only work if confidence means something: answerable
questions should score ≥ 0.6, out-of-scope ones < 0.4. This scores each row through a real
responder (its own retrieval, prompt and confidence) and reports the shares, AUROC and latency.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from conversations.assistant.base import Responder
from conversations.assistant.calibrate import metrics

ANSWERABILITY_LABELS = frozenset({"answerable", "out_of_scope"})


async def _score(
    responder: Responder, rows: Sequence[dict[str, Any]]
) -> tuple[list[tuple[float, bool]], list[int]]:
    scored, latencies = [], []
    for row in rows:
        started = time.perf_counter_ns()
        answer = await responder.answer(question=row["text"])
        latencies.append(time.perf_counter_ns() - started)
        scored.append((answer.confidence, row["expected"] == "answerable"))
    return scored, latencies


def answerability_metrics(
    responder: Responder, rows: Sequence[dict[str, Any]]
) -> dict[str, Any] | None:
    """answerable_confident, oos_below_040/060, auroc, latency p50/p99 (µs); None if no rows."""
    labelled = [row for row in rows if row.get("expected") in ANSWERABILITY_LABELS]
    if not labelled:
        return None
    scored, latencies = asyncio.run(_score(responder, labelled))
    latencies.sort()
    figures = {key: round(value, 4) for key, value in metrics(scored).items() if key != "rows"}
    return {
        "rows": len(labelled),
        **figures,
        "latency_p50_us": round(latencies[len(latencies) // 2] / 1000, 1),
        "latency_p99_us": round(
            latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] / 1000, 1
        ),
    }
