"""The signals one by one: text normalisation, amounts, entities, sentiment, profanity."""

from datetime import date

import pytest

from escalation.signals import sentiment
from escalation.signals.complexity import order_age_days
from escalation.signals.entities import extract_entities, find_amounts
from escalation.signals.explicit import detect_human_request
from escalation.signals.failures import says_not_helpful
from escalation.signals.profanity import find_profanity
from escalation.signals.sentiment import score_sentiment
from escalation.signals.text import MAX_CHARS, correct_typo, prepare

# --- text -------------------------------------------------------------------------------------


def test_prepare_normalises_case_contractions_and_clauses() -> None:
    text = prepare("Hi, I DON\u2019T need an agent!!! Order #123 - $1,200.50")
    assert text.clauses == (
        ("hi",),
        ("i", "dont", "need", "an", "agent"),
        ("order", "123"),
        ("120050",),
    )
    assert text.norm == "hi . i dont need an agent . order 123 . 120050"
    assert text.original.startswith("Hi, I DON")  # case kept for the caps signal


def test_only_the_first_2000_characters_are_read() -> None:
    text = prepare("a " * 5000 + "hacked")
    assert len(text.original) == MAX_CHARS and "hacked" not in text.words


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("somone", "someone"),
        ("speakign", "speaking"),
        ("eprson", "person"),
        ("talkint", "talking"),
        ("assistgant", "assistant"),
        ("transcation", "transaction"),
    ],
)
def test_typos_of_key_words_are_corrected(typed: str, meant: str) -> None:
    assert correct_typo(typed) == meant


@pytest.mark.parametrize("word", ["arent", "taking", "contract", "managed", "prison", "that"])
def test_real_words_are_not_corrected(word: str) -> None:
    assert correct_typo(word) == word


def test_bombs_are_capped_before_any_work() -> None:
    """Their speed is measured by `python -m escalation.benchmark`, not here."""
    for bomb in (":) " * 22000, " " * 65536, "!" * 65536, "\U0001f600" * 16384):
        text = prepare(bomb)
        assert len(text.original) <= MAX_CHARS and len(text.lower) <= MAX_CHARS
        assert -1.0 <= score_sentiment(text).score <= 1.0


# --- explicit requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("can I speak to your manager", "speak to your manager"),
        ("representative!!", "representative"),
        ("I want a real person", "want a real"),
        ("please transfer me to an agent", "transfer me to an"),
        ("could you get me a human", "get me a human"),
        ("I could not reach anyone on the phone", "reach anyone"),
    ],
)
def test_human_request_shapes(message: str, found: str) -> None:
    assert (detect_human_request(prepare(message)) or "").startswith(found.split()[0])


@pytest.mark.parametrize(
    "message",
    [
        "I don't want to talk to a human",
        "without talking to anyone",
        "my insurance agent said so",
        "did someone call me?",
        "I got an email from someone at your company",
        "are you a bot or a human?",
    ],
)
def test_not_a_human_request(message: str) -> None:
    assert detect_human_request(prepare(message)) is None


def test_rule_phrases_extend_the_detector() -> None:
    text = prepare("Please page the duty concierge.")
    assert detect_human_request(text) is None
    assert detect_human_request(text, ("duty concierge",)) == "duty concierge"


# --- amounts, dates, entities -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "amount", "currency"),
    [
        ("$150", 150.0, "USD"),
        ("150 dollars", 150.0, "USD"),
        ("€1,200.50", 1200.5, "EUR"),
        ("USD 99", 99.0, "USD"),
        ("£20", 20.0, "GBP"),
        ("500£", 500.0, "GBP"),
        ("30 pounds", 30.0, "GBP"),
    ],
)
def test_money_amounts_with_a_currency(written: str, amount: float, currency: str) -> None:
    (money,) = find_amounts(f"i was charged {written} yesterday".lower())
    assert (money.amount, money.currency) == (amount, currency)


def test_numbers_without_a_currency_are_not_amounts() -> None:
    assert find_amounts("order 12345 has 3 items, placed 2024-05-01") == ()


@pytest.mark.parametrize(
    ("message", "days"),
    [
        ("I ordered this 4 months ago and want a refund", 120),
        ("bought it 2 weeks ago", 14),
        ("I purchased it on 2025-01-01, refund please", 151),
        ("ordered on March 3rd, please refund", 90),
    ],
)
def test_order_age(message: str, days: int) -> None:
    assert order_age_days(prepare(message), date(2025, 6, 1)) == days


def test_order_age_prefers_the_known_order_date() -> None:
    text = prepare("refund please, I ordered 2 days ago")
    assert order_age_days(text, date(2025, 6, 1), order_date=date(2025, 1, 1)) == 151


def test_entities_for_the_handoff() -> None:
    entities = extract_entities(
        prepare(
            "Order #123456 and invoice INV-2024-001: I paid $150 on 03/05/2025. "
            "Reach me at jo.smith@example.com or +1 (555) 123-4567."
        )
    )
    assert entities.order_numbers == ("123456",)
    assert entities.invoice_ids == ("INV-2024-001",)
    assert [m.amount for m in entities.amounts] == [150.0]
    assert entities.emails == ("jo.smith@example.com",)
    assert entities.phones == ("+1 (555) 123-4567",)
    assert entities.dates == ("03/05/2025",)


# --- complexity -------------------------------------------------------------------------------


# --- sentiment and profanity ------------------------------------------------------------------


def test_sentiment_breakdown_sums_to_the_score() -> None:
    result = score_sentiment(prepare("This is damn ridiculous!!! FIX IT NOW"))
    assert set(result.breakdown) == {
        "vader",
        "profanity",
        "frustration",
        "sarcasm",
        "caps",
        "exclamation",
    }
    assert result.score == pytest.approx(max(-1.0, sum(result.breakdown.values())), abs=1e-3)


@pytest.mark.parametrize(
    ("message", "frustration"),
    [
        ("this is ridiculous", 0.3),
        ("this is so ridiculous", 0.4),
        ("you're useless", 0.55),
        ("I am not frustrated, just curious", 0.0),
    ],
)
def test_frustration_words_count_once_more_when_intensified_or_aimed(
    message: str, frustration: float
) -> None:
    assert score_sentiment(prepare(message)).breakdown["frustration"] == -frustration


def test_vader_is_created_once_and_lazily() -> None:
    sentiment._vader.cache_clear()
    assert sentiment._vader.cache_info().currsize == 0
    score_sentiment(prepare("I hate waiting"))
    score_sentiment(prepare("I love this"))
    assert sentiment._vader.cache_info().misses == 1


@pytest.mark.parametrize(
    ("message", "tier"),
    [
        ("my bloody order", "mild"),
        ("this is shit", "strong"),
        ("fuck you", "abusive"),
        ("you idiot", "abusive"),
        ("this stupid form", "mild"),
        ("what the f*ck", "strong"),
    ],
)
def test_profanity_tiers(message: str, tier: str) -> None:
    hits = find_profanity(prepare(message))
    assert getattr(hits, tier), hits


def test_clean_words_containing_profanity_are_not_profane() -> None:
    assert not find_profanity(prepare("Hello, I need assistance with my class schedule"))


@pytest.mark.parametrize(
    "message",
    [
        "that didn't help",
        "Not helpful.",
        "that's not what I asked",
        "you didn't answer my question",
    ],
)
def test_not_helpful_text(message: str) -> None:
    assert says_not_helpful(prepare(message))


def test_a_broken_product_is_not_feedback_on_the_bot() -> None:
    assert not says_not_helpful(prepare("my card doesn't work at the ATM"))
