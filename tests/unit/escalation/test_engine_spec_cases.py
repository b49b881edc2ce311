"""The spec's examples (seed/escalation-guide.txt), one table row each, through `decide`."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from escalation.engine import BotAnswer, Decision, Snapshot, decide
from escalation.model_store import shipped_model
from escalation.policy import Action, Category, Plan, Policy, Priority

NOW = datetime(2025, 6, 1, 12, 0)
POLICY = Policy.default().with_classifier(shipped_model())


def run(message: str, **snapshot: object) -> Decision:
    return decide(Snapshot(message=message, **snapshot), POLICY, NOW)  # type: ignore[arg-type]


# --- Category 1: user-initiated ---------------------------------------------------------------

# Each trigger phrase of the spec, then common variants, in a realistic sentence.
HUMAN_REQUESTS = [
    "Can I talk to a human please?",
    "I'd like to speak to someone about my order.",
    "Is there a real person I can chat with?",
    "Agent please",
    "I want a representative to look at my case.",
    "Let me speak to your manager.",
    "I need someone who can help me with this refund.",
    "This isn't working, I've tried three times.",
    "Can you connect me with an operator?",
    "How do I reach customer service?",
    "Do you have live chat with a person?",
    "can I speak to your manager",
    "i need help talking with a live agent",
    "I can't get through to a real human, transfer me to an agent",
    "I don't know how I can speak to an agent",  # "don't know how" still asks
    "I want to speek to somone",  # typos
    "Is there someone I can call?",
    "Can I get a human to review my warranty claim?",
    "Can someone from your team call me back?",
]


@pytest.mark.parametrize("message", HUMAN_REQUESTS)
def test_explicit_request_escalates_immediately(message: str) -> None:
    decision = run(message)
    assert decision.action is Action.ESCALATE
    assert decision.category == Category.HUMAN_REQUEST
    assert decision.reasons[0].signal == "explicit_request"


NOT_HUMAN_REQUESTS = [
    "I don't need an agent, just tell me your opening hours.",
    "My travel agent booked it for me, can you confirm the dates?",
    "No need to transfer me to a human, I found it.",
    "I spoke to an agent yesterday and she said the refund was approved.",
    "My manager asked me to get an invoice for the order.",
    "How do I change my password manager settings?",
    "Can I transfer money to someone abroad?",
    "Did your courier try to ring me earlier? I missed it.",
    "My sister will collect it, is that ok?",
]


@pytest.mark.parametrize("message", NOT_HUMAN_REQUESTS)
def test_negations_and_false_friends_do_not_ask_for_a_human(message: str) -> None:
    decision = run(message)
    assert decision.signals["explicit_request"] is None
    assert decision.category != Category.HUMAN_REQUEST
    assert decision.action is Action.RESPOND, decision.explain()


# --- Category 2: confidence bands -------------------------------------------------------------

CONFIDENCE_BANDS = [
    (0.35, Action.ESCALATE, Category.LOW_CONFIDENCE),
    (0.5, Action.OFFER, Category.LOW_CONFIDENCE),
    (0.7, Action.RESPOND_CHECK, Category.LOW_CONFIDENCE),
    (0.9, Action.RESPOND, Category.NONE),
    (0.39, Action.ESCALATE, Category.LOW_CONFIDENCE),
    (0.4, Action.OFFER, Category.LOW_CONFIDENCE),  # "<40%" escalates; 40% is offered
    (0.6, Action.RESPOND_CHECK, Category.LOW_CONFIDENCE),
    (0.8, Action.RESPOND_CHECK, Category.LOW_CONFIDENCE),  # ">80%" responds; 80% checks
    (0.81, Action.RESPOND, Category.NONE),
]


@pytest.mark.parametrize(("confidence", "action", "category"), CONFIDENCE_BANDS)
def test_confidence_bands(confidence: float, action: Action, category: str) -> None:
    decision = run("Do you ship to Canada?", confidence=confidence)
    assert (decision.action, decision.category) == (action, category)


def test_pre_answer_then_post_answer_calls() -> None:
    before = Snapshot(message="Do you ship to Canada?")
    assert decide(before, POLICY, NOW).action is Action.RESPOND
    after = decide(before.with_answer(0.35), POLICY, NOW)
    assert after.action is Action.ESCALATE
    assert after.reasons[0].value == 0.35 and after.reasons[0].threshold == 0.4


# --- Category 3: sentiment --------------------------------------------------------------------

SENTIMENT_CASES = [
    ("THIS IS RIDICULOUS!!!", Action.ESCALATE),
    ("I am so frustrated, this is unacceptable and a complete waste of time.", Action.ESCALATE),
    ("fuck you", Action.ESCALATE),
    ("you're useless", Action.ESCALATE),
    ("I'm a bit annoyed that my parcel is late again.", Action.ACKNOWLEDGE_OFFER),
    ("could you help me edit my bloody account", Action.ACKNOWLEDGE_OFFER),
    ("Thanks, that fixed it!", Action.RESPOND),
    ("WHERE IS THE NEAREST STORE", Action.RESPOND),  # shouting alone is not anger
]


@pytest.mark.parametrize(("message", "action"), SENTIMENT_CASES)
def test_sentiment_thresholds(message: str, action: Action) -> None:
    decision = run(message)
    assert decision.action is action
    if action is not Action.RESPOND:
        assert decision.category == Category.NEGATIVE_SENTIMENT


def test_all_caps_and_exclamations_amplify_a_negative_message() -> None:
    breakdown = run("THIS IS RIDICULOUS!!!").sentiment.breakdown
    assert breakdown["caps"] < 0 and breakdown["exclamation"] < 0 and breakdown["frustration"] < 0


def test_sarcasm_example_reads_negative() -> None:
    decision = run("Oh great, another useless answer. Just perfect.")
    assert decision.sentiment.score < -0.2
    assert decision.sentiment.breakdown["sarcasm"] < 0
    assert decision.action in (Action.ACKNOWLEDGE_OFFER, Action.ESCALATE)


# --- Category 4: complexity -------------------------------------------------------------------

COMPLEXITY_CASES = [
    # (message, action, category, priority, queue)
    (
        "I have a $150 billing dispute: you charged me twice for one order.",
        Action.ESCALATE,
        Category.BILLING_DISPUTE,
        Priority.NORMAL,
        "billing",
    ),
    (
        "I want to dispute a $50 charge on my last invoice.",
        Action.RESPOND,
        Category.BILLING_DISPUTE,
        Priority.NORMAL,
        "billing",
    ),
    (
        "I was double charged for my subscription this month.",
        Action.OFFER,
        Category.BILLING_DISPUTE,
        Priority.NORMAL,
        "billing",
    ),
    (
        "My account was hacked last night.",
        Action.ESCALATE,
        Category.SECURITY,
        Priority.URGENT,
        "security",
    ),
    (
        "There's an unauthorized charge on my card.",
        Action.ESCALATE,
        Category.SECURITY,
        Priority.URGENT,
        "security",
    ),
    (
        "Someone logged into my account and changed the address.",
        Action.ESCALATE,
        Category.SECURITY,
        Priority.URGENT,
        "security",
    ),
    (
        "I'd like a refund, I ordered this 4 months ago.",
        Action.ESCALATE,
        Category.REFUND_EXCEPTION,
        Priority.NORMAL,
        "manager",
    ),
    (
        "I'm locked out of my account and need my 2FA reset.",
        Action.ESCALATE,
        Category.TECHNICAL,
        Priority.NORMAL,
        "technical",
    ),
    (
        "First I need to cancel the old plan, then move my data, and finally upgrade, "
        "but I can't do it before the refund is processed.",
        Action.ESCALATE,
        Category.MULTI_STEP,
        Priority.NORMAL,
        "general",
    ),
]


@pytest.mark.parametrize(("message", "action", "category", "priority", "queue"), COMPLEXITY_CASES)
def test_complexity_rules(
    message: str, action: Action, category: str, priority: Priority, queue: str
) -> None:
    decision = run(message)
    assert (decision.action, decision.category, decision.priority, decision.target_queue) == (
        action,
        category,
        priority,
        queue,
    )


# Read by trained classifiers: the visitor at least gets a person offered, in the issue's queue
# (escalation when the classifier is sure, an offer in its uncertain band).
CLASSIFIED_CASES = [
    ("Is your returns policy compliant with EU consumer law?", Category.LEGAL, "legal"),
    ("Do your terms comply with the Consumer Rights Act?", Category.LEGAL, "legal"),
    (
        "Can you make an exception to the return policy for me?",
        Category.POLICY_EXCEPTION,
        "manager",
    ),
    (
        "I know it's past 30 days but could you waive the return window?",
        Category.POLICY_EXCEPTION,
        "manager",
    ),
    ("someone changed my password and ordered stuff on my account", Category.SECURITY, "security"),
]


@pytest.mark.parametrize(("message", "category", "queue"), CLASSIFIED_CASES)
def test_classified_issues_reach_a_person_in_their_queue(
    message: str, category: str, queue: str
) -> None:
    decision = run(message)
    assert decision.action in (Action.OFFER, Action.ESCALATE), decision.explain()
    assert (decision.category, decision.target_queue) == (category, queue)


def test_a_refund_within_the_policy_window_is_not_escalated() -> None:
    decision = run("I'd like a refund, I ordered this 3 weeks ago.")
    assert decision.action is not Action.ESCALATE
    assert decision.signals["order_age_days"] == 21


def test_refund_on_a_120_day_old_order_from_the_order_date() -> None:
    decision = run("I want a refund for this jacket.", order_date=NOW.date() - timedelta(days=120))
    assert (decision.action, decision.target_queue) == (Action.ESCALATE, "manager")
    assert decision.reasons[0].value == 120 and decision.reasons[0].threshold == 90


def test_refund_on_an_order_placed_on_an_explicit_date() -> None:
    decision = run("Please refund order 55512, I bought it on January 15, 2025.")
    assert decision.target_queue == "manager"
    assert decision.signals["order_age_days"] == (NOW.date() - date(2025, 1, 15)).days


# --- Sensitive topics -------------------------------------------------------------------------

# The spec's five: health/safety, legal threats, harassment, accessibility, privacy/data. Legal
# threats and data requests are legal matters (the `legal` classifier) that a grammar tells
# apart from compliance questions (above).
SENSITIVE_CASES = [
    ("The charger caught fire and burned my hand.", "health_safety"),
    ("My lawyer will be in touch about this faulty heater.", "legal_threat"),
    ("I will sue you if this is not fixed by Friday.", "legal_threat"),
    ("I'm going to report you to the FTC and take you to small claims court", "legal_threat"),
    ("I'm sending a GDPR data deletion request for my account.", "privacy"),
    ("One of your delivery drivers has been harassing me.", "harassment"),
    ("I'm blind and your checkout doesn't work with my screen reader.", "accessibility"),
    ("You sold my personal data to advertisers without asking.", "privacy"),
    ("The kettle leaked and my son got an electric shock.", "health_safety"),
    ("I'm deaf and can't use your phone-only verification.", "accessibility"),
    ("a customer in your store keeps sending me creepy messages", "harassment"),
]


@pytest.mark.parametrize(("message", "topic"), SENSITIVE_CASES)
def test_sensitive_topics_go_to_the_specialists_at_urgent_priority(
    message: str, topic: str
) -> None:
    decision = run(message)
    assert decision.action is Action.ESCALATE, decision.explain()
    assert decision.category == Category.SENSITIVE
    assert (decision.priority, decision.target_queue) == (Priority.URGENT, "specialists")
    assert decision.signals["sensitive"] == topic
    assert decision.sensitive_topic == topic and decision.to_dict()["sensitive_topic"] == topic
    assert decision.reasons[0].text.startswith("sensitive topic, ")


def test_a_sensitive_topic_names_the_issue_over_a_legal_one_of_lower_order() -> None:
    decision = run("My lawyer will be in touch about this faulty heater.")
    assert decision.reasons[0].rule == "sensitive_topic"
    assert any(reason.rule == "legal_compliance" for reason in decision.reasons[1:])


def test_a_vip_with_a_sensitive_topic_goes_to_the_specialists_not_the_vip_queue() -> None:
    decision = run("The charger caught fire and burned my hand.", plan=POLICY.plan_named("VIP"))
    assert (decision.category, decision.priority, decision.target_queue) == (
        Category.SENSITIVE,
        Priority.URGENT,
        "specialists",
    )
    assert decision.sensitive_topic == "health_safety"


def test_an_operators_keyword_on_the_sensitive_rule_is_the_topic_other() -> None:
    rules = tuple(
        replace(rule, phrases=("pharmacist",)) if rule.category == Category.SENSITIVE else rule
        for rule in Policy.default().rules
    )
    policy = replace(Policy.default(), rules=rules).with_classifier(shipped_model())
    decision = decide(Snapshot(message="I need to speak with your pharmacist"), policy, NOW)
    assert (decision.category, decision.sensitive_topic) == (Category.SENSITIVE, "other")


def test_only_an_escalation_carries_a_sensitive_topic() -> None:
    assert run("How long does shipping take?").sensitive_topic == ""


def test_routine_questions_are_left_to_the_bot() -> None:
    for message in (
        "Where is my order?",
        "Hi there, what time do you open tomorrow?",
        "What is your privacy policy?",
        "How do I close my account?",
    ):
        assert run(message).action is Action.RESPOND, message


# --- Category 5: failures ---------------------------------------------------------------------


def test_same_question_asked_three_times_escalates() -> None:
    decision = run(
        "My order still hasn't arrived, where is it?",
        earlier_messages=("Where is my order?", "where's my package??"),
    )
    assert (decision.action, decision.category) == (Action.ESCALATE, Category.REPEATED_FAILURE)
    assert decision.signals["same_question_count"] == 3


def test_the_visitor_saying_it_is_the_third_time_counts() -> None:
    decision = run("This is the third time I'm asking: where is my order??")
    assert (decision.action, decision.category) == (Action.ESCALATE, Category.REPEATED_FAILURE)


def test_two_different_questions_do_not_count_as_repeats() -> None:
    decision = run("How do I cancel my order?", earlier_messages=("Where is my order?",) * 1)
    assert decision.signals["same_question_count"] == 1


FAILURE_CASES = [
    # (earlier messages, not-helpful clicks, current message)
    ((), 2, "ok"),
    (("That didn't help.",), 0, "Not helpful at all."),
    (("that's not what I asked",), 1, "hmm"),
]


@pytest.mark.parametrize(("earlier", "clicks", "message"), FAILURE_CASES)
def test_not_helpful_twice_escalates(earlier: tuple[str, ...], clicks: int, message: str) -> None:
    decision = run(message, earlier_messages=earlier, not_helpful_clicks=clicks)
    assert (decision.action, decision.category) == (Action.ESCALATE, Category.REPEATED_FAILURE)


def test_ten_unresolved_turns_offer_a_human() -> None:
    earlier = tuple(f"question number {n} about delivery option {n}" for n in range(9))
    decision = run("and what about gift wrapping?", earlier_messages=earlier)
    assert (decision.action, decision.category) == (Action.OFFER, Category.REPEATED_FAILURE)
    assert run("thanks", visitor_turns=12, resolved=True).action is Action.RESPOND


# --- VIP plans --------------------------------------------------------------------------------


def test_vip_with_a_complex_issue_skips_the_bot() -> None:
    enterprise = POLICY.plan_named("Enterprise")
    decision = run("I want to dispute a $50 charge on my last invoice.", plan=enterprise)
    # The underlying issue keeps its name; the plan gives the queue and the priority.
    assert (decision.action, decision.category) == (Action.ESCALATE, Category.BILLING_DISPUTE)
    assert (decision.priority, decision.target_queue) == (Priority.URGENT, "vip")
    assert decision.reasons[0].signal == "plan"


def test_vip_with_a_simple_question_still_gets_the_bot() -> None:
    assert run("Where is my order?", plan=POLICY.plan_named("VIP")).action is Action.RESPOND


SECURITY = "Someone hacked my account and changed my password."
# A legal question, not a threat (a threat is a sensitive topic: the specialists take it).
LEGAL = "Is your returns policy compliant with EU consumer law?"
BILLING = "I want to dispute a $50 charge on my last invoice."


@pytest.mark.parametrize(
    ("message", "categories", "priority", "skips"),
    [
        # The plan's own categories skip the bot, at the plan's priority, in its queue.
        (BILLING, ("billing_dispute",), Priority.URGENT, True),
        (BILLING, ("billing_dispute",), Priority.HIGH, True),
        (LEGAL, ("legal",), Priority.URGENT, True),
        # Other categories do not: the bot answers a small billing question as for anyone.
        (BILLING, ("legal",), Priority.URGENT, False),
        (BILLING, (), Priority.URGENT, False),
    ],
)
def test_a_vip_plan_skips_the_bot_for_its_own_categories(
    message: str, categories: tuple[str, ...], priority: Priority, skips: bool
) -> None:
    gold = Plan(
        name="Gold",
        vip=True,
        skip_ai_categories=categories,
        dedicated_queue="gold",
        priority=priority,
    )
    decision = run(message, plan=gold)
    if skips:
        assert (decision.action, decision.target_queue) == (Action.ESCALATE, "gold")
        assert decision.priority is priority
        assert decision.reasons[0].rule == "skip_ai_categories"
    else:
        assert all(reason.signal != "plan" for reason in decision.reasons)


def test_a_vip_security_issue_is_urgent_in_the_vip_queue() -> None:
    decision = run(SECURITY, plan=POLICY.plan_named("vip"))
    assert (decision.action, decision.category) == (Action.ESCALATE, Category.SECURITY)
    assert (decision.priority, decision.target_queue) == (Priority.URGENT, "vip")


def test_non_vip_plan_is_treated_normally() -> None:
    pro = POLICY.plan_named("Pro")
    decision = run("I want to dispute a $50 charge on my last invoice.", plan=pro)
    assert decision.action is Action.RESPOND


# --- the Decision itself ----------------------------------------------------------------------


def test_decision_explains_itself_in_one_sentence() -> None:
    decision = run("My account was hacked and I'm furious, this is unacceptable!!!")
    sentence = decision.explain()
    assert sentence.count(". ") == 0 and sentence.endswith(".")
    assert "security" in sentence and "hacked" in sentence
    assert decision.reasons[0].rule == "security_concern"
    assert {reason.signal for reason in decision.reasons} >= {"security", "sentiment"}


def test_decision_carries_what_the_handoff_needs() -> None:
    decision = run(
        "I was charged $150 twice for order 00123842, email me at jo@example.com",
        bot_answers=(BotAnswer("Refunds take 5 days.", 0.7),),
    )
    stored = decision.to_dict()
    assert stored["category"] == "billing_dispute"
    assert stored["entities"]["order_numbers"] == ["00123842"]
    assert stored["entities"]["amounts"][0]["amount"] == 150.0
    assert stored["entities"]["emails"] == ["jo@example.com"]
    assert set(stored["sentiment"]["breakdown"]) >= {"vader", "profanity", "caps", "sarcasm"}
    assert stored["signals"]["amount"] == 150.0


def test_decide_is_deterministic() -> None:
    snapshot = Snapshot(message="I was charged twice, this is ridiculous!!")
    assert decide(snapshot, POLICY, NOW) == decide(snapshot, POLICY, NOW)
