"""Billing disputes: the trained classifier finds them, the spec's threshold decides.

The sentences are written for these tests (not taken from any data set): each is a shop
visitor contesting a charge, or a routine question about prices and fees that must not read
as one.
"""

import pytest

from escalation.engine import Decision, Snapshot, decide
from escalation.model_store import shipped_model
from escalation.policy import Action, Category, Policy
from escalation.signals.entities import MAX_AMOUNTS, Money, disputed_amount, find_amounts
from escalation.signals.text import prepare
from tests.unit.escalation.test_engine_spec_cases import NOW

POLICY = Policy.default().with_classifier(shipped_model())


def run(message: str) -> Decision:
    return decide(Snapshot(message=message), POLICY, NOW)


DISPUTES = [
    "I was charged twice for the same order",
    "you billed my card again after I cancelled my subscription",
    "You charged me for express shipping that I never selected",
    "why did you take money for an order that was cancelled??",
    "I returned the boots weeks ago and still got charged for them",
    "the amount you charged is more than the price at checkout",
    "I want to dispute a charge on my credit card from your store",
    "Your site charged me for express shipping that I never chose",
]

NOT_DISPUTES = [
    "What are these shipping fees?",
    "Is there a fee for paying with PayPal?",
    "How much is express delivery to Ireland?",
    "Can I pay for my order in two parts?",
    "Can you send me the invoice for my last order?",
    "Do you accept Apple Pay?",
    "I love this lamp, which is only $120",
    "The coat was only $120, is it still on sale?",
    "Got the $450 invoice, thanks, all correct.",
]


@pytest.mark.parametrize("message", DISPUTES)
def test_disputes_are_found_and_a_person_is_at_least_offered(message: str) -> None:
    decision = run(message)
    assert decision.category == Category.BILLING_DISPUTE, decision.explain()
    assert decision.action in (Action.OFFER, Action.ESCALATE)


@pytest.mark.parametrize("message", NOT_DISPUTES)
def test_routine_questions_about_prices_and_fees_are_not_disputes(message: str) -> None:
    decision = run(message)
    assert decision.signals["billing_dispute"] is None, decision.explain()
    assert decision.action is Action.RESPOND


@pytest.mark.parametrize(
    "message", ["My package was stolen from my porch", "is this a real or fake product?"]
)
def test_a_stolen_parcel_or_a_fake_product_is_no_urgent_security_case(message: str) -> None:
    assert run(message).action is not Action.ESCALATE


def test_a_dispute_explains_itself_with_the_words_that_showed_it() -> None:
    reason = run("I was charged twice for the same order").reasons[0]
    assert reason.signal == "billing_dispute"
    assert "billing dispute" in reason.text and "'" in reason.text


def test_a_dispute_with_no_amount_offers_a_human() -> None:
    decision = run("You charged me for express shipping that I never selected")
    assert (decision.action, decision.category) == (Action.OFFER, Category.BILLING_DISPUTE)


# --- the disputed amount ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "disputed", "action"),
    [
        # the shortfall, not the sum asked for: $80 is within the $100 threshold
        ("I was only given $20 after trying to withdraw $100", 80.0, Action.RESPOND),
        ("I asked for $500 at the ATM but only got $100", 400.0, Action.ESCALATE),
        # charged too much: the difference between what was charged and what was quoted
        ("I was charged $350 instead of the $50 I was quoted", 300.0, Action.ESCALATE),
        ("You charged me $140 instead of $90 for the jacket", 50.0, Action.RESPOND),
        # charged twice: the sum charged twice, not twice the sum
        ("I was charged $150 twice for one order", 150.0, Action.ESCALATE),
        ("I was charged $60 twice for one order", 60.0, Action.RESPOND),
        # spelled out, a pound is £1 like "£1": within the threshold
        ("I was overcharged a pound on my last bill", 1.0, Action.RESPOND),
        ("You overcharged me two hundred dollars", 200.0, Action.ESCALATE),
    ],
)
def test_the_disputed_amount_meets_the_threshold(
    message: str, disputed: float, action: Action
) -> None:
    decision = run(message)
    assert decision.category == Category.BILLING_DISPUTE
    assert decision.signals["amount"] == disputed
    assert decision.action is action


def test_two_sums_without_a_contrast_dispute_the_largest() -> None:
    amounts = (Money(20.0, "USD", "$20"), Money(100.0, "USD", "$100"))
    text = prepare("I have two charges, $20 and $100, from the same shop")
    assert disputed_amount(amounts, text) == amounts[1]


def test_a_shortfall_reads_the_difference_and_says_so() -> None:
    amounts = (Money(20.0, "USD", "$20"), Money(100.0, "USD", "$100"))
    money = disputed_amount(amounts, prepare("only got $20 of the $100 I asked for"))
    assert money is not None and money.amount == 80.0 and "$20" in money.text


def test_sums_in_different_currencies_are_not_subtracted() -> None:
    amounts = (Money(120.0, "EUR", "€120"), Money(100.0, "USD", "$100"))
    assert disputed_amount(amounts, prepare("charged €120 instead of $100")) == amounts[0]


# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "amount", "currency"),
    [
        ("a pound", 1.0, "GBP"),
        ("one dollar", 1.0, "USD"),
        ("twenty-five dollars", 25.0, "USD"),
        ("a hundred quid", 100.0, "GBP"),
        ("three thousand euros", 3000.0, "EUR"),
    ],
)
def test_spelled_out_amounts(written: str, amount: float, currency: str) -> None:
    text = prepare(f"I was charged {written} yesterday")
    (money,) = find_amounts(text.lower, text.words)
    assert (money.amount, money.currency) == (amount, currency)


@pytest.mark.parametrize(
    "message", ["a pound of flour", "the pound sign", "a dollar amount", "ten pounds heavier"]
)
def test_weights_and_symbols_are_not_amounts(message: str) -> None:
    text = prepare(message)
    assert find_amounts(text.lower, text.words) == ()


def test_a_number_is_read_whole_at_the_edge_of_its_window() -> None:
    # "$100" must not also yield "$1" from a window cut through it
    assert [m.amount for m in find_amounts("atm only gave me $20 instead of $100")] == [20.0, 100.0]


def test_a_paste_of_amounts_is_capped() -> None:
    assert len(find_amounts("$1 " * 700)) == MAX_AMOUNTS
