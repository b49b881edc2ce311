"""The pure escalation engine: `decide(snapshot, policy, now) -> Decision`.

It imports no Django, Redis or OpenAI, reads no clock and keeps no state: the conversation
snapshot, the policy and `now` come in, a Decision with its reasons goes out. The caller
calls it twice per visitor message: before the bot answers (`snapshot.confidence` None: the
pre-answer triggers) and after (`snapshot.with_answer(confidence)`: the confidence bands too).

Every trigger that fires becomes an outcome: a rule of the spec's (the request grammar,
amounts, order age, failures, confidence bands, the sentiment score) or a trained classifier
from `policy.classifier` (frustration, security, billing disputes, legal, exceptions,
sensitive topics, implicit requests). The strongest action wins (escalate >
acknowledge_offer > offer > respond_check > respond); the most specific issue found names the
category and queue whatever tipped the decision over (so "$150 dispute, and I'm furious" is a
billing dispute, not a mood), at the highest priority among the triggers that act. All
outcomes are kept as reasons, the issue's first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any

from escalation.policy import (
    COMPLEX_CATEGORIES,
    Action,
    Category,
    Plan,
    Policy,
    Priority,
    Rule,
    SensitiveTopic,
)
from escalation.signals import complexity
from escalation.signals.classifier import LabelScore, LabelThresholds, TriageScores, topic_of
from escalation.signals.entities import (
    Entities,
    Money,
    disputed_amount,
    extract_entities,
    find_amounts,
)
from escalation.signals.explicit import declines_human, detect_human_request
from escalation.signals.failures import (
    NO_CONTENT_IN_A_ROW,
    no_content_streak,
    not_helpful_count,
    same_question_count,
)
from escalation.signals.patterns import find_phrase
from escalation.signals.sentiment import Sentiment, score_sentiment
from escalation.signals.text import Text, cap, prepare_cached

SignalValue = str | float | int | bool | None

# Failure counters read this many of the latest earlier messages: enough for "10 turns",
# and a bound on the cost of a very long conversation.
HISTORY_LIMIT = 20

_ACTION_RANK = {
    Action.RESPOND: 0,
    Action.RESPOND_CHECK: 1,
    Action.OFFER: 2,
    Action.ACKNOWLEDGE_OFFER: 3,
    Action.ESCALATE: 4,
}
_PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}
# Rule-less triggers rank after the default rules (security 10 ... multi-step 90): a named
# issue tells the agent more than the mood or the confidence that came with it.
_VIP_ORDER, _SENTIMENT_ORDER, _FAILURE_ORDER, _CONFIDENCE_ORDER = 0, 92, 95, 100
# A mildly negative lexicon score offers a person only with this much classifier support.
MILD_SENTIMENT_SUPPORT = 0.5


@dataclass(frozen=True)
class BotAnswer:
    """One earlier bot answer: the AI's attempt, shown to the agent on handoff."""

    text: str
    confidence: float | None = None


@dataclass(frozen=True)
class Snapshot:
    """What the engine knows about a conversation when a visitor message arrives."""

    message: str  # the visitor message being decided on
    earlier_messages: tuple[str, ...] = ()  # the visitor's earlier messages, oldest first
    bot_answers: tuple[BotAnswer, ...] = ()  # the bot's earlier answers, oldest first
    confidence: float | None = None  # the bot's confidence in its answer to `message`;
    # None before the bot has answered (pre-answer evaluation)
    helpful_clicks: int = 0  # "Did this help? Yes" clicks in this conversation
    not_helpful_clicks: int = 0  # "... No" clicks in this conversation
    visitor_turns: int = 0  # visitor messages so far, this one included; 0 = count them
    resolved: bool = False  # the visitor's issue is marked resolved
    plan: Plan | None = None  # the customer's plan; None for anonymous visitors
    order_date: date | None = None  # date of the order discussed, if the caller looked it up

    @property
    def turns(self) -> int:
        return max(self.visitor_turns, len(self.earlier_messages) + 1)

    def with_answer(self, confidence: float) -> Snapshot:
        """The same snapshot after the bot answered with `confidence`."""
        return replace(self, confidence=confidence)


