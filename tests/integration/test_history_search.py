"""The console's conversation history: search, pagination, access by queue, the read-only
record, and the links from the handoff card's customer block."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from django.utils.html import escape

from agents import services
from agents.models import Note, Queue, Ticket
from agents.selectors.history import PAGE_SIZE
from agents.services.chats import conversation_observe
from conversations.models import Conversation, Customer, Message
from tests.factories import (
    AgentFactory,
    ConversationFactory,
    CustomerFactory,
    escalated_conversation,
)
from tests.integration.conftest import queues_manual

pytestmark = pytest.mark.django_db

URL = "/console/conversations/"


@pytest.fixture(autouse=True)
def queues():
    queues_manual(("general", "General"), ("billing", "Billing"), ("vip", "VIP desk"))


@pytest.fixture
def agent(client):
    """Serves general and billing, not vip; reads dates in Berlin."""
    agent = AgentFactory(
        time_zone="Europe/Berlin",
        queues=list(Queue.objects.filter(slug__in=["general", "billing"])),
    )
    client.force_login(agent.user)
    return agent


def chat(
    customer: Customer | None = None,
    *,
    queue: str | None = "general",
    status: str = "resolved",
    created: datetime | None = None,
    bodies: tuple[str, ...] = ("Hello",),
) -> Conversation:
    conversation = ConversationFactory(
        customer=customer or CustomerFactory(),
        queue=Queue.objects.get(slug=queue) if queue else None,
        status=status,
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, seq=seq, sender="customer", body=body)
        for seq, body in enumerate(bodies, start=1)
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=len(bodies), **({"created": created} if created else {})
    )
    conversation.refresh_from_db()
    return conversation


def note(conversation: Conversation, agent, body: str) -> Note:
    return Note.objects.create(conversation=conversation, author=agent, body=body)


def results(client, **params) -> tuple[int, str, list[str]]:
    """Status, html and the public ids listed, in order."""
    response = client.get(URL, params)
    html = response.content.decode()
    return response.status_code, html, re.findall(r'id="history-row-([0-9a-f-]{36})"', html)


def ids(*conversations: Conversation) -> list[str]:
    return [str(c.public_id) for c in conversations]


def test_each_filter_narrows_the_list(client, agent):
    ada = CustomerFactory(name="Ada Lovelace", email="ada@example.com")
    bob = CustomerFactory(name="Bob", email="bob@shop.test")
    refund = chat(ada, bodies=("Where is my refund?", "Order #48213"))
    waiting = chat(bob, status="queued", queue="billing", bodies=("Card declined",))
    march = chat(bob, created=datetime(2026, 3, 3, 12, tzinfo=UTC), bodies=("Shipping?",))

    assert results(client)[2] == ids(waiting, refund, march)  # newest first
    assert results(client, q="REFUND")[2] == ids(refund)  # message bodies, any case
    assert results(client, customer="lovelace")[2] == ids(refund)  # name
    assert results(client, customer="shop.test")[2] == ids(waiting, march)  # email
    assert results(client, customer_id=bob.pk)[2] == ids(waiting, march)
    assert results(client, status="queued")[2] == ids(waiting)
    assert results(client, queue="billing")[2] == ids(waiting)
    march_only = {"date_from": "2026-03-03", "date_to": "2026-03-03"}
    assert results(client, **march_only)[2] == ids(march)
    status, html, found = results(client, q="refund", customer="bob")
    assert status == 200 and found == [] and "No conversations found" in html
    assert "Nothing matches these filters" in html


def test_filters_combine_and_a_conversation_matching_many_messages_appears_once(client, agent):
    ada = CustomerFactory(name="Ada", email="ada@example.com")
    many = chat(ada, queue="billing", bodies=("refund please", "the refund again", "REFUND!"))
    chat(ada, queue="general", bodies=("refund",))
    chat(CustomerFactory(name="Cy"), queue="billing", bodies=("refund",))
    status, html, found = results(client, q="refund", customer="ada@", queue="billing")
    assert (status, found) == (200, ids(many))
    assert "1 conversation" in html and "refund please" in html  # the first matching message


def test_dates_are_the_agents_local_days(client, agent):
    # 23:30 UTC on 2 March is already 3 March in Berlin; 23:30 UTC on 3 March is the 4th.
    late_second = chat(created=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    chat(created=datetime(2026, 3, 3, 23, 30, tzinfo=UTC))
    chat(created=datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # 23:30 on the 2nd in Berlin
    found = results(client, date_from="2026-03-03", date_to="2026-03-03")[2]
    assert found == ids(late_second)


def test_pagination_is_stable_newest_first_with_boundaries(client, agent):
    same_moment = datetime(2026, 5, 1, 9, tzinfo=UTC)  # ties break on the newest id
    made = [chat(created=same_moment) for _ in range(PAGE_SIZE * 2 + 1)]
    newest_first = ids(*reversed(made))

    _, first_html, first = results(client)
    assert first == newest_first[:PAGE_SIZE]
    assert f"{PAGE_SIZE * 2 + 1} conversations · page 1 of 3" in first_html
    assert 'rel="next"' in first_html and 'rel="prev"' not in first_html
    assert results(client, page=2)[2] == newest_first[PAGE_SIZE : PAGE_SIZE * 2]
    _, last_html, last = results(client, page=3)
    assert last == newest_first[PAGE_SIZE * 2 :] and 'rel="next"' not in last_html
    # Past the end, or not a number: the last page, or the first, never an error.
    assert results(client, page=99)[2] == last
    assert results(client, page="abc")[2] == first
    # The page links keep the filters.
    _, html, _ = results(client, status="resolved")
    assert "?status=resolved&amp;page=2" in html


def test_an_agent_sees_only_their_queues_and_a_supervisor_sees_all(client, agent):
    mine = chat(queue="general")
    theirs = chat(queue="vip")
    bot_only = chat(queue=None, status="bot")
    assigned_elsewhere = chat(queue="vip", status="assigned")
    Conversation.objects.filter(pk=assigned_elsewhere.pk).update(assigned_agent=agent)
    assert set(results(client)[2]) == set(ids(mine, assigned_elsewhere))
    # Another queue's slug filters nothing in: the choice is refused.
    status, html, found = results(client, queue="vip")
    assert status == 400 and found == [] and "Check the filters" in html

    boss = AgentFactory(is_supervisor=True)
    client.force_login(boss.user)
    assert set(results(client)[2]) == set(ids(mine, theirs, bot_only, assigned_elsewhere))


def test_the_record_page_and_its_access_rule(client, agent):
    theirs = chat(queue="vip", bodies=("secret",))
    response = client.get(f"{URL}{theirs.public_id}/")
    assert response.status_code == 403
    assert "Not in your queues" in response.content.decode()
    assert "secret" not in response.content.decode()
    bot_only = chat(queue=None, status="bot")
    assert client.get(f"{URL}{bot_only.public_id}/").status_code == 403
    assert client.get(f"{URL}{uuid.uuid4()}/").status_code == 404

    boss = AgentFactory(is_supervisor=True)
    client.force_login(boss.user)
    assert client.get(f"{URL}{bot_only.public_id}/").status_code == 200


def test_the_record_shows_transcript_status_queue_reason_customer_and_tickets(client, agent):
    ada = CustomerFactory(name="Ada Lovelace", email="ada@example.com")
    earlier = chat(ada, bodies=("An earlier question",))
    live = escalated_conversation("I want to talk to a human about <b>my order</b>", customer=ada)
    ticket = Ticket.objects.create(
        conversation=live, request_id=uuid.uuid4(), kind="callback", queue=live.queue
    )
    note(live, agent, "Called the warehouse")

    html = client.get(f"{URL}{live.public_id}/").content.decode()
    assert "Ada Lovelace" in html and "ada@example.com" in html
    assert 'id="record-status">Waiting for a person<' in html
    assert f'id="record-queue">{live.queue.name}<' in html
    assert escape(live.escalations.get().reason_sentence) in html
    assert "about &lt;b&gt;my order&lt;/b&gt;" in html  # escaped, as everywhere
    assert "Called the warehouse" in html  # internal notes, for agents
    assert f'href="/console/tickets/{ticket.pk}/"' in html
    # Live: a way into the console; the customer's earlier chat links to its own record.
    assert f'href="/console/?chat={live.public_id}"' in html
    assert f'href="{URL}{earlier.public_id}/"' in html
    assert "Open in the console" not in client.get(f"{URL}{earlier.public_id}/").content.decode()


def test_the_cards_customer_block_links_earlier_chats_tickets_and_all_of_them(client, agent):
    ada = CustomerFactory(name="Ada", email="ada@example.com")
    earlier = chat(ada, bodies=("Before",))
    old_ticket = Ticket.objects.create(
        conversation=earlier,
        request_id=uuid.uuid4(),
        kind="email",
        state="done",
        queue=earlier.queue,
    )
    live = escalated_conversation(customer=ada)
    services.conversation_claim(agent=agent, public_id=str(live.public_id))
    card = client.get(
        f"/console/chats/{live.public_id}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert f'href="{URL}{earlier.public_id}/"' in card
    assert f'href="/console/tickets/{old_ticket.pk}/"' in card and "Email follow-up" in card
    assert f'href="{URL}?customer_id={ada.pk}"' in card
    assert "Tickets</dt><dd>1 (done)" in card

    _, html, found = results(client, customer_id=ada.pk)
    assert found == ids(live, earlier) and "Only Ada's conversations" in html
    assert "The visitor asked for a human" in html  # the deciding reason, in words


@pytest.mark.parametrize(
    "params, error",
    [
        ({"date_from": "2026-02-31"}, "From: Enter a date as YYYY-MM-DD."),
        ({"date_to": "yesterday"}, "To: Enter a date as YYYY-MM-DD."),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "before the start date"),
        ({"status": "on-fire"}, "Status: Select a valid choice."),
        ({"customer_id": "ada"}, "Enter a whole number."),
    ],
)
def test_a_wrong_filter_is_a_clear_error_that_keeps_what_was_typed(client, agent, params, error):
    chat(bodies=("refund",))
    response = client.get(URL, {"q": "refund", **params})
    html = response.content.decode()
    assert response.status_code == 400 and error in html and "Check the filters" in html
    assert 'value="refund"' in html  # the search text survives


def test_htmx_gets_only_the_results(client, agent):
    chat(bodies=("refund",))
    response = client.get(
        URL, {"q": "refund"}, headers={"HX-Request": "true", "HX-Target": "history-results"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "history-row-" in html
    assert "<html" in client.get(URL, headers={"HX-Request": "true"}).content.decode()


def test_the_list_costs_the_same_queries_for_few_or_many_rows(
    client, agent, django_assert_max_num_queries
):
    params = {"q": "refund", "customer": "example", "date_from": "2020-01-01"}

    def many(n: int) -> None:
        for _ in range(n):
            customer = CustomerFactory(email=f"{uuid.uuid4().hex[:6]}@example.com")
            conversation = chat(customer, bodies=("refund", "refund again"))
            note(conversation, agent, "note")
            escalated = escalated_conversation("I want a human. Refund!", customer=customer)
            Conversation.objects.filter(pk=escalated.pk).update(queue=conversation.queue)

    many(1)
    with django_assert_max_num_queries(8) as few:
        assert len(results(client, **params)[2]) == 2
    many(PAGE_SIZE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(results(client, **params)[2]) == PAGE_SIZE


def test_the_record_costs_the_same_queries_however_long(
    client, agent, django_assert_max_num_queries
):
    conversation = chat(bodies=("one",))
    with django_assert_max_num_queries(12) as few:
        client.get(f"{URL}{conversation.public_id}/")
    Message.objects.bulk_create(
        Message(conversation=conversation, seq=seq, sender="customer", body=f"m{seq}")
        for seq in range(2, 60)
    )
    for n in range(10):
        note(conversation, agent, f"note {n}")
        chat(conversation.customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(f"{URL}{conversation.public_id}/").content.decode()
    assert html.count('class="msg msg-customer"') == 59 and html.count("msg-note") == 10


def test_the_console_navigation_links_the_history(client, agent):
    html = client.get("/console/tickets/").content.decode()
    assert f'<a href="{URL}">History</a>' in html
    html = client.get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">History</a>' in html


def test_another_queues_conversations_and_tickets_are_counted_never_listed(client, agent):
    """The card and the record list only what the agent may open; a supervisor sees all."""
    ada = CustomerFactory(name="Ada", email="ada@example.com")
    vip = Queue.objects.get(slug="vip")
    mine = chat(ada, queue="general", bodies=("Mine",))
    theirs = chat(ada, queue="vip", bodies=("VIP matter",))
    their_ticket = Ticket.objects.create(
        conversation=theirs, request_id=uuid.uuid4(), kind="callback", queue=vip
    )
    live = escalated_conversation(customer=ada)
    services.conversation_claim(agent=agent, public_id=str(live.public_id))
    # A follow-up of this very conversation, routed to the VIP desk.
    vip_follow_up = Ticket.objects.create(
        conversation=live, request_id=uuid.uuid4(), kind="email", queue=vip
    )
    my_ticket = Ticket.objects.create(
        conversation=live, request_id=uuid.uuid4(), kind="callback", queue=live.queue
    )

    def pages() -> list[str]:
        card = client.get(
            f"/console/chats/{live.public_id}/", headers={"HX-Request": "true"}
        ).content.decode()
        return [card, client.get(f"{URL}{live.public_id}/").content.decode()]

    for html in pages():
        assert f"{URL}{mine.public_id}/" in html
        assert str(theirs.public_id) not in html
        assert f"/console/tickets/{their_ticket.pk}/" not in html
        assert f"/console/tickets/{vip_follow_up.pk}/" not in html
        assert f"/console/tickets/{my_ticket.pk}/" in html
    card = pages()[0]
    # The counts stay whole-customer: how often, never what.
    assert "Previous conversations</dt><dd>2 (" in card
    assert card.count("1 in other queues") == 1 and "2 in other queues" in card  # 2 tickets

    boss = AgentFactory(is_supervisor=True)
    client.force_login(boss.user)
    conversation_observe(conversation=live, agent=boss)
    for html in pages():
        assert f"{URL}{theirs.public_id}/" in html
        for ticket in (their_ticket, vip_follow_up, my_ticket):
            assert f"/console/tickets/{ticket.pk}/" in html
        assert "in other queues" not in html
