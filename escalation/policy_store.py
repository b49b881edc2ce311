"""The policy this process decides with: built from the admin's rows, cached, invalidated on save.

Each process keeps the Policy in memory next to the version it was built at. Saving any rule,
plan or threshold bumps a shared version (chatsy.versions), so every process rebuilds within
a second, and the one that saved at once: no restart, and no read per message.
"""

from __future__ import annotations

import threading
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction

from chatsy.versions import SharedVersion
from escalation.model_versions import triage_model_active
from escalation.models import ClassifierThreshold, EscalationRule, EscalationSettings, Plan
from escalation.policy import Action, Policy, Priority, Rule, Thresholds
from escalation.policy import Plan as PlanSpec
from escalation.signals.classifier import LabelThresholds, TriageModel

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

POLICY_VERSION = SharedVersion("policy")
T = TypeVar("T", bound="DataclassInstance")

_lock = threading.Lock()
_cached: tuple[tuple[str | None, int], Policy] | None = None


def policy_current() -> Policy:
    global _cached
    version = POLICY_VERSION.current()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != version:
            _cached = (version, policy_from_database())
        return _cached[1]


def policy_invalidate_on_commit() -> None:
    """Every process rebuilds its policy once this transaction commits."""
    POLICY_VERSION.bump_on_commit()


def policy_from_database() -> Policy:
    settings_row = EscalationSettings.objects.filter(pk=1).first() or EscalationSettings()
    return Policy(
        rules=tuple(_rule(row) for row in EscalationRule.objects.all()),
        thresholds=_spec_from_row(Thresholds, settings_row),
        plans=tuple(plan_spec(row) for row in Plan.objects.all()),
        default_queue=settings_row.default_queue,
        classifier=classifier_current(),
    )


def classifier_current() -> TriageModel:
    """The active model (escalation.model_versions) with the admin's threshold overrides."""
    model = triage_model_active()
    overrides = {}
    for row in ClassifierThreshold.objects.all():
        default = model.threshold(row.label)
        escalate_at = row.escalate_at if row.escalate_at is not None else default.escalate_at
        offer_at = row.offer_at if row.offer_at is not None else default.offer_at
        overrides[row.label] = LabelThresholds(escalate_at, min(offer_at, escalate_at))
    return model.with_thresholds(overrides)


def plan_spec(row: Plan) -> PlanSpec:
    return _spec_from_row(PlanSpec, row)


def _spec_from_row(spec: type[T], row: object) -> T:
    """The dataclass whose fields the model row shares by name (a new field follows for free)."""
    return spec(**{f.name: getattr(row, f.name) for f in fields(spec)})


def _rule(row: EscalationRule) -> Rule:
    return Rule(
        key=row.key,
        category=row.category,
        name=row.name,
        phrases=row.phrase_list,
        amount_threshold=float(row.amount_threshold) if row.amount_threshold is not None else None,
        order_age_days=row.order_age_days,
        action=Action(row.action),
        priority=Priority(row.priority),
        target_queue=row.target_queue,
        active=row.active,
        order=row.order,
    )


@transaction.atomic
def policy_replace(policy: Policy) -> None:
    """Make the database hold exactly this policy (YAML import); every process reloads it."""
    EscalationRule.objects.exclude(key__in=[r.key for r in policy.rules]).delete()
    Plan.objects.exclude(name__in=[p.name for p in policy.plans]).delete()
    policy_rows_write(
        policy, rule_model=EscalationRule, plan_model=Plan, settings_model=EscalationSettings
    )
    policy_invalidate_on_commit()


def _plan_values(plan: PlanSpec, plan_model: Any) -> dict[str, Any]:
    """The plan's columns that this (possibly historical) model has. The seed migration 0002
    runs before 0005 replaced `skip_ai_for_complex` with `skip_ai_categories`: it gets the
    boolean, and 0005 turns it back into the categories."""
    columns = {f.name for f in plan_model._meta.get_fields()}
    values = {k: v for k, v in plan.to_dict().items() if k != "name" and k in columns}
    if "skip_ai_for_complex" in columns:
        values["skip_ai_for_complex"] = bool(plan.skip_ai_categories)
    return values


def policy_rows_write(
    policy: Policy, *, rule_model: Any, plan_model: Any, settings_model: Any
) -> None:
    """Upsert the policy's rows. Takes the models so the seed migration can pass its own
    (historical models from its app registry, which have no static type)."""
    for rule in policy.rules:
        rule_model.objects.update_or_create(
            key=rule.key,
            defaults={
                "name": rule.name,
                "category": str(rule.category),
                "phrases": "\n".join(rule.phrases),
                "amount_threshold": rule.amount_threshold,
                "order_age_days": rule.order_age_days,
                "action": str(rule.action),
                "priority": str(rule.priority),
                "target_queue": rule.target_queue,
                "active": rule.active,
                "order": rule.order,
            },
        )
    for plan in policy.plans:
        plan_model.objects.update_or_create(name=plan.name, defaults=_plan_values(plan, plan_model))
    settings_model.objects.update_or_create(
        pk=1, defaults={**policy.thresholds.to_dict(), "default_queue": policy.default_queue}
    )
