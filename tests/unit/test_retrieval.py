"""The BM25 index and its question parsing, on the demo knowledge base (no DB)."""

from __future__ import annotations

import json

import pytest

from conversations.assistant.benchmark import synthetic_docs
from conversations.assistant.knowledge_base import DEMO_KB_PATH, load_article_docs
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex, stem, tokenize

SLUG_BY_ID = {
    position: record["slug"]
    for position, record in enumerate(json.loads(DEMO_KB_PATH.read_text()), start=1)
}


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex.build(load_article_docs())


def top_slug(index: KnowledgeIndex, question: str) -> str | None:
    hits = index.search(question, limit=1)
    return SLUG_BY_ID[hits[0].doc.id] if hits else None


# Customer phrasings, deliberately not the articles' titles.
RANKING_CASES = [
    ("I'd like to buy a few things, how does checkout work?", "place-an-order"),
    ("What does it mean when my order status says Packed?", "track-your-order"),
    ("I forgot to add a pillowcase to the order I just placed", "change-an-order"),
    ("Please stop my order, I don't want it anymore", "cancel-an-order"),
    ("Will I pay a penalty for cancelling a personalised towel order?", "cancellation-fees"),
    ("I paid but never got an email with my order number", "order-confirmation-missing"),
    ("when can I expect my items to arrive", "delivery-times"),
    ("How much is shipping on a $50 order?", "shipping-costs"),
    ("Do you deliver to Germany?", "international-shipping"),
    ("Can I pick up my order at a UPS location?", "delivery-options"),
    ("my parcel never turned up, it's been 2 weeks", "late-or-lost-package"),
    ("I gave the wrong address for the order I placed this morning", "change-delivery-address"),
    ("where do I enter a new shipping address for next time", "saved-addresses"),
    ("My card's billing address changed after I moved", "billing-address"),
    ("Are sale items refundable?", "return-policy"),
    ("Do I need a printer to send an item back?", "how-to-return"),
    ("I sent it back two weeks ago and my refund still hasn't arrived", "refund-status"),
    ("These trousers are too small, can I swap them for a larger size?", "exchanges"),
    ("The plate arrived broken", "damaged-or-wrong-item"),
    ("Where can I get a PDF of my invoice?", "invoices"),
    ("I need our VAT number added to the invoice", "correct-an-invoice"),
    ("Do you take Amex or Apple Pay?", "payment-methods"),
    ("Why does my bank keep refusing the payment?", "payment-declined"),
    ("I see two charges for the same order on my statement", "payment-problems"),
    ("How do I make an account?", "create-an-account"),
    ("The sign-up form keeps showing an error", "sign-up-problems"),
    ("How do I update my phone number on my profile?", "edit-account-details"),
    ("Please remove my account and all my data", "close-your-account"),
    ("How do I go back to the free plan?", "switch-account-or-plan"),
    ("The password reset link doesn't work", "reset-password"),
    ("I think my account was hacked", "recover-your-account"),
    ("How do I stop the weekly marketing emails?", "newsletter"),
    ("Where can I rate a product I bought?", "reviews-and-feedback"),
    ("Are you open on Saturdays?", "customer-service-hours"),
    ("Is there a number I can call?", "contact-us"),
    ("I want to lodge a complaint", "complaints"),
    ("Where do I enter a promo code?", "discount-codes-and-gift-cards"),
]


@pytest.mark.parametrize(("question", "expected_slug"), RANKING_CASES)
def test_the_right_article_ranks_first(
    index: KnowledgeIndex, question: str, expected_slug: str
) -> None:
    assert top_slug(index, question) == expected_slug


@pytest.mark.parametrize(
    ("question", "expected_slug"),
    [
        ("i want asistance to cancel purchase 732201349959", "cancel-an-order"),
        ("shippinh to Spain", "international-shipping"),
        ("i need help with the newslettre", "newsletter"),
        ("where can i see theorder status", "track-your-order"),
    ],
)
def test_typos_and_run_together_words_still_find_the_article(
    index: KnowledgeIndex, question: str, expected_slug: str
) -> None:
    assert top_slug(index, question) == expected_slug


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("orders", "order"),
        ("shipping", "ship"),
        ("shipped", "ship"),
        ("cancelled", "cancel"),
        ("cancelling", "cancel"),
        ("cancellation", "cancel"),
        ("addresses", "address"),
        ("address", "address"),
        ("status", "status"),
        ("policies", "policy"),
        ("changes", "chang"),
        ("changing", "chang"),
        ("saved", "save"),
        ("using", "use"),
        ("boxes", "box"),
        ("fill", "fill"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my ORDER 732201349959?", ["wher", "order"]),
        ("where the hell is my damn order", ["wher", "order"]),
        ("wheres my stuff", ["wher", "order"]),
        ("how do i send this junk back", ["return"]),
        ("how do i get rid of my account", ["delet", "account"]),
        ("stop sending me emails", ["unsubscrib"]),
        ("how do i write c++", ["writ", "c++"]),
        ("I need help to track my parcel", ["track", "packag"]),
        ("delivery address", ["ship", "address"]),
        ("I want a reimbursement", ["refund"]),
        ("can I get my money back", ["refund"]),
        ("how do I sign up for an e-mail", ["signup", "email"]),
        ("the bill from Mr. Jones", ["invoic"]),
        ("what's the damn status", ["status"]),
        ("", []),
    ],
)
def test_tokenize(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_parse_repairs_typos_drops_filler_and_keeps_unknown_words(index: KnowledgeIndex) -> None:
    parsed = index.parse("uhelp me with my acount, I want to bake sourdough")

    assert "account" in parsed.terms
    assert parsed.corrected["acount"] == "account"
    assert parsed.unknown_terms == {"bake", "sourdough"}
    assert "uhelp" not in parsed.terms


def test_unknown_dates_are_details_not_unknown_topics(index: KnowledgeIndex) -> None:
    assert index.parse("invoices from June").unknown_terms == frozenset()


def test_search_orders_by_score_and_respects_the_limit(index: KnowledgeIndex) -> None:
    hits = index.search("refund for a returned item", limit=4)

    assert len(hits) == 4
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert {"refund", "return", "item"} >= hits[0].matched_terms > frozenset()


def test_nothing_matches_when_no_word_is_known(index: KnowledgeIndex) -> None:
    assert index.search("how do I bake sourdough") == []
    assert index.search("") == []


def test_an_empty_index_answers_nothing() -> None:
    empty = KnowledgeIndex.build([])

    assert len(empty) == 0
    assert empty.search("where is my order") == []


def test_title_words_outweigh_words_common_to_every_body() -> None:
    docs = [
        ArticleDoc(1, "Changing your account details", "Change your name or email. " * 5),
        ArticleDoc(2, "Changing an order", "You can change an order within an hour."),
        ArticleDoc(3, "Tracking an order", "Your order status is shown in your account."),
    ]
    index = KnowledgeIndex.build(docs)

    assert index.search("change my order", limit=1)[0].doc.id == 2
    assert index.search("change my account", limit=1)[0].doc.id == 1


def test_the_demo_articles_still_win_among_200() -> None:
    """Its speed is measured by `python -m conversations.assistant.benchmark`, not here."""
    index = KnowledgeIndex.build(synthetic_docs(200))

    assert len(index) == 200
    assert index.search("where is my parcel")[0].doc.title == (
        "My package is late, missing or marked delivered"
    )
    assert index.search("how do I return a sweater")[0].doc.title == "How to return an item"
    assert index.search("cancel order 12345")[0].doc.title == "Cancelling an order"
