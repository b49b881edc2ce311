"""Compare two triage models on the frozen validation split, and the rule that lets a
retrained model replace the active one (`escalation_train --with-verdicts`).

Pure: the caller passes each validation row's true labels and the labels each model
escalates it for (probability at or over the label's `escalate_at`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# "No worse": neither macro-F1 nor the recall of a safety label may fall by more than half
# a point. A missed human request, security, legal or sensitive message is the costly miss.
TOLERANCE = 0.005
HUMAN_REQUEST = "human_request"
RECALL_GUARDED = (HUMAN_REQUEST, "security", "legal")
SENSITIVE_PREFIX = "sensitive_"  # sensitive_health_safety, sensitive_harassment, …


def recall_guarded(label: str) -> bool:
    return label in RECALL_GUARDED or label.startswith(SENSITIVE_PREFIX)


@dataclass(frozen=True)
class LabelScores:
    label: str
    positives: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Scores:
    """Per label (those with validation positives) and their macro-F1."""

    labels: tuple[LabelScores, ...]
    macro_f1: float

    def label(self, name: str) -> LabelScores | None:
        return next((scores for scores in self.labels if scores.label == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "labels": {
                s.label: {
                    "positives": s.positives,
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                }
                for s in self.labels
            },
        }


def scores_compute(
    truth: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]], labels: Sequence[str]
) -> Scores:
    """Precision, recall and F1 per label; labels without a validation positive are left out
    (their recall is undefined and would drag the macro average to zero)."""
    if len(truth) != len(predicted):
        raise ValueError("one prediction per validation row")
    rows = []
    for label in labels:
        positives = sum(label in row for row in truth)
        if not positives:
            continue
        flagged = sum(label in row for row in predicted)
        hits = sum(label in t and label in p for t, p in zip(truth, predicted, strict=True))
        precision = hits / flagged if flagged else 0.0
        recall = hits / positives
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        rows.append(LabelScores(label, positives, precision, recall, f1))
    macro = sum(row.f1 for row in rows) / len(rows) if rows else 0.0
    return Scores(tuple(rows), macro)


def no_worse(current: Scores, new: Scores, tolerance: float = TOLERANCE) -> list[str]:
    """Why the new model is worse than the current one ([] when it is no worse)."""
    problems = []
    if new.macro_f1 < current.macro_f1 - tolerance:
        problems.append(
            f"macro-F1 falls from {current.macro_f1:.3f} to {new.macro_f1:.3f} "
            f"(more than {tolerance * 100:g} pt)"
        )
    for before in current.labels:
        after = new.label(before.label)
        if recall_guarded(before.label) and after and after.recall < before.recall - tolerance:
            problems.append(
                f"{before.label} recall falls from {before.recall:.3f} to {after.recall:.3f} "
                f"(more than {tolerance * 100:g} pt)"
            )
    return problems


def side_by_side(current: Scores, new: Scores) -> list[str]:
    """The table the command prints: each label's P/R/F1 under both models, then macro-F1."""
    lines = [f"{'label':<26} {'current P':>9} {'R':>6} {'F1':>6}   {'new P':>7} {'R':>6} {'F1':>6}"]
    names = [s.label for s in current.labels] + [
        s.label for s in new.labels if current.label(s.label) is None
    ]
    for name in names:
        lines.append(f"{name:<26} {_cells(current.label(name))}   {_cells(new.label(name), 7)}")
    lines.append(
        f"{'macro F1':<26} {'':>9} {'':>6} {current.macro_f1:>6.3f}   "
        f"{'':>7} {'':>6} {new.macro_f1:>6.3f}"
    )
    return lines


def _cells(scores: LabelScores | None, width: int = 9) -> str:
    if scores is None:
        return f"{'—':>{width}} {'—':>6} {'—':>6}"
    return f"{scores.precision:>{width}.3f} {scores.recall:>6.3f} {scores.f1:>6.3f}"
