"""Offline answers from the best passage: splitting, scoring, selection, length cap, wording."""

from __future__ import annotations

import pytest

from conversations.assistant.knowledge_base import best_passages
from conversations.assistant.passages import (
    MAX_REPLY_WORDS,
    Passage,
    lead_in,
    passage_scores,
    passages_select,
    passages_split,
    question_shape,
    reply_compose,
    text_cap,
)
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex, tokenize

RETURNS = ArticleDoc(
    1,
    "Our return and refund policy",
    "You can return unworn items within 30 days of delivery for a full refund.\n\n"
    "What you can return:\n"
    "- Unused items in their original condition, with the tags attached.\n"
    "- Sale items, refunded at the price you paid.\n\n"
    "What you can't return:\n"
    "* Personalised or made-to-order items, unless they're faulty.\n"
    "* Gift cards.\n\n"
    "Refunds go back to your original payment method within 3 business days of your "
    "return reaching us. Return shipping is free for members; otherwise we deduct $6.95.",
    url="https://shop.example.com/help/returns/",
)
SHIPPING = ArticleDoc(
    2,
    "Shipping costs and delivery times",
    "We ship every order from our warehouse in Columbus, Ohio, usually within one business "
    "day of your order.\n\n"
    "Shipping costs:\n\n"
    "- Standard (3–5 business days): $5.95, free over $75\n"
    "- Express (1–2 business days): $14.95\n"
    "- Next-day: $24.95\n\n"
    "International shipping to Canada and the UK costs from $19.95 and takes 5–8 business "
    "days; international orders over $200 ship free.",
)
BILLING = ArticleDoc(
    3,
    "Updating your billing address",
    "Your billing address is the address your bank has on file for your card. It must match "
    "exactly, or the payment may be declined.\n\n"
    "To change the billing address saved with us:\n"
    "1. Go to Account > Payment methods.\n"
    '2. Click "Edit" next to the card and update its billing address.\n'
    "3. Save. Your next order uses the new address.\n\n"
    "Invoices show the billing address at the time of the order; to correct an old invoice, "
    "ask us on chat.",
)

DELIVERY = ArticleDoc(
    4,
    "Delivery times: when will my order arrive?",
    "Delivery time is the processing time plus the shipping time of the option you chose.\n\n"
    "Shipping times inside the US:\n"
    "- Standard: 3–5 business days\n"
    "- Express: 1–2 business days\n\n"
    "International orders take 5–14 business days, depending on the country and customs.",
    keywords=("how long does delivery take",),
)


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex.build([RETURNS, SHIPPING, BILLING, DELIVERY])


def texts(passages: list[Passage]) -> list[str]:
    return [passage.text for passage in passages]


def test_an_article_splits_into_paragraphs_and_lists_with_their_lead_in_line() -> None:
    passages = passages_split(RETURNS.body)

    assert [p.text.splitlines()[0] for p in passages] == [
        "You can return unworn items within 30 days of delivery for a full refund.",
        "What you can return:",
        "What you can't return:",
        "Refunds go back to your original payment method within 3 business days of your "
        "return reaching us. Return shipping is free for members; otherwise we deduct $6.95.",
    ]
    assert passages[2].text.splitlines()[1:] == [  # "*" bullets become "- "
        "- Personalised or made-to-order items, unless they're faulty.",
        "- Gift cards.",
    ]
    assert [p.is_list for p in passages] == [False, True, True, False]


def test_a_heading_separated_from_its_list_by_a_blank_line_still_leads_it() -> None:
    passages = passages_split(SHIPPING.body)

    assert passages[1].text.startswith("Shipping costs:\n- Standard")
    assert len(passages) == 3


@pytest.mark.parametrize(
    ("article", "question", "expected_start"),
    [
        (RETURNS, "can I return a sale item?", "What you can return:"),
        (RETURNS, "can I return a gift card", "What you can't return:"),
        (RETURNS, "do you deduct anything for return shipping", "Refunds go back"),
        (SHIPPING, "how much is express shipping", "Shipping costs:"),
        (SHIPPING, "international shipping to Canada", "International shipping"),
        (BILLING, "how do I change my billing address", "To change the billing address"),
        (BILLING, "wrong address on my invoice", "Invoices show"),
    ],
)
def test_the_passage_answering_the_question_is_chosen(
    index: KnowledgeIndex, article: ArticleDoc, question: str, expected_start: str
) -> None:
    chosen = best_passages(index, article, question, index.parse(question).terms)

    assert any(passage.text.startswith(expected_start) for passage in chosen)
    assert len(chosen) < len(passages_split(article.body))  # never the whole article


