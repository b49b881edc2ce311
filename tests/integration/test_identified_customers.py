"""Identified customers: the host site's signed claims through the real session endpoint and the
real visitor socket; one Customer per site user across devices; the anonymous chat merges in."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import IntegrityError, transaction
from django.test import AsyncClient, Client

from agents import services as agent_services
from agents.models import Queue
from conversations.identity import plan_hash, user_hash
from conversations.models import Conversation, Customer, Message, Site
from conversations.tokens import read_token
from escalation.models import Escalation
from tests.factories import AgentFactory, QueueFactory
from tests.integration.conftest import Visitor

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = "https://shop.example.com"
HACKED = "Someone hacked my account and changed my password."


def claims(site: Site, user_id: str = "u-42", plan: str = "vip", **extra: Any) -> dict[str, Any]:
    """What the host page passes: the claims, its server's HMAC of the id and of id:plan."""
    secret = site.identity_secret
    return {
        "id": user_id,
        "email": "john@example.com",
        "name": "John Smith",
        "plan": plan,  # any case: "vip" is the plan "VIP"
        "plan_hash": plan_hash(secret=secret, user_id=user_id, plan=plan),
        "created": "2024-06-01T09:00:00Z",
        "hash": user_hash(secret=secret, user_id=user_id),
        **extra,
    }


async def session(site: Site, **body: Any) -> dict[str, Any]:
    response = await AsyncClient().post(
        "/api/widget/session",
        data=json.dumps({"site_key": site.key, **body}),
        content_type="application/json",
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def queues(site):
    for slug in ("vip", "general", "billing", "security"):
        QueueFactory(slug=slug, name="VIP & Enterprise" if slug == "vip" else slug.title())
    Queue.objects.update(routing="manual")


@database_sync_to_async
def customer_of(token: str, site: Site) -> Customer:
    visitor_id = read_token(token, site_key=site.key).visitor_id
    return Customer.objects.select_related("plan").get(visitor_id=visitor_id)


async def expect_handoff(visitor: Visitor) -> None:
    await visitor.receive_message_from("system")
    status = await visitor.receive_type("status")
    assert status["conversation"]["status"] == "queued"


async def test_a_signed_identity_applies_the_plan_and_the_card_shows_the_customer(site, queues):
    body = await session(site, identity=claims(site))
    assert body["identified"] is True
    customer = await customer_of(body["token"], site)
    assert (customer.external_id, customer.name, customer.email) == (
        "u-42",
        "John Smith",
        "john@example.com",
    )
    assert customer.plan is not None and customer.plan.name == "VIP"
    assert customer.signed_up_at is not None and customer.signed_up_at.year == 2024

    visitor = Visitor(body["token"], site.key)
    ready = await visitor.connect()
    assert ready["type"] == "ready"
    await visitor.say(HACKED)
    await expect_handoff(visitor)
    await visitor.close()

    @database_sync_to_async
    def stored() -> tuple[Escalation, Conversation, list[str]]:
        escalation = Escalation.objects.select_related("conversation__queue").get()
        senders = list(Message.objects.values_list("sender", flat=True))
        return escalation, escalation.conversation, senders

    escalation, conversation, senders = await stored()
    # The plan skips the AI: straight to its queue, urgent, and the bot never answered.
    assert (escalation.category, escalation.priority, escalation.target_queue) == (
        "security",
        "urgent",
        "vip",
    )
    assert (conversation.queue.slug, conversation.priority) == ("vip", "urgent")
    assert conversation.customer_id == customer.pk
    assert "bot" not in senders

    @database_sync_to_async
    def card() -> str:
        agent = AgentFactory(queues=list(Queue.objects.filter(slug="vip")))
        agent_services.conversation_claim(agent=agent, public_id=str(conversation.public_id))
        client = Client()
        client.force_login(agent.user)
        response = client.get(
            f"/console/chats/{conversation.public_id}/", headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        return response.content.decode()

    html = await card()
    assert "<strong>John Smith</strong>" in html and "verified" in html
    assert "VIP · VIP plan" in html and "john@example.com" in html
    assert "Account age</dt><dd>2\xa0years" in html
    assert "Anonymous visitor" not in html


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"hash": None}, id="unsigned"),
        pytest.param({"id": "u-43"}, id="another-id-same-hash"),
        pytest.param({"hash": "0" * 64}, id="forged-hash"),
    ],
)
async def test_unsigned_or_tampered_claims_leave_the_visitor_anonymous(
    site, queues, caplog, tamper
):
    identity = {k: v for k, v in {**claims(site), **tamper}.items() if v is not None}
    with caplog.at_level(logging.INFO, logger="conversations.services"):
        body = await session(site, identity=identity)
    assert body["identified"] is False
    assert "identity refused" in caplog.text
    customer = await customer_of(body["token"], site)
    assert (customer.external_id, customer.name, customer.email, customer.plan) == (
        "",
        "",
        "",
        None,
    )

    # No VIP plan: the engine decides as for anyone (a hacked account goes to security, not to
    # the VIP queue).
    visitor = Visitor(body["token"], site.key)
    await visitor.connect()
    await visitor.say(HACKED)
    await expect_handoff(visitor)
    await visitor.close()

    @database_sync_to_async
    def decided() -> tuple[Escalation, dict]:
        message = Message.objects.get(sender=Message.Sender.CUSTOMER)
        return Escalation.objects.get(), message.metadata

    escalation, metadata = await decided()
    assert metadata["signals"]["plan"] is None
    assert escalation.target_queue == "security"
    assert all(reason["signal"] != "plan" for reason in escalation.reasons)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"plan": "Enterprise"}, id="plan-edited-old-plan-hash"),
        pytest.param({"plan_hash": None}, id="no-plan-hash"),
    ],
)
async def test_an_edited_or_unsigned_plan_is_dropped_and_the_user_stays_identified(
    site, queues, caplog, tamper
):
    # A logged-in user edits data-user-plan in devtools: their user_hash is still valid.
    identity = {k: v for k, v in {**claims(site), **tamper}.items() if v is not None}
    with caplog.at_level(logging.INFO, logger="conversations.services"):
        body = await session(site, identity=identity)
    assert body["identified"] is True
    assert "plan claim dropped" in caplog.text
    customer = await customer_of(body["token"], site)
    assert (customer.external_id, customer.name, customer.plan) == ("u-42", "John Smith", None)

    # No plan: no skipping the AI, no VIP queue.
    visitor = Visitor(body["token"], site.key)
    await visitor.connect()
    await visitor.say(HACKED)
    await expect_handoff(visitor)
    await visitor.close()
    escalation = await database_sync_to_async(Escalation.objects.get)()
    assert (escalation.target_queue, escalation.priority) != ("vip", "urgent")
    assert escalation.target_queue == "security"
    assert all(reason["signal"] != "plan" for reason in escalation.reasons)


