"""Issue 12: a console socket lives only as long as its session would let a request in.

Deactivation, a password change, the removal of the agent profile and logging out each close
the user's console sockets at once (a signal sends `session.check` / `session.logout` to the
user's group); a change no signal reports is caught by the next frame, push or heartbeat.
After the close nothing more of the visitor's chat reaches the socket. Real ASGI app, real
Redis channel layer, real database; the close latency is printed (run with -s), not asserted.
"""

from __future__ import annotations

import json
import time

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from agents import services
from agents.consumers import CLOSE_FORBIDDEN, CLOSE_LOGGED_OUT, CLOSE_REAUTHENTICATE
from agents.models import AgentProfile, Queue
from conversations.models import Conversation
from tests.factories import AgentFactory, QueueFactory
from tests.support.console_socket import console_communicator, console_socket, receive_until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLOSE_BOUND_SECONDS = 5  # generous: the close usually arrives within milliseconds


@pytest.fixture
def queues(default_policy):
    QueueFactory(slug="general", routing=Queue.Routing.MANUAL)


def make_agent() -> AgentProfile:
    return AgentFactory(queues=list(Queue.objects.filter(slug="general")))


@pytest_asyncio.fixture
async def handoff(client, queues, new_visitor):
    """A visitor asked for a human over the widget socket and Sarah (console open) took it."""
    agent = await database_sync_to_async(make_agent)()
    console = await console_socket(client, agent)
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human")
    await visitor.receive_type("status")
    conversation = await database_sync_to_async(Conversation.objects.get)()
    await database_sync_to_async(services.conversation_claim)(
        agent=agent, public_id=str(conversation.public_id)
    )
    await receive_until(console, f'id="chat-{conversation.public_id}"')
    await visitor.receive_type("status")
    yield agent, console, visitor
    await console.disconnect()
    await visitor.close()


async def closed_with(socket: WebsocketCommunicator, what: str, started: float) -> int:
    """The close code, skipping the pushes that came before it; prints how long after the
    change committed (`started`) it arrived."""
    while True:
        output = await socket.receive_output(timeout=CLOSE_BOUND_SECONDS)
        if output["type"] == "websocket.close":
            print(f"\n{what}: socket closed {1000 * (time.monotonic() - started):.0f} ms after")
            return output.get("code", 1000)


async def nothing_more_after_the_close(console: WebsocketCommunicator, visitor) -> None:
    """The visitor writes on: their words are stored, and none of it reaches the closed socket."""
    await visitor.say("my card number is 4111 1111 1111 1111")
    await visitor.send({"type": "typing", "active": True})
    assert await console.receive_nothing(timeout=1)
    assert await database_sync_to_async(
        Conversation.objects.filter(messages__body__contains="4111").exists
    )()


def deactivate(agent: AgentProfile, client: Client) -> None:
    agent.user.is_active = False
    agent.user.save()


def change_password(agent: AgentProfile, client: Client) -> None:
    agent.user.set_password("a-new-long-password")
    agent.user.save()


def remove_agent(agent: AgentProfile, client: Client) -> None:
    AgentProfile.objects.get(pk=agent.pk).delete()


def log_out(agent: AgentProfile, client: Client) -> None:
    client.post("/console/logout/")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (deactivate, CLOSE_LOGGED_OUT),
        (change_password, CLOSE_REAUTHENTICATE),
        (remove_agent, CLOSE_FORBIDDEN),
        (log_out, CLOSE_LOGGED_OUT),
    ],
    ids=["deactivated", "password-changed", "agent-removed", "logged-out"],
)
async def test_the_change_closes_the_console_and_nothing_of_the_chat_follows(
    handoff, client, change, code
):
    agent, console, visitor = handoff
    await database_sync_to_async(change)(agent, client)  # committed when it returns
    started = time.monotonic()
    assert await closed_with(console, change.__name__, started) == code
    await nothing_more_after_the_close(console, visitor)


async def reconnect(client: Client, path: str = "/ws/console/") -> tuple[bool, int | None]:
    socket = console_communicator(client, path)
    connected, code = await socket.connect()
    if connected:
        await socket.disconnect()
    return connected, code


async def test_a_password_change_lets_only_the_changer_s_session_back_in(queues):
    """The agent is signed in twice and changes the password in one browser (Django keeps
    that session, with a new key and the new hash): both consoles close with a code the page
    reconnects on, and only the changer's reconnect is let in."""
    agent = await database_sync_to_async(AgentFactory)()
    changer, other = Client(), Client()
    changer_socket = await console_socket(changer, agent)
    other_socket = await console_socket(other, agent)
    response = await database_sync_to_async(changer.post)(
        "/admin/password_change/",
        {
            "old_password": "pw-for-tests",
            "new_password1": "a-new-long-password",
            "new_password2": "a-new-long-password",
        },
    )
    assert response.status_code == 302
    started = time.monotonic()
    for socket in (changer_socket, other_socket):
        assert await closed_with(socket, "password change", started) == CLOSE_REAUTHENTICATE
    assert await reconnect(changer) == (True, None)
    assert await reconnect(other) == (False, CLOSE_FORBIDDEN)


async def test_a_deactivation_no_signal_reports_is_caught_by_the_next_push(handoff):
    """A queryset update sends no signal: the next event for the chat re-checks the session
    in the same database hop as its access check, and closes instead of pushing."""
    agent, console, visitor = handoff
    await database_sync_to_async(type(agent.user).objects.filter(pk=agent.user_id).update)(
        is_active=False
    )
    await visitor.say("are you still there?")
    assert await closed_with(console, "next push", time.monotonic()) == CLOSE_LOGGED_OUT
    await nothing_more_after_the_close(console, visitor)


async def test_a_deactivation_no_signal_reports_is_caught_by_the_next_frame(handoff):
    agent, console, visitor = handoff
    conversation = await database_sync_to_async(Conversation.objects.get)()
    await database_sync_to_async(type(agent.user).objects.filter(pk=agent.user_id).update)(
        is_active=False
    )
    await console.send_to(
        text_data=json.dumps(
            {"type": "typing", "conversation": str(conversation.public_id), "active": True}
        )
    )
    assert await closed_with(console, "next frame", time.monotonic()) == CLOSE_LOGGED_OUT
    assert not any(
        frame["type"] == "typing" and frame.get("sender") == "agent"
        for frame in await drain_frames(visitor)
    )


async def drain_frames(visitor) -> list[dict]:
    frames = []
    while not await visitor.socket.receive_nothing(timeout=0.5):
        frames.append(await visitor.receive())
    return frames


async def test_a_supervisor_demoted_loses_the_supervisor_view(client, queues):
    agent = await database_sync_to_async(AgentFactory)(is_supervisor=True)
    socket = await console_socket(client, agent, path="/ws/console/?view=supervisor")
    agent.is_supervisor = False
    await database_sync_to_async(agent.save)()
    started = time.monotonic()
    assert await closed_with(socket, "demotion", started) == CLOSE_FORBIDDEN


async def test_an_unrelated_change_to_the_user_keeps_the_console_open(client, queues):
    agent = await database_sync_to_async(AgentFactory)()
    socket = await console_socket(client, agent)
    agent.user.first_name = "Sally"
    await database_sync_to_async(agent.user.save)()
    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()
