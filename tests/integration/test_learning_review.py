"""The learning loop's review page (/console/review/): escalations an agent judged avoidable
or inappropriate become knowledge-base drafts and labelled triage examples, once each, by
supervisors only."""

from __future__ import annotations

import hashlib
import random
import string
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents import services
from conversations.models import Article, Conversation, Message
from escalation.learning import REVIEW_LINE
from escalation.models import Escalation, TriageExample
from tests.factories import AgentFactory, CustomerFactory, QueueFactory, escalated_conversation

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
QUESTION = "I want to talk to a human about my order"
ANSWER = "Your order ships tomorrow; the tracking link comes by email."


def resolved_escalation(
    agent, *, text: str, appropriate: bool, answers: tuple[str, ...] = (ANSWER,), **fields
):
    """An escalation the agent answered and resolved with this verdict (`agent` None: one
    serving the queue it went to)."""
    conversation = escalated_conversation(text, **fields)
    agent = agent or AgentFactory(queues=[conversation.queue])
    services.conversation_claim(agent=agent, public_id=str(conversation.public_id))
    for answer in answers:
        services.message_post_agent(conversation=conversation, agent=agent, body=answer)
    services.conversation_resolve(
        conversation=Conversation.objects.get(pk=conversation.pk),
        agent=agent,
        outcome="resolved",
        appropriate=appropriate,
        handoff_quality=4,
    )
    return Escalation.objects.get(conversation=conversation)


@pytest.fixture
def sarah():
    return AgentFactory(user__first_name="Sarah", queues=[QueueFactory(slug="general")])


@pytest.fixture
def boss(client):
    supervisor = AgentFactory(user__first_name="Alex", is_supervisor=True)
    client.force_login(supervisor.user)
    return supervisor


@pytest.fixture
def avoidable(sarah):
    return resolved_escalation(sarah, text=QUESTION, appropriate=False)


