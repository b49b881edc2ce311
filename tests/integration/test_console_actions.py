"""The console's actions over HTTP (what htmx posts): compose, resolve, transfer, hand back,
observe, join, leave. Each is re-checked on the server, whatever the page showed."""

from __future__ import annotations

import pytest

from agents import services
from agents.models import ChatParticipant, Note, Queue
from conversations.models import Conversation
from escalation.models import Escalation
from escalation.selectors import escalations_unreviewed_count
from tests.factories import AgentFactory, QueueFactory, escalated_conversation
from tests.support.presence import agent_available

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def general():
    QueueFactory(slug="general")
    QueueFactory(slug="billing")
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    return Queue.objects.get(slug="general")


@pytest.fixture
def sarah(client, general):
    agent = AgentFactory(user__first_name="Sarah", queues=[general])
    client.force_login(agent.user)
    return agent


@pytest.fixture
def chat(sarah):
    conversation = escalated_conversation()
    return services.conversation_claim(agent=sarah, public_id=str(conversation.public_id))


def url(chat: Conversation, action: str) -> str:
    return f"/console/chats/{chat.public_id}/{action}/"


def test_a_reply_goes_to_the_visitor_and_a_note_stays_internal(client, chat):
    reply = client.post(
        url(chat, "compose"), {"kind": "reply", "body": "Hi, I'm Sarah"}, headers=HTMX
    )
    assert reply.status_code == 200
    assert f'hx-swap-oob="beforeend:#messages-{chat.public_id}"' in reply.content.decode()
    assert chat.messages.filter(sender="agent", body="Hi, I'm Sarah").exists()

    note = client.post(
        url(chat, "compose"), {"kind": "note", "body": "VIP, be quick"}, headers=HTMX
    )
    assert note.status_code == 200 and 'class="msg msg-note"' in note.content.decode()
    assert Note.objects.get().body == "VIP, be quick"
    assert not chat.messages.filter(body="VIP, be quick").exists()

    empty = client.post(url(chat, "compose"), {"kind": "reply", "body": "   "}, headers=HTMX)
    assert empty.status_code == 400 and empty["HX-Reswap"] == "none"


def test_someone_else_s_chat_refuses_replies_notes_and_actions(client, chat, general):
    tom = AgentFactory(queues=[general])
    client.force_login(tom.user)
    for kind in ("reply", "note"):
        refused = client.post(url(chat, "compose"), {"kind": kind, "body": "hijack"})
        assert refused.status_code == 403 and refused["HX-Reswap"] == "none"
    for action in ("resolve", "transfer", "hand-back"):
        assert client.get(url(chat, action)).status_code == 404
        assert client.post(url(chat, action), {}).status_code == 404
    assert not chat.messages.filter(body="hijack").exists() and not Note.objects.exists()
    assert Conversation.objects.get(pk=chat.pk).status == "assigned"