def test_a_how_to_question_gets_the_steps_rather_than_the_explanation(
    index: KnowledgeIndex,
) -> None:
    question = "how do I change my billing address"

    chosen = best_passages(index, BILLING, question, index.parse(question).terms)

    assert texts(chosen) == [
        "To change the billing address saved with us:\n1. Go to Account > Payment methods.\n"
        '2. Click "Edit" next to the card and update its billing address.\n'
        "3. Save. Your next order uses the new address."
    ]


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        ("How long does shipping take?", "time"),
        ("when will my refund arrive", "time"),
        ("how much does express shipping cost", "amount"),
        ("how do I return an item", "steps"),
        ("can I return a sale item?", None),
    ],
)
def test_the_question_shape_names_the_kind_of_answer_wanted(question: str, shape: str) -> None:
    found = question_shape(question)

    assert (found.name if found else None) == shape


def test_a_how_long_question_gets_the_durations_not_a_passage_sharing_the_verb(
    index: KnowledgeIndex,
) -> None:
    # "take" is in the question and only in the international line; it frames the question.
    question = "How long does shipping take?"

    chosen = best_passages(index, DELIVERY, question, index.parse(question).terms)

    assert any(
        text.startswith("Shipping times inside the US:\n- Standard") for text in texts(chosen)
    )
    assert not any("International" in passage.text for passage in chosen)


def test_without_any_matching_term_the_article_lead_is_chosen() -> None:
    passages = passages_split(RETURNS.body)

    assert passages_select(passages, [0.0] * len(passages)) == [passages[0]]
    assert passages_select((), []) == []


def test_the_title_counts_for_the_lead_passage() -> None:
    hours = ArticleDoc(
        9,
        "Customer service opening hours",
        "Our team is available:\n- Monday to Friday: 8 am to 8 pm\n- Weekends: 10 am to 6 pm"
        "\n\nOutside opening hours you can leave a message.",
    )
    index = KnowledgeIndex.build([hours])
    passages = passages_split(hours.body)
    terms = index.parse("when are you open").terms

    without_title = passage_scores(passages, terms, index.idf)
    with_title = passage_scores(passages, terms, index.idf, title_terms=tokenize(hours.title))

    assert without_title[0] == 0.0 < without_title[1]
    assert passages_select(passages, with_title)[0] is passages[0]


def test_a_short_lead_in_paragraph_is_quoted_with_the_passage_after_it() -> None:
    passages = passages_split("Good news!\n\nWe ship to Canada in 5–8 business days.\n\nOther.")

    assert texts(passages_select(passages, [1.0, 0.1, 0.0])) == [
        "Good news!",
        "We ship to Canada in 5–8 business days.",
    ]


def test_a_long_passage_is_cut_at_a_whole_sentence_or_list_item() -> None:
    sentence = "Refunds are issued within three business days of your return reaching us. "
    long_text = sentence * 12 + "\n- a list item\n- another"

    capped = text_cap(long_text)

    assert len(capped.split()) <= MAX_REPLY_WORDS
    assert capped.endswith("reaching us.")
    assert text_cap("Short answer.") == "Short answer."
    items = "Options:\n" + "\n".join(f"- option number {n} with a few words" for n in range(30))
    assert text_cap(items).splitlines()[-1].startswith("- option number")
    assert text_cap("Heading:\n" + "word " * 200).startswith("Heading:")


@pytest.mark.parametrize(
    ("question", "passage_text", "hedged", "expected"),
    [
        ("how do I return an item", "1. Sign in.\n2. Choose the items.", False, "Here's how:"),
        ("how do I unsubscribe", "To unsubscribe:\n- Click the link.", False, ""),
        ("can I return a sale item?", "You can return sale items.", False, ""),
        ("what does shipping cost", "- Standard: $5.95", False, ""),
        ("can I return a sale item?", "You can return sale items.", True, "I think"),
    ],
)
def test_the_lead_in_follows_the_question_shape(
    question: str, passage_text: str, hedged: bool, expected: str
) -> None:
    passage = Passage(text=passage_text, terms=tuple(tokenize(passage_text)))

    assert lead_in(question, [passage], hedged=hedged).startswith(expected)
    assert bool(lead_in(question, [passage], hedged=hedged)) == bool(expected)


def test_the_reply_reads_like_a_person_and_links_the_article(index: KnowledgeIndex) -> None:
    question = "can I return a sale item?"
    passages = best_passages(index, RETURNS, question, index.parse(question).terms)

    reply = reply_compose(
        question=question, passages=passages, title=RETURNS.title, url=RETURNS.url, hedged=False
    )

    assert reply.startswith("You can return unworn items within 30 days")  # no lead-in needed
    assert "What you can return:\n- Unused items" in reply
    assert "- Sale items, refunded at the price you paid." in reply.splitlines()
    assert "Gift cards" not in reply and "article" not in reply
    assert reply.endswith("\n\nRead more: https://shop.example.com/help/returns/")


def test_without_a_url_the_reply_names_the_article_instead(index: KnowledgeIndex) -> None:
    reply = reply_compose(
        question="express shipping cost",
        passages=list(passages_split(SHIPPING.body)[1:2]),
        title=SHIPPING.title,
        url="",
        hedged=False,
    )

    assert reply.endswith("More in our help centre: \u201cShipping costs and delivery times\u201d.")
    assert "Read more" not in reply