@dataclass(frozen=True)
class Reason:
    """One fired trigger, enough to explain it in a sentence."""

    signal: str  # what was measured: "explicit_request", "sentiment", "confidence", ...
    value: SignalValue  # what it measured: the words matched, the score, the count
    rule: str  # what fired: a Rule.key, or a Thresholds field name
    threshold: SignalValue  # the limit the value was compared with, if any
    text: str  # the sentence: "billing dispute of $150 is over the 100 threshold"


@dataclass(frozen=True)
class Decision:
    """What to do with the message, why, and what the handoff card needs."""

    action: Action
    category: str
    priority: Priority
    target_queue: str  # the queue a human comes from (for offers: if the visitor accepts)
    reasons: tuple[Reason, ...]  # every trigger that fired, the deciding one first
    sentiment: Sentiment  # score and breakdown, for the handoff card
    signals: Mapping[str, SignalValue] = field(default_factory=dict)  # raw signal values
    text: Text | None = field(default=None, repr=False, compare=False)  # the message read
    amounts: tuple[Money, ...] | None = field(default=None, repr=False, compare=False)
    # A sensitive topic (SensitiveTopic) when the category is `sensitive`: its response
    # protocol applies, and the bot stays silent in the conversation from then on.
    sensitive_topic: str = ""
    # The triage model version whose classifiers were read ("" when none was: a button, a
    # failed turn); stored with the decision so every verdict traces back to its model.
    model_version: str = field(default="", compare=False)

    @cached_property
    def entities(self) -> Entities:
        """Order numbers, amounts, emails, ... for the handoff card. Extracted on first use:
        only handoffs need them, so the messages the bot answers never pay for it."""
        return extract_entities(self.text, self.amounts) if self.text else Entities()

    @property
    def escalates(self) -> bool:
        return self.action is Action.ESCALATE

    @property
    def offers_human(self) -> bool:
        return self.action in (Action.OFFER, Action.ACKNOWLEDGE_OFFER)

    def explain(self) -> str:
        """One sentence: what to do, where, and the deciding reason."""
        head = _ACTION_WORDS[self.action]
        if self.action is not Action.RESPOND and self.action is not Action.RESPOND_CHECK:
            head += f" from the {self.target_queue} queue ({self.priority} priority)"
        others = len(self.reasons) - 1
        tail = f" (and {others} more signal{'s' if others > 1 else ''})" if others > 0 else ""
        return f"{head}: {self.reasons[0].text}{tail}."

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values for storing on the Escalation record."""
        return {
            "action": str(self.action),
            "category": self.category,
            "priority": str(self.priority),
            "target_queue": self.target_queue,
            "sensitive_topic": self.sensitive_topic,
            "reasons": [vars(reason).copy() for reason in self.reasons],
            "explanation": self.explain(),
            "sentiment": self.sentiment.to_dict(),
            "entities": self.entities.to_dict(),
            "signals": dict(self.signals),
            "model_version": self.model_version,
        }


_ACTION_WORDS = {
    Action.RESPOND: "Let the bot respond",
    Action.RESPOND_CHECK: 'Respond and ask "Did this help?"',
    Action.OFFER: "Respond and offer a human",
    Action.ACKNOWLEDGE_OFFER: "Acknowledge the frustration and offer a human",
    Action.ESCALATE: "Escalate to a human",
}

DecideFunction = Callable[[Snapshot], Decision]


@dataclass(frozen=True)
class _Outcome:
    action: Action
    category: str
    priority: Priority
    queue: str
    order: int
    reason: Reason
    tentative: bool = False  # a classifier between its offer and escalation thresholds
    probability: float = 0.0  # a tentative outcome's: the likelier of two guesses names it
    topic: str = ""  # a sensitive outcome's SensitiveTopic

    @property
    def rank(self) -> tuple[int, bool, float, int]:
        return _ACTION_RANK[self.action], not self.tentative, self.probability, -self.order


@dataclass
class _Reading:
    """One message being read: its inputs, and the signal values recorded so far."""

    text: Text
    snapshot: Snapshot
    policy: Policy
    today: date
    signals: dict[str, SignalValue] = field(default_factory=dict)
    found_amounts: tuple[Money, ...] | None = None  # read only when a rule needs them
    scores: TriageScores | None = None  # the trained classifiers' scores, if the policy has them

    def amounts(self) -> tuple[Money, ...]:
        if self.found_amounts is None:
            self.found_amounts = find_amounts(self.text.lower, self.text.words)
        return self.found_amounts


def decide(snapshot: Snapshot, policy: Policy, now: datetime) -> Decision:
    """Decide what happens with the visitor's message; pure and deterministic."""
    text = prepare_cached(cap(snapshot.message))  # keyed on the capped text: bounded memory
    reading = _Reading(text, snapshot, policy, _as_date(now))
    sentiment = score_sentiment(reading.text)
    if policy.classifier is not None:
        reading.scores = policy.classifier.score(text, sentiment)
    outcomes = [
        *_rule_outcomes(reading),
        *_sentiment_outcomes(reading, sentiment),
        *_failure_outcomes(reading),
        *_confidence_outcomes(reading),
    ]
    outcomes += _vip_outcomes(reading, outcomes)
    return _decision(reading, outcomes, sentiment)


