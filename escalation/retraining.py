"""Retrain the triage model with the supervisors' labelled examples and activate it only if
it is no worse on the frozen validation split (docs/escalation.md, "Learning from verdicts").
`escalation_train --with-verdicts` is the entry point; this is the logic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalation.evaluation import is_validation, without_validation_texts
from escalation.learning import triage_example_rows
from escalation.model_comparison import TOLERANCE, no_worse, side_by_side
from escalation.model_versions import triage_model_active, triage_model_store
from escalation.training import train, validation_scores


class RetrainRefused(Exception):
    """The new model is worse on the validation split and --force was not given."""


@dataclass(frozen=True)
class RetrainResult:
    version: str | None  # the activated version; None on a dry run
    problems: tuple[str, ...]  # why the new model is worse ([] when no worse)
    examples: int
    dropped: int


def triage_model_retrain(
    *,
    rows: list[dict[str, Any]],
    force: bool,
    dry_run: bool,
    out: Callable[[str], Any],
    now: datetime,
) -> RetrainResult:
    """Shipped rows + supervisors' examples; compare with the active model; store and
    activate only a model no worse on the frozen validation split (or with `force`)."""
    validation = [row for row in rows if is_validation(row)]
    examples, dropped = without_validation_texts(triage_example_rows(), validation)
    out(f"+ {len(examples):,} labelled examples from agents' verdicts")
    if dropped:
        out(
            f"Dropped {dropped:,} labelled example{'s' if dropped != 1 else ''} whose text "
            f"is in the frozen validation split (a model is not scored on what it was taught)"
        )
    new, _ = train([*rows, *examples], progress=out)
    current = triage_model_active()
    out(f"Scoring the current model {current.version} on the validation split")
    before = validation_scores(current, validation, progress=out)
    out("Scoring the new model on the validation split")
    after = validation_scores(new, validation, progress=out)
    for line in side_by_side(before, after):
        out(line)
    problems = no_worse(before, after)
    result = RetrainResult(None, tuple(problems), len(examples), dropped)
    if dry_run:
        verdict = "worse: " + "; ".join(problems) if problems else "no worse"
        out(f"Dry run: the new model is {verdict}. Nothing stored.")
        return result
    if problems and not force:
        raise RetrainRefused(
            f"Not activated: on the frozen validation split the new model's "
            f"{'; '.join(problems)}. The current model {current.version} stays active "
            f"(--force activates the new one anyway)."
        )
    metrics = {
        "validation": after.to_dict(),
        "training": dict(new.metrics),
        "compared_with": {"version": current.version, "validation": before.to_dict()},
    }
    note = ("forced over: " + "; ".join(problems)) if problems else "no worse"
    row = triage_model_store(
        model=new, metrics=metrics, examples=len(examples), activate=True, note=note, now=now
    )
    return RetrainResult(row.version, tuple(problems), len(examples), dropped)


def retrain_summary(result: RetrainResult) -> str:
    how = "Forced" if result.problems else f"No worse (tolerance {TOLERANCE * 100:g} pt)"
    return f"{how}: activated model {result.version}"
