"""The whole escalation policy as YAML, in the shape of the spec's example:

    escalation_rules:
      billing_dispute:
        threshold: 100
        action: escalate
      security_concern:
        keywords: [hacked, unauthorized, fraud]
        action: escalate_priority
      refund_request:
        order_age_days: 90
        action: escalate_to_manager
    thresholds: {confidence: {...}, sentiment: {...}, failures: {...}}
    plans: {Enterprise: {tier: 2, vip: true, ...}}

`dump_policy_yaml` writes every field, so `load_policy_yaml(dump_policy_yaml(p)) == p`.
`load_policy_yaml` also takes the spec's shorthands (the actions above, a `vip_escalation`
block) and fills missing sections from `Policy.default()`. Every error names its line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from escalation.policy import (
    ACTION_SHORTHANDS,
    VIP_SKIP_AI_CATEGORIES,
    Action,
    Category,
    Plan,
    Policy,
    Priority,
    Rule,
    Thresholds,
)

# Rule keys the spec uses, and the category each one means when no category is written.
CATEGORY_OF_KEY = {
    "billing_dispute": Category.BILLING_DISPUTE,
    "security_concern": Category.SECURITY,
    "security": Category.SECURITY,
    "refund_request": Category.REFUND_EXCEPTION,
    "refund_exception": Category.REFUND_EXCEPTION,
    "human_request": Category.HUMAN_REQUEST,
    "legal_compliance": Category.LEGAL,
    "legal": Category.LEGAL,
    "sensitive_topic": Category.SENSITIVE,
    "sensitive": Category.SENSITIVE,
    "policy_exception": Category.POLICY_EXCEPTION,
    "technical_issue": Category.TECHNICAL,
    "technical": Category.TECHNICAL,
    "multi_step": Category.MULTI_STEP,
}
# YAML name -> (Rule field, converter)
RULE_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "name": ("name", str),
    "category": ("category", str),
    "keywords": ("phrases", tuple),
    "threshold": ("amount_threshold", float),
    "order_age_days": ("order_age_days", int),
    "action": ("action", str),
    "priority": ("priority", str),
    "target_queue": ("target_queue", str),
    "active": ("active", bool),
    "order": ("order", int),
}
# YAML section -> {YAML name: Thresholds field}
THRESHOLD_FIELDS = {
    "confidence": {
        "respond_above": "respond_above",
        "check_above": "check_above",
        "offer_above": "offer_above",
    },
    "sentiment": {
        "escalate_below": "sentiment_escalate_below",
        "offer_below": "sentiment_offer_below",
    },
    "failures": {
        "same_question": "same_question_count",
        "not_helpful": "not_helpful_count",
        "unresolved_turns": "unresolved_turns",
        "same_question_similarity": "same_question_similarity",
    },
}
PLAN_FIELDS: dict[str, Callable[[Any], Any]] = {
    "tier": int,
    "vip": bool,
    "skip_ai_categories": tuple,
    "dedicated_queue": str,
    "priority": str,
    "proactive_checkin_minutes": int,
}
SECTIONS = ("escalation_rules", "thresholds", "plans", "vip_escalation", "default_queue")


class PolicyYamlError(ValueError):
    """A policy YAML problem; `line` is 1-based, and the message starts with it."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


# --- dump -----------------------------------------------------------------------------------