def _as_date(now: datetime | date) -> date:
    return now.date() if isinstance(now, datetime) else now


def _decision(reading: _Reading, outcomes: list[_Outcome], sentiment: Sentiment) -> Decision:
    """The strongest action wins; the most specific issue found names the category and
    the queue, whatever tipped it over (confidence, mood, failures, a request for a person),
    at the highest priority among the triggers that act."""
    policy, plan = reading.policy, reading.snapshot.plan
    ranked = sorted(outcomes, key=lambda outcome: outcome.rank, reverse=True)
    winner = ranked[0] if ranked else _no_trigger(policy)
    acting = [o for o in ranked if o.action is winner.action] or [winner]
    issue = _named_issue(ranked)
    if issue is not None and _ACTION_RANK[winner.action] >= _ACTION_RANK[Action.OFFER]:
        acting.append(issue)
        category, queue = issue.category, issue.queue
        reasons = [issue.reason, *(o.reason for o in ranked if o is not issue)]
    else:
        category, queue = winner.category, winner.queue
        reasons = [o.reason for o in ranked]
    priority = max((o.priority for o in acting), key=_PRIORITY_RANK.__getitem__)
    # Only sensitive outcomes carry a topic; a sure one makes the decision a sensitive topic.
    topic = issue.topic if issue is not None and not issue.tentative else ""
    upset = any(o.category == Category.NEGATIVE_SENTIMENT for o in ranked)
    if winner.action is Action.ESCALATE and upset:  # emotions run high: a person comes sooner
        priority = max(priority, Priority.HIGH, key=_PRIORITY_RANK.__getitem__)
    if plan is not None and plan.vip and plan.dedicated_queue and winner.action is Action.ESCALATE:
        queue = queue if topic else plan.dedicated_queue  # a sensitive topic: the specialists
    return Decision(
        action=winner.action,
        category=category,
        priority=priority,
        target_queue=queue,
        reasons=tuple(reasons) or (winner.reason,),
        sentiment=sentiment,
        signals=reading.signals,
        text=reading.text,
        amounts=reading.found_amounts,
        sensitive_topic=topic if winner.action is Action.ESCALATE else "",
        model_version=policy.classifier.version if policy.classifier is not None else "",
    )


def _named_issue(ranked: list[_Outcome]) -> _Outcome | None:
    """The most specific issue among the outcomes (lowest rule order): billing, security,
    legal, sensitive, exceptions... rather than the mood or confidence that came with it.
    A sensitive topic the classifier is sure of comes first, whatever its rule's order: it
    decides how the whole conversation is handled (specialists, its protocol, no bot).

    A classifier that is only fairly sure (its offer band) names the issue only when the bot
    could not answer (low confidence): then the team that knows the topic is the best guess
    ("I'm going to do a chargeback" -> billing), but an angry visitor is not sent to the
    legal queue on a hunch."""
    issues = [o for o in ranked if o.category in COMPLEX_CATEGORIES]
    sure = [o for o in issues if not o.tentative]
    if sure:
        return min(sure, key=lambda o: (not o.topic, o.order))  # topics: sensitive outcomes'
    if issues and ranked[0].category == Category.LOW_CONFIDENCE:
        return max(issues, key=lambda o: o.probability)
    return None


def _no_trigger(policy: Policy) -> _Outcome:
    reason = Reason("none", None, "", None, "no escalation trigger fired")
    return _Outcome(Action.RESPOND, Category.NONE, Priority.NORMAL, policy.default_queue, 0, reason)


# --- rules -----------------------------------------------------------------------------------


