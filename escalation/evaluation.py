"""Measure the engine on labelled visitor messages (escalation/data/*.jsonl). Pure: the
caller passes the rows and the decide function; the `escalation_eval` management command
reads the files and prints the tables.

Each row is the first message of a fresh conversation, decided before any answer
(confidence None). Rows labelled answerable / out_of_scope measure the assistant, not this
engine, and are skipped. An "offer" counts as catching a row (the visitor is offered a human)
but only an escalation counts towards precision and false escalations.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from escalation.engine import DecideFunction, Snapshot, decide
from escalation.model_store import shipped_model
from escalation.policy import Action, Policy

SKIPPED_LABELS = frozenset({"answerable", "out_of_scope"})
NO_ESCALATION = "none"
# Engine categories that name an expected label; any other category disagrees with it.
EXPECTED_CATEGORIES = {
    "human_request": {"human_request"},
    "security": {"security"},
    "billing_dispute": {"billing_dispute"},
    "negative_sentiment": {"negative_sentiment"},
    "legal": {"legal", "sensitive"},  # a legal threat is a sensitive topic (the spec's list)
    "sensitive": {"sensitive"},
    "policy_exception": {"policy_exception", "refund_exception"},
    "refund_exception": {"refund_exception", "policy_exception"},
}
# A fixed clock keeps runs comparable (order-age rules read dates relative to it).
EVALUATION_NOW = datetime(2025, 1, 1, 12, 0)

Row = Mapping[str, Any]
R = TypeVar("R", bound=Row)


@dataclass(frozen=True)
class Scored:
    """One row's label and what the engine did with it."""

    expected: str
    action: str
    category: str
    latency_ns: int

    @property
    def escalated(self) -> bool:
        return self.action == Action.ESCALATE

    @property
    def agrees(self) -> bool:
        """The engine named the expected issue."""
        return self.category in EXPECTED_CATEGORIES.get(self.expected, ())

    @property
    def caught(self) -> bool:
        return self.action in (Action.ESCALATE, Action.OFFER, Action.ACKNOWLEDGE_OFFER)


def default_decide(policy: Policy | None = None, now: datetime = EVALUATION_NOW) -> DecideFunction:
    """`decide` bound to a policy (the default one with the shipped classifiers unless
    given) and a fixed clock."""
    chosen = policy or Policy.default().with_classifier(shipped_model())
    return lambda snapshot: decide(snapshot, chosen, now)


# Rows written only to train the classifiers, and supervisors' labels from agents' verdicts
# (escalation.learning): never part of the validation split.
TRAINING_ONLY_SOURCES = frozenset({"chatsy/written_train", "chatsy/verdicts"})


def is_validation(row: Row) -> bool:
    """The frozen validation split: a third of each file, crc32 of the row id mod 3 == 0
    (stable across runs, unlike hash). Training never sees these rows."""
    if row.get("source") in TRAINING_ONLY_SOURCES:
        return False
    return zlib.crc32(str(row.get("id", row.get("text", ""))).encode()) % 3 == 0


def comparable_text(text: str) -> str:
    """A row's text as the split compares it: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def without_validation_texts(
    examples: Sequence[R], validation: Iterable[Row]
) -> tuple[list[R], int]:
    """The examples whose text is not a validation row's (compared by `comparable_text`), and
    how many were dropped. A supervisor's label on a message that is also in the frozen split
    would be trained on and then scored on, inflating the new model's validation score."""
    held_out = {comparable_text(str(row.get("text", ""))) for row in validation}
    kept = [row for row in examples if comparable_text(str(row.get("text", ""))) not in held_out]
    return kept, len(examples) - len(kept)


def score_rows(rows: Iterable[Row], decide_fn: DecideFunction) -> list[Scored]:
    scored = []
    for row in rows:
        if row["expected"] in SKIPPED_LABELS:
            continue
        snapshot = Snapshot(message=row["text"])
        started = time.perf_counter_ns()
        decision = decide_fn(snapshot)
        elapsed = time.perf_counter_ns() - started
        scored.append(Scored(row["expected"], str(decision.action), decision.category, elapsed))
    return scored


def summarise(scored: Sequence[Scored]) -> dict[str, Any]:
    """The metrics for one set of scored rows (see the module docstring)."""
    escalated = [s for s in scored if s.escalated]
    offered = [s for s in scored if s.caught and not s.escalated]
    positives = [s for s in scored if s.expected != NO_ESCALATION]
    negatives = [s for s in scored if s.expected == NO_ESCALATION]
    caught = [s for s in positives if s.caught]
    latencies = sorted(s.latency_ns for s in scored)
    return {
        "rows": len(scored),
        "positives": len(positives),
        "escalation_rate": _share(escalated, scored),
        "offer_rate": _share(offered, scored),
        "precision": _share([s for s in escalated if s.expected != NO_ESCALATION], escalated),
        "precision_right_category": _share([s for s in escalated if s.agrees], escalated),
        "recall_escalated": _share([s for s in positives if s.escalated], positives),
        "recall": _share(caught, positives),
        "false_escalation_rate": _share([s for s in negatives if s.escalated], negatives),
        "offer_rate_on_none": _share([s for s in negatives if s in offered], negatives),
        "category_agreement": _share([s for s in caught if s.agrees], caught),
        "latency_p50_us": _percentile_us(latencies, 0.50),
        "latency_p99_us": _percentile_us(latencies, 0.99),
        "recall_by_category": _recall_by_category(positives),
    }


def evaluate(
    files: Mapping[str, Sequence[Row]], decide_fn: DecideFunction | None = None
) -> dict[str, Any]:
    """{"files": {name: metrics}, "overall": metrics} over rows grouped by file name."""
    chosen = decide_fn or default_decide()
    per_file = {name: score_rows(rows, chosen) for name, rows in files.items()}
    every_row = [scored for rows in per_file.values() for scored in rows]
    return {
        "files": {name: summarise(rows) for name, rows in per_file.items()},
        "overall": summarise(every_row),
    }


def load_rows(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _recall_by_category(positives: Sequence[Scored]) -> dict[str, dict[str, Any]]:
    """Per expected label: how many, caught by an escalation, by an escalation or an offer,
    and with the right category."""
    report = {}
    for label in sorted({s.expected for s in positives}):
        rows = [s for s in positives if s.expected == label]
        report[label] = {
            "rows": len(rows),
            "escalated": _share([s for s in rows if s.escalated], rows),
            "caught": _share([s for s in rows if s.caught], rows),
            "right_category": _share([s for s in rows if s.caught and s.agrees], rows),
        }
    return report


def _share(part: Sequence[Any], whole: Sequence[Any]) -> float | None:
    return round(len(part) / len(whole), 4) if whole else None


def _percentile_us(sorted_ns: Sequence[int], quantile: float) -> float | None:
    if not sorted_ns:
        return None
    index = min(len(sorted_ns) - 1, max(0, round(quantile * len(sorted_ns)) - 1))
    return round(sorted_ns[index] / 1000, 1)