def dump_policy_yaml(policy: Policy) -> str:
    """Every rule, threshold and plan, so loading the text gives back an equal Policy."""
    document = {
        "escalation_rules": {rule.key: _rule_yaml(rule) for rule in policy.rules},
        "thresholds": {
            section: {name: getattr(policy.thresholds, field) for name, field in names.items()}
            for section, names in THRESHOLD_FIELDS.items()
        },
        "plans": {plan.name: _plan_yaml(plan) for plan in policy.plans},
        "default_queue": policy.default_queue,
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _rule_yaml(rule: Rule) -> dict[str, Any]:
    values = {name: getattr(rule, field) for name, (field, _) in RULE_FIELDS.items()}
    values.update(keywords=list(rule.phrases), action=str(rule.action), priority=str(rule.priority))
    return {k: v for k, v in values.items() if v is not None and v != []}


def _plan_yaml(plan: Plan) -> dict[str, Any]:
    values = {name: plan.to_dict()[name] for name in PLAN_FIELDS}
    return {k: v for k, v in values.items() if v is not None}


# --- load -----------------------------------------------------------------------------------


def load_policy_yaml(text: str) -> Policy:
    """Parse and validate; raises PolicyYamlError naming the offending line."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        raise PolicyYamlError(
            f"invalid YAML: {getattr(error, 'problem', error)}", mark.line + 1 if mark else None
        ) from error
    try:
        if root is None:
            return Policy.default()
        sections = _mapping(root, "the policy")
        _reject_unknown(sections, SECTIONS)
        return _policy(sections, loader)
    finally:
        loader.dispose()


Nodes = dict[str, tuple[yaml.Node, yaml.Node]]  # key -> (key node, value node)


def _policy(sections: Nodes, loader: yaml.SafeLoader) -> Policy:
    default = Policy.default()
    rules = default.rules
    if "escalation_rules" in sections:
        rules_node = sections["escalation_rules"][1]
        rule_nodes = _mapping(rules_node, "escalation_rules")
        rules = tuple(
            _rule(key, key_node, value, loader, position)
            for position, (key, (key_node, value)) in enumerate(rule_nodes.items())
        )
    plans = default.plans
    if "plans" in sections:
        plans = _plans(sections["plans"][1], loader)
    if "vip_escalation" in sections:
        plans = _merge_plans(plans, _vip_plans(sections["vip_escalation"][1], loader))
    thresholds = default.thresholds
    if "thresholds" in sections:
        thresholds = _thresholds(sections["thresholds"][1], loader)
    queue = default.default_queue
    if "default_queue" in sections:
        queue = _value(sections["default_queue"][1], loader, str, "default_queue")
    return Policy(rules=rules, thresholds=thresholds, plans=plans, default_queue=queue)


def _rule(
    key: str, key_node: yaml.Node, node: yaml.Node, loader: yaml.SafeLoader, position: int
) -> Rule:
    fields = _mapping(node, f"rule {key!r}")
    _reject_unknown(fields, RULE_FIELDS)
    values: dict[str, Any] = {"key": key, "order": (position + 1) * 10}
    for name, (_, value_node) in fields.items():
        field, convert = RULE_FIELDS[name]
        values[field] = _value(value_node, loader, convert, f"{key}.{name}")
    if "category" not in values:
        if key not in CATEGORY_OF_KEY:
            raise PolicyYamlError(f"rule {key!r} needs a category", _line(key_node))
        values["category"] = CATEGORY_OF_KEY[key]
    _check_choice(fields, "action", values.get("action"), [*Action, *ACTION_SHORTHANDS])
    _check_choice(fields, "priority", values.get("priority"), list(Priority))
    try:
        return Rule.from_dict(values)
    except ValueError as error:
        raise PolicyYamlError(f"rule {key!r}: {error}", _line(key_node)) from error


def _check_choice(fields: Nodes, name: str, value: Any, choices: list[str]) -> None:
    if value is not None and value not in choices:
        allowed = ", ".join(str(choice) for choice in choices)
        raise PolicyYamlError(f"{name} {value!r} is not one of: {allowed}", _line(fields[name][1]))


def _thresholds(node: yaml.Node, loader: yaml.SafeLoader) -> Thresholds:
    sections = _mapping(node, "thresholds")
    _reject_unknown(sections, THRESHOLD_FIELDS)
    values: dict[str, Any] = {}
    for section, (_, section_node) in sections.items():
        names = THRESHOLD_FIELDS[section]
        entries = _mapping(section_node, f"thresholds.{section}")
        _reject_unknown(entries, names)
        for name, (_, value_node) in entries.items():
            convert = float if isinstance(getattr(Thresholds(), names[name]), float) else int
            values[names[name]] = _value(value_node, loader, convert, f"{section}.{name}")
    try:
        return Thresholds(**values)
    except ValueError as error:
        raise PolicyYamlError(f"thresholds: {error}", _line(node)) from error


def _plans(node: yaml.Node, loader: yaml.SafeLoader) -> tuple[Plan, ...]:
    plans = []
    for name, (_, plan_node) in _mapping(node, "plans").items():
        fields = _mapping(plan_node, f"plan {name!r}")
        _reject_unknown(fields, PLAN_FIELDS)
        values = {
            field: _value(value_node, loader, PLAN_FIELDS[field], f"{name}.{field}")
            for field, (_, value_node) in fields.items()
        }
        try:
            plans.append(Plan(name=name, **values))
        except ValueError as error:  # an unknown category or priority
            raise PolicyYamlError(f"plan {name!r}: {error}", _line(plan_node)) from error
    return tuple(plans)


def _vip_plans(node: yaml.Node, loader: yaml.SafeLoader) -> tuple[Plan, ...]:
    """The spec's block: `plan_type: [Enterprise, VIP]` and `behavior:` sentences."""
    fields = _mapping(node, "vip_escalation")
    _reject_unknown(fields, ("plan_type", "behavior"))
    names, said = [], ""
    if "plan_type" in fields:
        names = _value(fields["plan_type"][1], loader, list, "plan_type")
    if "behavior" in fields:
        said = " ".join(_value(fields["behavior"][1], loader, list, "behavior")).lower()
    return tuple(
        Plan(
            name=str(name),
            tier=2,
            vip=True,
            skip_ai_categories=VIP_SKIP_AI_CATEGORIES if "skip ai" in said else (),
            dedicated_queue="vip" if "dedicated" in said else "",
            proactive_checkin_minutes=15 if "check-in" in said or "check in" in said else None,
        )
        for name in names
    )


def _merge_plans(plans: tuple[Plan, ...], vip: tuple[Plan, ...]) -> tuple[Plan, ...]:
    replaced = {plan.name.lower() for plan in vip}
    return tuple(p for p in plans if p.name.lower() not in replaced) + vip


# --- nodes ----------------------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(node: yaml.Node, what: str) -> Nodes:
    """A mapping node's entries by key; duplicate keys are an error (YAML would keep the last)."""
    if not isinstance(node, yaml.MappingNode):
        raise PolicyYamlError(f"{what} must be a mapping", _line(node))
    entries: Nodes = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in entries:
            raise PolicyYamlError(f"{key!r} appears twice in {what}", _line(key_node))
        entries[key] = (key_node, value_node)
    return entries


def _reject_unknown(entries: Nodes, known: Any) -> None:
    for name, (key_node, _) in entries.items():
        if name not in known:
            allowed = ", ".join(known)
            raise PolicyYamlError(
                f"unknown field {name!r} (expected one of: {allowed})", _line(key_node)
            )


def _value(
    node: yaml.Node, loader: yaml.SafeLoader, convert: Callable[[Any], Any], what: str
) -> Any:
    """The node's value converted to the field's type, or an error naming its line."""
    value = loader.construct_object(node, deep=True)
    expected = {bool: bool, int: int, float: (int, float), str: str, tuple: list, list: list}
    wanted = expected.get(convert)  # type: ignore[call-overload]
    if wanted is not None and (
        not isinstance(value, wanted) or (convert is not bool and isinstance(value, bool))
    ):
        raise PolicyYamlError(f"{what} must be {_type_name(convert)}, not {value!r}", _line(node))
    if convert in (tuple, list) and not all(isinstance(item, str) for item in value):
        raise PolicyYamlError(f"{what} must be a list of strings", _line(node))
    return convert(value)


def _type_name(convert: Callable[[Any], Any]) -> str:
    names: dict[object, str] = {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text",
        tuple: "a list",
        list: "a list",
    }
    return names.get(convert, "valid")