def _rule_outcomes(reading: _Reading) -> Iterator[_Outcome]:
    for rule in reading.policy.active_rules():
        read = _RULE_READERS.get(rule.category, _read_category_rule)
        outcome = read(reading, rule)
        if outcome is not None:
            yield outcome


def _from_rule(rule: Rule, reason: Reason, action: Action | None = None) -> _Outcome:
    """The rule's outcome, with `action` overriding the rule's where the trigger is graded."""
    return _Outcome(
        action=action or rule.action,
        category=rule.category,
        priority=rule.priority,
        queue=rule.target_queue,
        order=rule.order,
        reason=reason,
    )


def _read_human_request(reading: _Reading, rule: Rule) -> _Outcome | None:
    """The spec's explicit request (a grammar with negation), else the trained classifier
    for implicit ones ("is there anyone real I can talk to")."""
    found = detect_human_request(reading.text, rule.phrases)
    reading.signals["explicit_request"] = found
    if found is not None:
        text = f'the visitor asked for a human ("{found}")'
        return _from_rule(rule, Reason("explicit_request", found, rule.key, None, text))
    if declines_human(reading.text):
        reading.signals["declines_human"] = True
        return None
    return _classified_outcome(reading, rule, "human_request", "the visitor wants a person")


def _read_billing_dispute(reading: _Reading, rule: Rule) -> _Outcome | None:
    """Over the threshold: the rule's action. At or under it: the bot handles it, as the
    spec says. No amount stated: the bot answers and offers a human, since the size of the
    dispute is unknown and a human can look it up. A classifier that is only fairly sure
    (its offer band) never escalates: a price mentioned in passing is no dispute."""
    found, sure, probability = _rule_phrase(reading, rule), True, 1.0
    if found is None:
        classified = _classifier_reading(reading, "billing_dispute")
        if classified is not None and classified.offers:
            found, sure = classified.score.explain(), classified.sure
            probability = classified.probability
    reading.signals["billing_dispute"] = found
    if found is None:
        return None
    money = disputed_amount(reading.amounts(), reading.text)
    reading.signals["amount"] = money.amount if money else None
    limit = rule.amount_threshold
    if limit is None:
        text = f"billing dispute ({found})"
        return _from_rule(rule, Reason("billing_dispute", found, rule.key, None, text))
    if money is not None and money.amount <= limit:
        text = (
            f"billing dispute of {money.text} is within the {money.currency} {limit:g} "
            "threshold: the bot handles it"
        )
        reason = Reason("amount", money.amount, rule.key, limit, text)
        return _from_rule(rule, reason, Action.RESPOND)
    if money is None or not sure:
        stated = f"of {money.text}" if money else "with no amount stated"
        kind = "billing dispute" if sure else "possible billing dispute"
        text = f"{kind} {stated} ({found}), so a human is offered"
        reason = Reason("billing_dispute", found, rule.key, limit, text)
        offer = _from_rule(rule, reason, Action.OFFER)
        return offer if sure else replace(offer, tentative=True, probability=probability)
    text = f"billing dispute of {money.text} is over the {money.currency} {limit:g} threshold"
    return _from_rule(rule, Reason("amount", money.amount, rule.key, limit, text))


def _read_refund(reading: _Reading, rule: Rule) -> _Outcome | None:
    found = complexity.detect_refund_request(reading.text) or _rule_phrase(reading, rule)
    reading.signals["refund_request"] = found
    if found is None:
        return None
    age = complexity.order_age_days(reading.text, reading.today, reading.snapshot.order_date)
    reading.signals["order_age_days"] = age
    limit = rule.order_age_days
    if limit is None:
        text = f'refund request ("{found}")'
        return _from_rule(rule, Reason("refund_request", found, rule.key, None, text))
    if age is None or age <= limit:
        return None
    text = f"refund requested for an order {age} days old, past the {limit}-day policy"
    return _from_rule(rule, Reason("order_age_days", age, rule.key, limit, text))


# Categories read by a trained classifier (plus the rule's own keywords).
_CLASSIFIED: dict[str, tuple[str, str]] = {
    Category.SECURITY: ("security", "account security concern"),
    Category.LEGAL: ("legal", "legal or compliance matter"),
    Category.POLICY_EXCEPTION: ("policy_exception", "request for an exception to policy"),
}
# Categories read by a rule of the spec's kind (a grammar, not a phrase list).
_DETECTORS: dict[str, tuple[Callable[[Text], str | None], str]] = {
    Category.TECHNICAL: (complexity.detect_technical, "technical issue needing system access"),
    Category.MULTI_STEP: (complexity.detect_multi_step, "multi-step process with dependencies"),
}