def test_resolve_with_review_asks_the_questions_and_stores_the_answers(client, chat):
    form = client.get(url(chat, "resolve"), headers=HTMX).content.decode()
    assert "Was this escalation appropriate?" in form and "the AI could have handled it" in form
    assert 'name="handoff_quality"' in form and "data-autoshow" in form

    invalid = client.post(
        url(chat, "resolve"), {"outcome": "resolved", "handoff_quality": "9"}, headers=HTMX
    )
    assert invalid.status_code == 422 and "Select a valid choice." in invalid.content.decode()
    assert Conversation.objects.get(pk=chat.pk).status == "assigned"
    assert Escalation.objects.get().resolved_at is None  # nothing stored from a bad answer

    done = client.post(
        url(chat, "resolve"),
        {"outcome": "resolved", "appropriate": "no", "handoff_quality": "3", "handoff_comment": ""},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert f'data-remove="tab-{chat.public_id} chat-{chat.public_id}"' in done.content.decode()
    escalation = Escalation.objects.get()
    assert (escalation.appropriate, escalation.could_ai_have_handled) == (False, True)
    assert (escalation.outcome, escalation.handoff_quality) == ("resolved", 3)
    assert escalations_unreviewed_count() == 0


def test_the_review_never_stores_appropriate_with_the_ai_could_have_handled_it(client, chat):
    """One question answers both verdicts ("No — the AI could have handled it"), so the
    appropriate-escalation rate and the "could the AI have handled it?" count never disagree:
    the dialog has no second question, and a hand-made post of one stores nothing of it."""
    form = client.get(url(chat, "resolve"), headers=HTMX).content.decode()
    assert form.count('name="appropriate"') == 2  # the two radios: yes, no
    assert "could_ai_have_handled" not in form
    done = client.post(
        url(chat, "resolve"),
        {"outcome": "resolved", "appropriate": "yes", "could_ai_have_handled": "yes"},
        headers=HTMX,
    )
    assert done.status_code == 200
    escalation = Escalation.objects.get()
    assert (escalation.appropriate, escalation.could_ai_have_handled) == (True, False)


def test_resolve_in_one_click_leaves_the_verdict_unreviewed_and_counts_it(client, chat):
    pane = client.get(f"/console/chats/{chat.public_id}/", headers=HTMX).content.decode()
    assert f'hx-post="{url(chat, "resolve")}" hx-swap="none"' in pane  # no dialog in between
    assert "Resolve with review…" in pane
    assert escalations_unreviewed_count() == 0

    done = client.post(url(chat, "resolve"), {}, headers=HTMX)
    assert done.status_code == 200
    assert f'data-remove="tab-{chat.public_id} chat-{chat.public_id}"' in done.content.decode()
    assert Conversation.objects.get(pk=chat.pk).status == "resolved"
    escalation = Escalation.objects.get()
    assert escalation.resolved_at is not None and escalation.outcome == "resolved"
    assert (escalation.appropriate, escalation.could_ai_have_handled) == (None, None)
    assert escalation.handoff_quality is None
    assert escalations_unreviewed_count() == 1

    client.force_login(AgentFactory(is_supervisor=True).user)
    page = client.get("/console/supervisor/").content.decode()
    assert 'data-unreviewed="1"' in page and "<strong>1</strong> resolved escalation not" in page


def test_transfer_offers_queues_and_online_colleagues(client, chat, general):
    tom = AgentFactory(user__first_name="Tom", queues=[general])
    AgentFactory(user__first_name="Offline", queues=[general])
    agent_available(tom)
    form = client.get(url(chat, "transfer"), headers=HTMX).content.decode()
    assert 'value="queue:billing"' in form and f'value="agent:{tom.pk}"' in form
    assert "Offline" not in form

    done = client.post(url(chat, "transfer"), {"target": f"agent:{tom.pk}", "note": "Over to you"})
    assert done.status_code == 200 and "Transferred to Tom" in done.content.decode()
    assert Conversation.objects.get(pk=chat.pk).assigned_agent == tom

    client.force_login(tom.user)
    bogus = client.post(url(chat, "transfer"), {"target": "agent:999999"}, headers=HTMX)
    assert bogus.status_code == 422


def test_transfer_labels_the_chats_own_queue_and_choosing_it_puts_the_chat_back_in_line(
    client, chat, general
):
    """The chat's own queue is first and says what choosing it does (back in line for a
    colleague), instead of standing unlabelled among the others; a target not offered gets a
    clear error and nothing moves."""
    form = client.get(url(chat, "transfer"), headers=HTMX).content.decode()
    own = f'<option value="queue:general">{general.name} (current queue: back in line for a'
    assert own in form and form.index(own) < form.index('value="queue:billing"')
    assert f"The chat is in the {general.name} queue." in form
    assert '<option value="queue:billing">Billing</option>' in form

    bogus = client.post(url(chat, "transfer"), {"target": "queue:nowhere"}, headers=HTMX)
    assert bogus.status_code == 422
    assert "Choose one of the queues or colleagues listed." in bogus.content.decode()
    chat.refresh_from_db()
    assert chat.status == "assigned" and not Note.objects.exists()

    done = client.post(url(chat, "transfer"), {"target": "queue:general", "note": "Break"})
    assert done.status_code == 200
    chat.refresh_from_db()
    assert (chat.status, chat.queue_id, chat.assigned_agent_id) == ("queued", general.pk, None)


def test_hand_back_needs_a_note_and_returns_the_chat_to_the_bot(client, chat):
    assert client.post(url(chat, "hand-back"), {"note": ""}, headers=HTMX).status_code == 422
    done = client.post(url(chat, "hand-back"), {"note": "Refund issued for order #12"})
    assert done.status_code == 200
    chat.refresh_from_db()
    assert chat.status == "bot"
    assert chat.messages.filter(sender="agent", body="Refund issued for order #12").exists()


def test_a_supervisor_observes_joins_and_leaves(client, chat):
    boss = AgentFactory(user__first_name="Alex", is_supervisor=True)
    client.force_login(boss.user)
    observed = client.post(url(chat, "observe"), headers=HTMX)
    assert observed["HX-Redirect"] == f"/console/?chat={chat.public_id}"
    pane = client.get(f"/console/chats/{chat.public_id}/", headers=HTMX).content.decode()
    assert (
        "Stop observing" in pane and "Reply to visitor" in pane and 'value="reply" disabled' in pane
    )

    joined = client.post(url(chat, "join"), headers={**HTMX, "HX-Target": f"chat-{chat.public_id}"})
    assert joined.status_code == 200 and "Resolve" in joined.content.decode()
    assert ChatParticipant.objects.get(agent=boss).role == "joined"
    assert client.post(url(chat, "leave")).status_code == 200
    assert not ChatParticipant.objects.exists()
    assert client.post(url(chat, "leave")).status_code == 409


def test_agents_cannot_observe_or_join(client, chat, general):
    tom = AgentFactory(queues=[general])
    client.force_login(tom.user)
    assert client.post(url(chat, "observe")).status_code == 403
    assert client.post(url(chat, "join")).status_code == 403
    assert not ChatParticipant.objects.exists()
