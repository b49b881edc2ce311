"""Triage model versions: store a trained model with its metrics, activate one, read the active
one. The engine decides with the active row's model (policy_store); with none active, or an
active row without weights (the shipped file's row), with escalation/data/triage_model.json.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import transaction

from escalation.model_store import shipped_model
from escalation.models import TriageModelVersion
from escalation.signals.classifier import TriageModel


def model_version_id(model: TriageModel, *, now: datetime) -> str:
    """A timestamp and a hash of the model's content: the same weights hash the same."""
    content = model.to_dict()
    content.pop("version")
    content.pop("metrics")
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]
    return f"{now:%Y%m%d-%H%M%S}-{digest}"


@transaction.atomic
def triage_model_store(
    *,
    model: TriageModel,
    metrics: dict[str, Any],
    examples: int,
    activate: bool,
    note: str,
    now: datetime,
) -> TriageModelVersion:
    """Save the model as a new version (its id set here); activate it if asked."""
    model = replace(model, version=model_version_id(model, now=now))
    # The same weights stored within the same second are the same version: stored once.
    row, _ = TriageModelVersion.objects.get_or_create(
        version=model.version,
        defaults={
            "metrics": metrics,
            "examples": examples,
            "note": note[:300],
            "model": model.to_dict(),
        },
    )
    if activate:
        triage_model_activate(version=row.version, now=now)
        row.refresh_from_db()
    return row


@transaction.atomic
def triage_model_activate(*, version: str | None, now: datetime) -> None:
    """Make this version the one every process decides with (they rebuild on commit);
    None: back to the shipped file's model (a rollback)."""
    from escalation.policy_store import policy_invalidate_on_commit  # it reads this module

    TriageModelVersion.objects.filter(active=True).exclude(version=version).update(active=False)
    if version is not None:
        updated = TriageModelVersion.objects.filter(version=version).update(
            active=True, activated_at=now
        )
        if not updated:
            raise TriageModelVersion.DoesNotExist(f"no triage model version {version!r}")
    policy_invalidate_on_commit()


def triage_model_active() -> TriageModel:
    """The model the engine decides with (without the admin's threshold overrides)."""
    row = (
        TriageModelVersion.objects.filter(active=True, model__isnull=False)
        .values_list("version", flat=True)
        .first()
    )
    return shipped_model() if row is None else _stored_model(row)


@lru_cache(maxsize=4)
def _stored_model(version: str) -> TriageModel:
    """Parsed once per process and version (a stored version never changes)."""
    data = TriageModelVersion.objects.values_list("model", flat=True).get(version=version)
    model = TriageModel.from_dict(data or {})
    model.pushes(model.labels[0])  # index the explanations now, not on a visitor's message
    return model


@dataclass(frozen=True)
class ActiveModelInfo:
    """For admin and the dashboard: which model decides, since when, and how it scored."""

    version: str
    source: str  # "shipped" (the repository's file) or "trained" (with supervisors' labels)
    activated_at: datetime | None
    examples: int
    metrics: dict[str, Any]


def triage_model_active_info() -> ActiveModelInfo:
    row = TriageModelVersion.objects.filter(active=True, model__isnull=False).defer("model").first()
    if row is None:
        shipped = shipped_model()
        return ActiveModelInfo(shipped.version, "shipped", None, 0, dict(shipped.metrics))
    return ActiveModelInfo(row.version, "trained", row.activated_at, row.examples, row.metrics)