def _read_category_rule(reading: _Reading, rule: Rule) -> _Outcome | None:
    """The rule's own keywords first (an operator's domain words), then the category's
    classifier or detector."""
    phrase = _rule_phrase(reading, rule)
    if phrase is not None:
        reading.signals[rule.category] = phrase
        text = f'{rule.name or rule.category} (keyword "{phrase}")'
        return _from_rule(rule, Reason(rule.category, phrase, rule.key, None, text))
    if rule.category in _CLASSIFIED:
        label, description = _CLASSIFIED[rule.category]
        return _classified_outcome(reading, rule, label, description)
    detector, description = _DETECTORS.get(rule.category, (None, rule.name))
    found = detector(reading.text) if detector else None
    reading.signals[rule.category] = found
    if found is None:
        return None
    text = f'{description} ("{found}")'
    return _from_rule(rule, Reason(rule.category, found, rule.key, None, text))


def _read_sensitive(reading: _Reading, rule: Rule) -> _Outcome | None:
    """The spec's sensitive topics: the rule's own keywords ("other"), the trained
    classifiers (health and safety, harassment, accessibility, privacy), and legal matters
    that are one of them (a threat; a request about the visitor's own data: privacy)."""
    phrase = _rule_phrase(reading, rule)
    if phrase is not None:
        reading.signals["sensitive"] = f"other: {phrase}"
        text = f'sensitive topic (keyword "{phrase}")'
        reason = Reason("sensitive", f"other: {phrase}", rule.key, None, text)
        return replace(_from_rule(rule, reason), topic=SensitiveTopic.OTHER)
    topics = reading.scores.sensitive_topics() if reading.scores else ()
    outcomes = []
    for label in topics:
        topic = topic_of(label)
        description = f"sensitive topic, {topic.replace('_', ' and ')}"
        outcome = _classified_outcome(reading, rule, label, description)
        if outcome is not None:
            outcomes.append((outcome.rank, topic, replace(outcome, topic=topic)))
    legal = _legal_sensitive(reading, rule)
    if legal is not None:
        outcomes.append((legal.rank, legal.topic, legal))
    if not outcomes:
        reading.signals["sensitive"] = None
        return None
    _, topic, outcome = max(outcomes, key=lambda found: found[0])
    reading.signals["sensitive"] = str(topic)
    return outcome


def _legal_sensitive(reading: _Reading, rule: Rule) -> _Outcome | None:
    """A legal matter (by the `legal` classifier) that is a sensitive topic: a legal
    threat ("my lawyer will be in touch", "I'm going to sue"), or a request about the visitor's
    own data (GDPR, "delete my data": privacy). A compliance question ("is your returns policy
    legal in the EU?") stays the legal rule's."""
    legal = _classifier_reading(reading, "legal")
    if legal is None or not legal.offers:
        return None
    # A threat needs the classifier sure; "GDPR" or "delete my personal data" says enough.
    readers = (
        (SensitiveTopic.LEGAL_THREAT, complexity.detect_legal_threat, "legal threat", legal.sure),
        (SensitiveTopic.PRIVACY, complexity.detect_data_request, "privacy, a data request", True),
    )
    for topic, detect, description, confident in readers:
        found = detect(reading.text) if confident else None
        if found is not None:
            reading.signals[f"legal_{topic}"] = found
            text = f'sensitive topic, {description} ("{found}"; {legal.score.explain()})'
            reason = Reason(f"legal_{topic}", round(legal.probability, 3), rule.key, None, text)
            return replace(_from_rule(rule, reason), topic=topic)
    return None


@dataclass(frozen=True)
class _Classified:
    """A classifier's verdict on one label: its score and the label's thresholds."""

    score: LabelScore
    limits: LabelThresholds

    @property
    def probability(self) -> float:
        return self.score.probability

    @property
    def offers(self) -> bool:
        return self.score.probability >= self.limits.offer_at

    @property
    def sure(self) -> bool:
        return self.score.probability >= self.limits.escalate_at


