"""What the agent console hears when a chat changes hands. Sent on commit, never before."""

from __future__ import annotations

from collections.abc import Iterable

from chatsy import events, realtime
from conversations.models import Conversation


def chat_opened_on_commit(conversation: Conversation, agent_id: int) -> None:
    """Every console tab of the agent opens the chat (and subscribes to it)."""
    realtime.group_send_on_commit(
        realtime.agent_group(agent_id),
        events.chat_opened(conversation=conversation.public_id),
    )


def chat_closed_on_commit(conversation: Conversation, agent_ids: Iterable[int | None]) -> None:
    """The chat leaves these agents' consoles (resolved, transferred, handed back, requeued)."""
    for agent_id in {a for a in agent_ids if a is not None}:
        realtime.group_send_on_commit(
            realtime.agent_group(agent_id),
            events.chat_closed(conversation=conversation.public_id),
        )


def supervisors_refresh_on_commit(*, reviews: bool = False) -> None:
    """`reviews`: an escalation was resolved, so the unreviewed count is pushed too."""
    realtime.group_send_on_commit(
        realtime.SUPERVISORS_GROUP, events.supervisor_refresh(reviews=reviews)
    )


def presence_changed_on_commit(agent_id: int, status: str) -> None:
    realtime.group_send_on_commit(
        realtime.agent_group(agent_id), events.presence_changed(status=status)
    )
    supervisors_refresh_on_commit()


def checkin_alert_on_commit(
    conversation: Conversation, *, text: str, agent_ids: Iterable[int]
) -> None:
    """Each manager's consoles (the console and the supervisor view) show a lasting alert."""
    for agent_id in set(agent_ids):
        realtime.group_send_on_commit(
            realtime.agent_group(agent_id),
            events.checkin_alert(conversation=conversation.public_id, text=text),
        )