async def test_two_devices_with_the_same_verified_user_are_one_customer(site, queues):
    phone = await session(site, identity=claims(site))
    laptop = await session(site, identity=claims(site, name="John S."))
    assert (await customer_of(phone["token"], site)).pk == (
        await customer_of(laptop["token"], site)
    ).pk
    count = await database_sync_to_async(Customer.objects.filter(external_id="u-42").count)()
    assert count == 1

    # Both devices' sockets open the same conversation.
    first, second = Visitor(phone["token"], site.key), Visitor(laptop["token"], site.key)
    ready_first = await first.connect()
    ready_second = await second.connect()
    assert ready_first["conversation"]["id"] == ready_second["conversation"]["id"]
    await first.close()
    await second.close()
    assert (await customer_of(phone["token"], site)).name == "John S."  # the latest claims


async def test_the_devices_anonymous_chat_merges_into_the_identified_customer(site, queues):
    # The user is known from another device already.
    await session(site, identity=claims(site))
    # On this device they chatted anonymously first.
    anonymous = await session(site)
    visitor = Visitor(anonymous["token"], site.key)
    ready = await visitor.connect()
    await visitor.say("How long does shipping take?")
    await visitor.receive_message_from("bot")
    await visitor.close()
    anonymous_customer = await customer_of(anonymous["token"], site)

    # Then they log in on the site: the widget asks again, with its token and the claims.
    merged = await session(site, token=anonymous["token"], identity=claims(site))
    again = await session(site, token=merged["token"], identity=claims(site))  # idempotent
    assert merged["identified"] and again["identified"]
    identified = await customer_of(merged["token"], site)

    @database_sync_to_async
    def state() -> tuple[bool, list[int], int]:
        gone = not Customer.objects.filter(pk=anonymous_customer.pk).exists()
        owners = list(Conversation.objects.values_list("customer_id", flat=True))
        return gone, owners, Customer.objects.filter(external_id="u-42").count()

    gone, owners, count = await state()
    assert gone and owners == [identified.pk] and count == 1

    # The old token is the deleted visitor's: refused, so the widget asks for a new one.
    old = Visitor(anonymous["token"], site.key)
    assert (await old.connect())["type"] == "error"
    await old.close()
    # The identified socket resumes the same conversation, history included.
    visitor = Visitor(merged["token"], site.key)
    assert (await visitor.connect())["conversation"]["id"] == ready["conversation"]["id"]
    await visitor.close()