def _classifier_reading(reading: _Reading, label: str) -> _Classified | None:
    """The label's probability (recorded as a signal) with its thresholds; None without a
    classifier. Top terms are only looked up once the offer threshold is reached."""
    scores = reading.scores
    if scores is None or label not in scores.probabilities:
        return None
    probability = scores.probability(label)
    reading.signals[f"p_{label}"] = round(probability, 3)
    limits = scores.model.threshold(label)
    if probability < limits.offer_at:
        return _Classified(LabelScore(label, probability), limits)
    return _Classified(scores.label_score(label), limits)


def _classified_outcome(
    reading: _Reading, rule: Rule, label: str, description: str
) -> _Outcome | None:
    """At or over the label's escalation threshold: the rule's action; between its offer
    and escalation thresholds: the bot answers and offers a person (tentatively)."""
    found = _classifier_reading(reading, label)
    if found is None or not found.offers:
        reading.signals.setdefault(rule.category, None)
        return None
    reading.signals[rule.category] = found.score.explain()
    limit = found.limits.escalate_at if found.sure else found.limits.offer_at
    text = f"{description} ({found.score.explain()})"
    reason = Reason(label, round(found.probability, 3), rule.key, limit, text)
    if found.sure:
        return _from_rule(rule, reason)
    offer = _from_rule(rule, reason, Action.OFFER)
    return replace(offer, tentative=True, probability=found.probability)


def _rule_phrase(reading: _Reading, rule: Rule) -> str | None:
    return find_phrase(reading.text, rule.phrases) if rule.phrases else None


_RULE_READERS: dict[str, Callable[[_Reading, Rule], _Outcome | None]] = {
    Category.HUMAN_REQUEST: _read_human_request,
    Category.BILLING_DISPUTE: _read_billing_dispute,
    Category.REFUND_EXCEPTION: _read_refund,
    Category.SENSITIVE: _read_sensitive,
}


# --- thresholds ------------------------------------------------------------------------------


def _sentiment_outcomes(reading: _Reading, sentiment: Sentiment) -> Iterator[_Outcome]:
    """The spec's score thresholds and the trained frustration classifier, together.

    A strongly negative score escalates by itself. A mildly negative one acknowledges and
    offers a person only when the classifier at least leans the same way: word lists read
    "this blender is killer" or "my bad" as negative, the classifier knows better. Over its
    offer threshold the classifier acknowledges and offers; over its escalation threshold it
    escalates when the score shows more than mild negativity."""
    thresholds, score = reading.policy.thresholds, sentiment.score
    reading.signals["sentiment"] = score
    found = _classifier_reading(reading, "negative_sentiment")
    probability = found.probability if found else 0.0
    # The classifier says whether the visitor is upset, the score how much: escalating
    # needs both ("a bit annoyed" is acknowledged, "WORST SERVICE EVER" goes to a person).
    strong = score < (thresholds.sentiment_escalate_below + thresholds.sentiment_offer_below) / 2
    if score < thresholds.sentiment_escalate_below:
        outcome = (
            Action.ESCALATE,
            "sentiment_escalate_below",
            score,
            thresholds.sentiment_escalate_below,
        )
        text = f"sentiment {score:+.2f} is below {thresholds.sentiment_escalate_below:+.2f}"
    elif found and found.sure and strong:
        outcome = (Action.ESCALATE, "negative_sentiment", probability, found.limits.escalate_at)
        text = f"strong negative sentiment ({found.score.explain()})"
    elif found and found.offers:
        outcome = (
            Action.ACKNOWLEDGE_OFFER,
            "negative_sentiment",
            probability,
            found.limits.offer_at,
        )
        text = f"negative sentiment ({found.score.explain()})"
    elif score < thresholds.sentiment_offer_below and probability >= MILD_SENTIMENT_SUPPORT:
        outcome = (
            Action.ACKNOWLEDGE_OFFER,
            "sentiment_offer_below",
            score,
            thresholds.sentiment_offer_below,
        )
        text = f"sentiment {score:+.2f} is below {thresholds.sentiment_offer_below:+.2f}"
    else:
        return
    action, rule, value, limit = outcome
    priority = Priority.HIGH if action is Action.ESCALATE else Priority.NORMAL
    reason = Reason("sentiment", round(value, 3), rule, limit, text)
    yield _Outcome(
        action,
        Category.NEGATIVE_SENTIMENT,
        priority,
        reading.policy.default_queue,
        _SENTIMENT_ORDER,
        reason,
    )