def test_the_review_lists_avoidable_escalations_in_the_range_with_question_and_answer(
    client, boss, sarah, avoidable
):
    fine = resolved_escalation(sarah, text="I need a real person now", appropriate=True)
    old = resolved_escalation(sarah, text="Speak to an agent please", appropriate=False)
    Escalation.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=40))

    page = client.get("/console/review/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="review-row-{avoidable.pk}"' in html
    assert QUESTION in html and ANSWER in html and "Not appropriate" in html
    # The reason in the card's plain words, never the engine's rule keys.
    assert "<td>Asked for a person</td>" in html and "· human_request" not in html
    assert 'class="table-scroll"' in html  # a phone scrolls the table, not the page
    assert f'id="review-row-{fine.pk}"' not in html  # appropriate: nothing to learn
    assert f'id="review-row-{old.pk}"' not in html  # outside the last 30 days

    day = (timezone.localdate() - timedelta(days=40)).isoformat()
    wider = client.get(f"/console/review/?start={day}").content.decode()
    assert f'id="review-row-{old.pk}"' in wider and f'id="review-row-{avoidable.pk}"' in wider

    empty = client.get("/console/review/?start=2020-01-01&end=2020-01-02").content.decode()
    assert 'id="review-empty"' in empty and "Nothing to review between 2020-01-01" in empty

    backwards = client.get("/console/review/?start=2020-01-02&end=2020-01-01")
    assert backwards.status_code == 400
    assert "end date must be on or after" in backwards.content.decode()


def test_a_kb_draft_is_prefilled_unpublished_and_made_once(client, boss, avoidable):
    url = f"/console/review/{avoidable.pk}/article/"
    first = client.post(url, headers=HTMX)
    assert first.status_code == 200
    assert "Draft article saved" in first.content.decode()
    second = client.post(url, headers=HTMX)
    assert "The draft exists already." in second.content.decode()

    article = Article.objects.get(slug=f"draft-escalation-{avoidable.pk}")
    assert (article.title, article.published) == (QUESTION, False)
    assert article.body == f"{REVIEW_LINE}\n\n{ANSWER}"
    assert Article.objects.filter(slug__startswith="draft-").count() == 1


def test_a_kb_draft_redacts_the_customers_details_and_says_to_review_it(client, boss):
    """The extractor's emails, order and phone numbers, amounts, and the customer's name
    never reach a draft; a visible line at the top says what to check before publishing."""
    escalation = resolved_escalation(
        None,
        text="I want a human: order #48213 was charged $150 twice",
        appropriate=False,
        answers=(
            "Hi Ada, I found order #48213 and refunded $150.",
            "The receipt goes to ada@example.com; we may call you on +44 20 7946 0958.",
        ),
        customer=CustomerFactory(name="Ada Lovelace", email="ada@example.com"),
    )

    assert client.post(f"/console/review/{escalation.pk}/article/", headers=HTMX).status_code == 200
    article = Article.objects.get(slug=f"draft-escalation-{escalation.pk}")
    text = f"{article.title}\n{article.body}"
    for detail in ("48213", "150", "ada@example.com", "7946", "Ada", "Lovelace"):
        assert detail not in text, detail
    assert article.body.startswith("Review before publishing: ")
    assert article.body.endswith(
        "Hi [name], I found order [order number] and refunded [amount].\n\n"
        "The receipt goes to [email]; we may call you on [phone number]."
    )
    assert article.title == "I want a human: order [order number] was charged [amount] twice"
    assert not article.published


def test_an_escalation_without_a_visitor_message_is_refused_with_the_reason(
    client, boss, avoidable
):
    earliest = Conversation.objects.get(pk=avoidable.conversation_id).created
    Escalation.objects.filter(pk=avoidable.pk).update(
        message=None, created=earliest - timedelta(minutes=1)
    )
    response = client.post(f"/console/review/{avoidable.pk}/none/", headers=HTMX)
    assert response.status_code == 400
    assert "no visitor message to learn from" in response.content.decode()
    assert not TriageExample.objects.exists()


def test_a_labelled_example_is_stored_once_and_the_first_label_stands(client, boss, avoidable):
    url = f"/console/review/{avoidable.pk}/example/"
    saved = client.post(url, {"label": "human_request"}, headers=HTMX)
    assert saved.status_code == 200
    assert "Saved as a “human_request” example" in saved.content.decode()
    again = client.post(url, {"label": "none"}, headers=HTMX)
    assert "Already saved as a “human_request” example." in again.content.decode()
    one_click = client.post(f"/console/review/{avoidable.pk}/none/", headers=HTMX)
    assert "Already saved" in one_click.content.decode()

    example = TriageExample.objects.get()
    assert (example.text, example.label) == (QUESTION, "human_request")
    assert (example.conversation_id, example.escalation_id) == (
        avoidable.conversation_id,
        avoidable.pk,
    )
    assert example.created_by == boss.user


def test_mark_as_none_takes_one_click_and_a_plain_post_returns_to_the_review(
    client, boss, avoidable
):
    response = client.post(f"/console/review/{avoidable.pk}/none/")
    assert response.status_code == 302 and response["Location"] == "/console/review/"
    assert list(TriageExample.objects.values_list("text", "label")) == [(QUESTION, "none")]
    row = client.get("/console/review/").content.decode()
    assert "Example saved: none" in row


def test_an_unknown_label_is_refused_and_nothing_is_stored(client, boss, avoidable):
    response = client.post(
        f"/console/review/{avoidable.pk}/example/", {"label": "fraud"}, headers=HTMX
    )
    assert (
        response.status_code == 400 and "Choose a label from the list." in response.content.decode()
    )
    assert not TriageExample.objects.exists()


def test_an_escalation_the_agent_found_appropriate_cannot_be_turned_into_examples(
    client, boss, sarah
):
    fine = resolved_escalation(sarah, text="I need a real person now", appropriate=True)
    assert client.post(f"/console/review/{fine.pk}/none/").status_code == 404
    assert client.post(f"/console/review/{fine.pk}/article/").status_code == 404
    assert not TriageExample.objects.exists() and not Article.objects.exists()


def test_agents_who_are_not_supervisors_get_403_and_store_nothing(client, sarah, avoidable):
    client.force_login(sarah.user)
    assert client.get("/console/review/").status_code == 403
    for action, data in (("article", {}), ("example", {"label": "none"}), ("none", {})):
        assert client.post(f"/console/review/{avoidable.pk}/{action}/", data).status_code == 403
    assert not TriageExample.objects.exists() and not Article.objects.exists()


def test_the_review_page_runs_the_same_queries_for_one_or_many_escalations(client, boss, sarah):
    resolved_escalation(sarah, text=QUESTION, appropriate=False)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/console/review/").status_code == 200
    for number in range(3):
        resolved_escalation(sarah, text=f"Let me speak to a human {number}", appropriate=False)
    with CaptureQueriesContext(connection) as four:
        page = client.get("/console/review/").content.decode()
    assert page.count('id="review-row-') == 4
    assert len(four) == len(one)


def test_two_escalations_in_one_conversation_each_keep_their_own_answer(client, boss, sarah):
    first = resolved_escalation(sarah, text=QUESTION, appropriate=False)
    second_answer = "A refund is on its way; allow five days."
    # The visitor came back and escalated again, later: the same conversation, a new row.
    second = Escalation.objects.get(pk=first.pk)
    second.pk = None
    second.save()
    Escalation.objects.filter(pk=second.pk).update(created=timezone.now())
    second.refresh_from_db()
    conversation = Conversation.objects.get(pk=first.conversation_id)
    Message.objects.create(
        conversation=conversation,
        sender=Message.Sender.AGENT,
        body=second_answer,
        seq=Message.objects.filter(conversation=conversation).order_by("-seq").first().seq + 1,
    )
    assert Message.objects.get(body=second_answer).created > second.created

    html = client.get("/console/review/").content.decode()
    rows = {
        pk: html.split(f'id="review-row-{pk}"')[1].split("</tr>")[0] for pk in (first.pk, second.pk)
    }
    assert ANSWER in rows[first.pk] and second_answer not in rows[first.pk]
    assert second_answer in rows[second.pk] and ANSWER not in rows[second.pk]

    for escalation, answer in ((first, ANSWER), (second, second_answer)):
        client.post(f"/console/review/{escalation.pk}/article/", headers=HTMX)
        article = Article.objects.get(slug=f"draft-escalation-{escalation.pk}")
        assert article.body == f"{REVIEW_LINE}\n\n{answer}"


def test_a_4000_character_message_is_stored_as_an_example_once(client, boss, sarah):
    """Unique on the text's hash: the text itself (about 4 KB here, and incompressible)
    exceeds PostgreSQL's btree row limit (run this file on both databases)."""
    rng = random.Random(15)
    noise = "".join(rng.choice(string.ascii_letters + " ") for _ in range(4000))
    text = f"{QUESTION}. {noise}"[:4000].strip()
    escalation = resolved_escalation(sarah, text=text, appropriate=False)
    url = f"/console/review/{escalation.pk}/example/"
    assert (
        "Saved as a" in client.post(url, {"label": "human_request"}, headers=HTMX).content.decode()
    )
    assert "Already saved" in client.post(url, {"label": "none"}, headers=HTMX).content.decode()
    example = TriageExample.objects.get()
    assert (len(example.text), example.label) == (len(text), "human_request")
    assert example.text_hash == hashlib.sha256(text.encode()).hexdigest()


def test_bad_review_filters_answer_400_with_the_reason(client, boss):
    response = client.get("/console/review/?plan=gold&time_zone=Mars/Base")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter a whole number." in text and "is not an IANA time zone" in text