async def test_after_a_merge_the_chat_waiting_for_a_person_is_the_one_resumed(site, queues):
    # On the laptop, not logged in yet, the user asks for a person: queued (the older chat).
    laptop = await session(site)
    visitor = Visitor(laptop["token"], site.key)
    waiting = (await visitor.connect())["conversation"]["id"]
    await visitor.say(HACKED)
    await expect_handoff(visitor)
    await visitor.close()
    # On the phone, logged in, they chat with the bot: a newer chat, the bot's.
    phone = await session(site, identity=claims(site, plan=""))
    visitor = Visitor(phone["token"], site.key)
    with_bot = (await visitor.connect())["conversation"]["id"]
    await visitor.say("How long does shipping take?")
    await visitor.receive_message_from("bot")
    await visitor.close()
    assert with_bot != waiting

    # They log in on the laptop: both chats are the user's now. Both devices resume the one in
    # the line (the newest would leave it there with no one to answer the agent who takes it).
    merged = await session(site, token=laptop["token"], identity=claims(site, plan=""))
    for token in (merged["token"], phone["token"]):
        visitor = Visitor(token, site.key)
        ready = await visitor.connect()
        assert (ready["conversation"]["id"], ready["conversation"]["status"]) == (
            waiting,
            "queued",
        )
        await visitor.close()

    # The bot's chat is kept, open, with its history: the widget resumes it once the other ends.
    @database_sync_to_async
    def end_the_waiting_one() -> tuple[str, int]:
        bot_chat = Conversation.objects.get(public_id=with_bot)
        Conversation.objects.filter(public_id=waiting).update(status="closed")
        return bot_chat.status, bot_chat.messages.count()

    status, messages = await end_the_waiting_one()
    assert status == "bot" and messages >= 2
    visitor = Visitor(merged["token"], site.key)
    assert (await visitor.connect())["conversation"]["id"] == with_bot
    await visitor.close()


async def test_a_first_identification_promotes_the_devices_anonymous_visitor(site, queues):
    anonymous = await session(site)
    identified = await session(site, token=anonymous["token"], identity=claims(site))
    before, after = (
        await customer_of(anonymous["token"], site),
        await customer_of(identified["token"], site),
    )
    assert before.pk == after.pk and after.external_id == "u-42"


async def test_refused_claims_on_an_identified_device_start_a_new_anonymous_visitor(site, queues):
    identified = await session(site, identity=claims(site))
    intruder = await session(
        site, token=identified["token"], identity={**claims(site), "id": "u-99"}
    )
    assert intruder["identified"] is False
    customer = await customer_of(intruder["token"], site)
    assert customer.external_id == "" and customer.plan is None
    # Without claims (a page that does not identify) the token stays the user's.
    same = await session(site, token=identified["token"])
    assert same["identified"] is True
    assert (await customer_of(same["token"], site)).external_id == "u-42"


async def test_an_unknown_plan_is_no_plan(site, queues, caplog):
    with caplog.at_level(logging.INFO, logger="conversations.services"):
        body = await session(site, identity=claims(site, plan="Platinum"))
    assert body["identified"] is True
    assert (await customer_of(body["token"], site)).plan is None
    assert "unknown plan 'Platinum'" in caplog.text


async def test_one_customer_per_site_user_is_a_database_constraint(site):
    @database_sync_to_async
    def twice() -> None:
        Customer.objects.create(site=site)
        Customer.objects.create(site=site)  # anonymous: any number
        Customer.objects.create(site=site, external_id="u-1")
        with pytest.raises(IntegrityError), transaction.atomic():
            Customer.objects.create(site=site, external_id="u-1")

    await twice()


async def test_a_bad_identity_shape_is_a_clear_400_and_stores_nothing(site):
    for bad in ({"identity": "u-42"}, {"token": 5}, {"identity": ["u-42"]}):
        response = await AsyncClient().post(
            "/api/widget/session",
            data=json.dumps({"site_key": site.key, **bad}),
            content_type="application/json",
            headers={"Origin": ORIGIN},
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"
    assert not await database_sync_to_async(Customer.objects.exists)()