def _confidence_outcomes(reading: _Reading) -> Iterator[_Outcome]:
    confidence, thresholds = reading.snapshot.confidence, reading.policy.thresholds
    reading.signals["confidence"] = confidence
    if confidence is None:
        return
    if confidence > thresholds.respond_above:
        band = (Action.RESPOND, Category.NONE, "respond_above", thresholds.respond_above, "above")
    elif confidence >= thresholds.check_above:
        band = (
            Action.RESPOND_CHECK,
            Category.LOW_CONFIDENCE,
            "check_above",
            thresholds.check_above,
            "at or above",
        )
    elif confidence >= thresholds.offer_above:
        band = (
            Action.OFFER,
            Category.LOW_CONFIDENCE,
            "offer_above",
            thresholds.offer_above,
            "at or above",
        )
    else:
        band = (
            Action.ESCALATE,
            Category.LOW_CONFIDENCE,
            "offer_above",
            thresholds.offer_above,
            "below",
        )
    action, category, rule, limit, relation = band
    text = f"answer confidence {confidence:.2f} is {relation} {limit:.2f}"
    reason = Reason("confidence", confidence, rule, limit, text)
    yield _Outcome(
        action, category, Priority.NORMAL, reading.policy.default_queue, _CONFIDENCE_ORDER, reason
    )


def _failure_outcomes(reading: _Reading) -> Iterator[_Outcome]:
    snapshot, thresholds = reading.snapshot, reading.policy.thresholds
    earlier = [prepare_cached(cap(m)) for m in snapshot.earlier_messages[-HISTORY_LIMIT:]]
    repeats = same_question_count(reading.text, earlier, thresholds.same_question_similarity)
    unhelpful = not_helpful_count([*earlier, reading.text], snapshot.not_helpful_clicks)
    # "asdfgh" once gets "could you rephrase that?"; twice in a row, a person.
    no_content = no_content_streak([*earlier, reading.text])
    unresolved_turns = 0 if snapshot.resolved else snapshot.turns
    reading.signals.update(
        same_question_count=repeats,
        not_helpful_count=unhelpful,
        no_content_in_a_row=no_content,
        visitor_turns=snapshot.turns,
        helpful_clicks=snapshot.helpful_clicks,
        ai_attempts=len(snapshot.bot_answers),
    )
    checks = (
        (
            repeats,
            thresholds.same_question_count,
            "same_question_count",
            Action.ESCALATE,
            f"the same question was asked {repeats} times",
        ),
        (
            unhelpful,
            thresholds.not_helpful_count,
            "not_helpful_count",
            Action.ESCALATE,
            f'the visitor said "not helpful" {unhelpful} times',
        ),
        (
            no_content,
            NO_CONTENT_IN_A_ROW,
            "no_content_in_a_row",
            Action.ESCALATE,
            f"{no_content} messages in a row had no content",
        ),
        (
            unresolved_turns,
            thresholds.unresolved_turns,
            "unresolved_turns",
            Action.OFFER,
            f"{unresolved_turns} visitor turns without resolution",
        ),
    )
    for value, limit, rule, action, text in checks:
        if value >= limit:
            reason = Reason(rule, value, rule, limit, f"{text} (limit {limit})")
            yield _Outcome(
                action,
                Category.REPEATED_FAILURE,
                Priority.NORMAL,
                reading.policy.default_queue,
                _FAILURE_ORDER,
                reason,
            )


def _vip_outcomes(reading: _Reading, outcomes: list[_Outcome]) -> list[_Outcome]:
    """A VIP plan sends the issues of its skip-AI categories (the spec's complex and sensitive
    issues) straight to its queue at its priority (urgent by default), past the bot; the
    issue keeps its category."""
    plan = reading.snapshot.plan
    reading.signals["plan"] = plan.name if plan else None
    if plan is None or not (plan.vip and plan.skip_ai_categories):
        return []
    issue = _named_issue(outcomes)
    if issue is None or not plan.skips_ai_for(issue.category):
        return []
    text = f"the {plan.name} plan skips the bot for {issue.category.replace('_', ' ')} issues"
    reason = Reason("plan", plan.name, "skip_ai_categories", None, text)
    queue = plan.dedicated_queue or issue.queue
    return [_Outcome(Action.ESCALATE, issue.category, plan.priority, queue, _VIP_ORDER, reason)]
