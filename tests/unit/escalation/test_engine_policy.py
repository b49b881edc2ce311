"""Policy dataclasses, Policy.default() against the spec, dict and YAML round trips."""

import pytest

from escalation.policy import Action, Category, Plan, Policy, Priority, Rule, Thresholds
from escalation.policy_yaml import PolicyYamlError, dump_policy_yaml, load_policy_yaml

SPEC_YAML = """\
escalation_rules:
  billing_dispute:
    threshold: 100 # dollars
    action: escalate
  security_concern:
    keywords: ["hacked", "unauthorized", "fraud"]
    action: escalate_priority
  refund_request:
    order_age_days: 90 # beyond normal policy
    action: escalate_to_manager
vip_escalation:
  plan_type: ["Enterprise", "VIP"]
  behavior:
    - Skip AI for complex issues
    - Immediate human routing
    - Dedicated support queue
    - Proactive check-in from manager
"""


def rule(policy: Policy, key: str) -> Rule:
    return next(r for r in policy.rules if r.key == key)


def test_default_policy_is_the_spec() -> None:
    policy = Policy.default()
    t = policy.thresholds
    assert (t.respond_above, t.check_above, t.offer_above) == (0.8, 0.6, 0.4)
    assert (t.sentiment_escalate_below, t.sentiment_offer_below) == (-0.5, -0.2)
    assert (t.same_question_count, t.not_helpful_count, t.unresolved_turns) == (3, 2, 10)
    assert rule(policy, "billing_dispute").amount_threshold == 100
    security = rule(policy, "security_concern")
    assert security.phrases == ("hacked", "unauthorized", "fraud")
    assert (security.action, security.priority) == (Action.ESCALATE, Priority.URGENT)
    refund = rule(policy, "refund_request")
    assert (refund.order_age_days, refund.target_queue) == (90, "manager")
    human = rule(policy, "human_request")
    for phrase in (
        "talk to a human",
        "speak to someone",
        "real person",
        "agent",
        "representative",
        "manager",
        "someone who can help",
        "this isn't working",
    ):
        assert phrase in human.phrases
    vip = {plan.name for plan in policy.plans if plan.vip and plan.skip_ai_categories}
    assert vip == {"Enterprise", "VIP"}
    # "Complex and sensitive issues skip the AI ... at urgent priority."
    enterprise = policy.plan_named("Enterprise")
    assert enterprise is not None and enterprise.priority is Priority.URGENT
    assert {"billing_dispute", "security", "legal", "sensitive"} <= set(
        enterprise.skip_ai_categories
    )


def test_dict_round_trip_is_lossless() -> None:
    policy = Policy.default()
    assert Policy.from_dict(policy.to_dict()) == policy


def test_plans_accept_lists_and_reject_unknown_categories_and_priorities() -> None:
    plan = Plan.from_dict({"name": "Gold", "skip_ai_categories": ["legal"], "priority": "high"})
    assert (plan.skip_ai_categories, plan.priority) == (("legal",), Priority.HIGH)
    with pytest.raises(ValueError):
        Plan(name="Gold", skip_ai_categories=("legol",))
    with pytest.raises(ValueError):
        Plan(name="Gold", priority="asap")  # type: ignore[arg-type]


def test_a_plan_round_trips_through_yaml_with_its_categories() -> None:
    gold = Plan(name="Gold", vip=True, skip_ai_categories=("legal",), priority=Priority.HIGH)
    policy = Policy(rules=(), plans=(gold,))
    assert load_policy_yaml(dump_policy_yaml(policy)).plans == (gold,)


def test_rules_accept_plain_strings_and_reject_typos() -> None:
    assert Rule(key="k", category="security", action="escalate").action is Action.ESCALATE
    with pytest.raises(ValueError):
        Rule(key="k", category="security", action="escalte")


def test_shorthand_actions_expand() -> None:
    urgent = Rule.from_dict({"key": "s", "category": "security", "action": "escalate_priority"})
    assert (urgent.action, urgent.priority) == (Action.ESCALATE, Priority.URGENT)
    manager = Rule.from_dict(
        {"key": "r", "category": "refund_exception", "action": "escalate_to_manager"}
    )
    assert (manager.action, manager.target_queue) == (Action.ESCALATE, "manager")


@pytest.mark.parametrize(
    "values",
    [{"respond_above": 0.5}, {"sentiment_offer_below": -0.9}, {"not_helpful_count": 0}],
)
def test_thresholds_are_validated(values: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**values)  # type: ignore[arg-type]


def test_yaml_round_trip_is_lossless() -> None:
    policy = Policy.default()
    text = dump_policy_yaml(policy)
    assert text.startswith("escalation_rules:\n  security_concern:\n")
    assert load_policy_yaml(text) == policy


def test_edited_yaml_round_trips_too() -> None:
    edited = Policy.from_dict(
        {
            **Policy.default().to_dict(),
            "thresholds": {**Thresholds().to_dict(), "respond_above": 0.85},
            "default_queue": "frontline",
        }
    )
    assert load_policy_yaml(dump_policy_yaml(edited)) == edited


def test_the_spec_example_loads() -> None:
    policy = load_policy_yaml(SPEC_YAML)
    billing, security, refund = policy.rules
    assert (billing.category, billing.amount_threshold) == (Category.BILLING_DISPUTE, 100.0)
    assert (security.category, security.priority) == (Category.SECURITY, Priority.URGENT)
    assert (refund.category, refund.target_queue) == (Category.REFUND_EXCEPTION, "manager")
    enterprise = policy.plan_named("enterprise")
    assert enterprise and enterprise.skip_ai_categories and enterprise.dedicated_queue == "vip"
    assert policy.thresholds == Thresholds()


BAD_YAML = [
    ("escalation_rules:\n  billing_dispute:\n    threshold: lots\n", 3, "threshold"),
    ("escalation_rules:\n  billing_dispute:\n    action: escalte\n", 3, "escalte"),
    ("escalation_rules:\n  billing_dispute:\n    thresold: 100\n", 3, "thresold"),
    ("escalation_rules:\n  my_rule:\n    keywords: [x]\n", 2, "category"),
    ("escalation_rules:\n  a:\n    category: legal\n  a:\n    category: legal\n", 4, "twice"),
    ("escalation_rules:\n  security_concern:\n    keywords: hacked\n", 3, "list"),
    ("thresholds:\n  confidence:\n    respond_above: 0.3\n", 2, "confidence"),
    ("thresholds:\n  failures:\n    not_helpful: two\n", 3, "whole number"),
    ("plans:\n  Gold:\n    vip: maybe\n", 3, "true or false"),
    ("escalation_rules: [\n", 2, "invalid YAML"),
    ("colour: blue\n", 1, "unknown field"),
]


@pytest.mark.parametrize(("text", "line", "words"), BAD_YAML)
def test_bad_yaml_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PolicyYamlError) as raised:
        load_policy_yaml(text)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"line {line}:") and words in str(raised.value)
