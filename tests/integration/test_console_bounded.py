"""The console's lists stay bounded however many visitors wait: the first rows
(CHATSY_CONSOLE_QUEUE_ROWS) and the counts, changes pushed row by row, "Show more" over HTTP.

Issue 12: 70 anonymous visitors asking for a human made the queue panel one frame over Daphne's
64 KiB limit, and every escalation after that closed every agent's console."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async

from agents import presence
from agents.models import Queue
from agents.services import agent_presence_update, conversation_claim
from tests.factories import AgentFactory, ConversationFactory, QueueFactory, escalated_conversation
from tests.support.console_socket import console_socket, receive_until

ROWS = 5
ROW = re.compile(r'<li class="queue-row[^"]*" id="queue-row-([0-9a-f-]{36})"')


@pytest.fixture
def five_rows(settings):
    settings.CHATSY_CONSOLE_QUEUE_ROWS = ROWS


def general_agent(**fields):
    general = QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    Queue.objects.exclude(pk=general.pk).update(active=False)  # everyone waits in general
    return AgentFactory(user__first_name="Sarah", queues=[general], **fields)


def waiting(count: int) -> list[str]:
    """`count` visitors escalated through the real pipeline, in queue order."""
    return [str(escalated_conversation().public_id) for _ in range(count)]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_one_new_waiting_chat_is_pushed_as_one_row_not_the_queue(
    client, five_rows, default_policy
):
    agent = await database_sync_to_async(general_agent)()
    queued = await database_sync_to_async(waiting)(8)
    socket = await console_socket(client, agent)

    # The socket's first push for a queue is its first rows, never all of it.
    ninth = await database_sync_to_async(escalated_conversation)()
    first = await receive_until(socket, 'id="queue-section-general"')
    assert ROW.findall(first) == queued[:ROWS]
    assert 'data-total="9"' in first and "(4 more)" in first

    # A newcomer at the back: the counts and nothing else (no row of the first five moves).
    tenth = await database_sync_to_async(escalated_conversation)()
    frame = await receive_until(socket, 'id="queue-summary"')
    assert ROW.findall(frame) == [] and 'data-total="10"' in frame and 'data-waiting="10"' in frame
    assert str(ninth.public_id) not in frame and str(tenth.public_id) not in frame

    # An urgent newcomer goes first: exactly its row, at the top of the list.
    urgent = await database_sync_to_async(escalated_conversation)("My account was hacked!")
    assert urgent.priority == "urgent"  # security wording; only the general queue exists
    frame = await receive_until(socket, 'id="queue-summary"')
    assert ROW.findall(frame) == [str(urgent.public_id)]
    assert 'data-after=""' in frame
    assert 'data-total="11"' in frame and "data-remove=" not in frame

    # A chat taken from the first rows: its row goes and the next one comes up, after the row
    # above it; the other rows are not sent again.
    await database_sync_to_async(conversation_claim)(agent=agent, public_id=queued[1])
    frame = await receive_until(socket, f'data-remove="queue-row-{queued[1]}"')
    # The first rows were: urgent, queued[0..3]; now urgent, queued[0], queued[2..4].
    assert ROW.findall(frame) == [queued[4]]
    assert f'data-after="queue-row-{queued[3]}"' in frame
    assert len(frame) < 8 * 1024
    await socket.disconnect()


@pytest.mark.django_db
def test_the_panel_shows_the_first_rows_and_show_more_pages_on_over_http(
    client, five_rows, default_policy
):
    agent = general_agent()
    client.force_login(agent.user)
    queued = waiting(12)
    panel = client.get("/console/queue/", headers={"HX-Request": "true"}).content.decode()
    assert ROW.findall(panel) == queued[:5]
    assert 'data-waiting="12"' in panel and 'data-total="12"' in panel and "(7 more)" in panel
    assert 'hx-get="/console/queue/general/rows/"' in panel  # the "Show more" button
    cursors = re.findall(r'data-cursor="([^"]+)"', panel)

    more = client.get("/console/queue/general/rows/", {"after": cursors[-1]})
    assert more.status_code == 200
    html = more.content.decode()
    assert 'hx-swap-oob="beforeend:#queue-rows-general"' in html
    assert ROW.findall(html) == queued[5:10] and html.count("data-loaded") == 5
    last = re.findall(r'data-cursor="([^"]+)"', html)[-1]
    rest = client.get("/console/queue/general/rows/", {"after": last}).content.decode()
    assert ROW.findall(rest) == queued[10:]

    # The queue moved meanwhile (the first chat was taken): the page after a row still
    # starts right after it, neither repeating nor skipping anyone.
    conversation_claim(agent=agent, public_id=queued[0])
    again = client.get("/console/queue/general/rows/", {"after": cursors[-1]}).content.decode()
    assert ROW.findall(again) == queued[5:10] and 'data-total="11"' in again

    # A cursor that is not one, or a queue that is not theirs: a clear 400, nothing swapped.
    for url, after in (
        ("/console/queue/general/rows/", "1.2"),
        ("/console/queue/general/rows/", "x.y.z"),
        ("/console/queue/general/rows/", "0.99999999999999999999.1"),
        ("/console/queue/general/rows/", "0.².1"),
        ("/console/queue/billing/rows/", cursors[-1]),
    ):
        refused = client.get(url, {"after": after})
        assert refused.status_code == 400 and refused["HX-Reswap"] == "none"
        assert "Could not load more rows" in refused.content.decode()


@pytest.mark.django_db
def test_a_taken_row_leaves_the_panel_of_whoever_tried_to_take_it(client, default_policy):
    agent, rival = general_agent(), AgentFactory(queues=[Queue.objects.get(slug="general")])
    chat = waiting(1)[0]
    client.force_login(agent.user)
    taken = client.post(f"/console/chats/{chat}/claim/").content.decode()
    assert f'data-remove="queue-row-{chat}"' in taken
    client.force_login(rival.user)
    late = client.post(f"/console/chats/{chat}/claim/")
    assert late.status_code == 409
    assert f'data-remove="queue-row-{chat}"' in late.content.decode()


@pytest.mark.django_db
def test_the_supervisor_view_lists_the_first_rows_and_pages_on(client, five_rows):
    conversations = [ConversationFactory() for _ in range(12)]
    for _ in range(7):
        AgentFactory()
    supervisor = AgentFactory(is_supervisor=True)
    client.force_login(supervisor.user)
    html = client.get("/console/supervisor/").content.decode()
    shown = re.findall(r'id="conv-([0-9a-f-]{36})"', html)
    assert len(shown) == 5 and 'id="conversations-count" data-total="12"' in html
    assert html.count('id="sup-agent-') == 5 and 'id="sup-agents-count" data-total="8"' in html

    cursor = re.findall(r'<li class="row" id="conv-[^"]+" data-cursor="([^"]+)"', html)[-1]
    more = client.get("/console/supervisor/conversations/rows/", {"after": cursor}).content.decode()
    newest_first = [str(c.public_id) for c in reversed(conversations)]
    assert shown == newest_first[:5]
    assert re.findall(r'id="conv-([0-9a-f-]{36})"', more) == newest_first[5:10]
    agents = client.get("/console/supervisor/agents/rows/", {"after": "5"}).content.decode()
    assert agents.count('id="sup-agent-') == 3 and 'hx-swap-oob="beforeend:#sup-agents"' in agents
    for kind, after in (
        ("agents", "x"),
        ("agents", "²"),
        ("nothing", "1"),
        ("conversations", "1.2.3"),
        ("conversations", "99999999999999999999.1"),
    ):
        refused = client.get(f"/console/supervisor/{kind}/rows/", {"after": after})
        assert refused.status_code == 400
    client.force_login(AgentFactory().user)
    assert client.get("/console/supervisor/agents/rows/", {"after": "5"}).status_code == 403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_supervisor_socket_pushes_only_the_rows_that_changed(client):
    from tests.integration.test_console import staff_socket

    supervisor = await database_sync_to_async(AgentFactory)(is_supervisor=True)
    tom = await database_sync_to_async(AgentFactory)(user__first_name="Tom")
    ann = await database_sync_to_async(AgentFactory)(user__first_name="Ann")
    socket = await staff_socket(client, supervisor.user, "/ws/console/?view=supervisor")
    assert (await socket.connect())[0]

    # The first push after connecting is the panels (their first rows only).
    await database_sync_to_async(agent_presence_update)(agent=tom, status="online")
    first = await receive_until(socket, 'id="supervisor-panels"')
    assert f'id="sup-agent-{tom.pk}"' in first and f'id="sup-agent-{ann.pk}"' in first

    # Then only what changed: Ann's row, and nobody else's.
    await database_sync_to_async(agent_presence_update)(agent=ann, status="away")
    frame = await receive_until(socket, f'id="sup-agent-{ann.pk}"')
    assert 'id="supervisor-panels"' not in frame and f"sup-agent-{tom.pk}" not in frame
    assert '<span class="dot dot-away" aria-hidden="true"></span> away' in frame
    assert await database_sync_to_async(presence.presence_get)(tom.pk) == "online"
    await socket.disconnect()
