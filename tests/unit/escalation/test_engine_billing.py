"""Billing disputes: the general shapes of a complaint, the disputed amount, the threshold.

The sentences are written for these tests (not taken from the evaluation data): each names
one shape of a dispute the way a customer might put it, or a routine question about fees,
rates or cash that must not read as one.
"""

import pytest

from escalation.engine import Decision, Snapshot, decide
from escalation.policy import Action, Category, Policy
from escalation.signals.billing import detect_billing_dispute, disputed_amount
from escalation.signals.entities import MAX_AMOUNTS, Money, find_amounts
from escalation.signals.text import prepare
from tests.unit.escalation.test_engine_spec_cases import NOW


def run(message: str) -> Decision:
    return decide(Snapshot(message=message), Policy.default(), NOW)


# --- the shapes of a dispute ------------------------------------------------------------------

DISPUTES = [
    # cash received short of what was asked
    "The cash machine only let me take out part of what I asked for",
    "I only got some of my money from the ATM this morning",
    "Not all of my cash came out of the machine",
    "The ATM kept half of my withdrawal",
    "My withdrawal was only partially dispensed",
    "The machine gave me too little money",
    "I asked for 80 and the machine only gave me 40",
    "The ATM took the money out of my account but never gave me the cash",
    # money taken more than once
    "My card was declined at the till but my app shows two charges",
    "There are far too many charges on my card this week",
    "Why are there three payments for one taxi ride?",
    "I paid for the concert tickets once but got billed again",
    "I only ordered the lamp once, why is it on my statement twice?",
    # a rate that is not the right one
    "You did not apply the correct exchange rate to my hotel bill",
    "The conversion rate on my purchase in yen looks way off",
    "The rate I got is worse than the official rate",
    # a charge in error, or that nobody can explain
    "I think I was charged by mistake for the gym membership",
    "Is this subscription fee an error?",
    "I have no idea why I was charged this morning",
    "There is a fee on my account that nobody told me about",
    "Your app took money from my account for no reason",
    "Can you explain this extra fee on my card?",
    # more than it should be
    "The total on my receipt is higher than the price on the shelf",
    "You charged me the full price even though it was on sale",
    "The shop took more money than it should have",
    "My refund was less than what I paid for the shoes",
    # charged regardless
    "You keep charging me for a plan I cancelled in March",
    "I was charged a late fee even though I paid on time",
]

NOT_DISPUTES = [
    "What exchange rate do you use for euros?",
    "How much is the fee for taking cash out abroad?",
    "Will I be charged extra for a second card?",
    "The ATM would not give me any cash, my card was declined",
    "The ATM didn't give me my card back",
    "I sent money to my friend but typed the wrong amount, can I cancel it?",
    "My payment was declined twice at the supermarket",
    "How many free withdrawals do I get each month?",
    "Can I pay for my order in two parts?",
    "Is there a fee for paying by card?",
]


@pytest.mark.parametrize("message", DISPUTES)
def test_general_dispute_shapes(message: str) -> None:
    assert detect_billing_dispute(prepare(message)), message


@pytest.mark.parametrize("message", NOT_DISPUTES)
def test_routine_questions_about_fees_rates_and_cash_are_not_disputes(message: str) -> None:
    assert detect_billing_dispute(prepare(message)) is None


def test_a_dispute_with_no_amount_offers_a_human() -> None:
    decision = run("There's a charge on my statement that I don't understand.")
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
