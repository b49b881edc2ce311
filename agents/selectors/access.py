"""Who may see and act on a chat: re-checked for every request, event and frame."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db.models import OuterRef, Subquery

from agents.models import AgentProfile, ChatParticipant
from conversations.models import Conversation

OWNER, JOINED, OBSERVER = "owner", "joined", "observer"
WRITERS = (OWNER, JOINED)


def chat_role(*, agent: AgentProfile, conversation: Conversation) -> str | None:
    """owner (assigned to them), joined / observer (a supervisor), or None: no access."""
    if (
        conversation.status == Conversation.Status.ASSIGNED
        and conversation.assigned_agent_id == agent.pk
    ):
        return OWNER
    return (
        ChatParticipant.objects.filter(conversation=conversation, agent=agent)
        .values_list("role", flat=True)
        .first()
    )


def chat_access(*, agent: AgentProfile, public_id: str) -> str | None:
    """chat_role from a public id, in one query: consoles re-check it for every event."""
    row = (
        Conversation.objects.filter(public_id=public_id)
        .annotate(
            my_role=Subquery(
                ChatParticipant.objects.filter(conversation=OuterRef("pk"), agent=agent).values(
                    "role"
                )[:1]
            )
        )
        .values("status", "assigned_agent_id", "my_role")
        .first()
    )
    if row is None:
        return None
    if row["status"] == Conversation.Status.ASSIGNED and row["assigned_agent_id"] == agent.pk:
        return OWNER
    return row["my_role"]


def agent_may_write(*, agent: AgentProfile, conversation: Conversation) -> bool:
    """Only the assigned agent, or a supervisor who joined, writes to the visitor."""
    return conversation.status == Conversation.Status.ASSIGNED and (
        chat_role(agent=agent, conversation=conversation) in WRITERS
    )


def agent_for_user(*, user) -> AgentProfile | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return AgentProfile.objects.select_related("user").filter(user=user).first()


def session_active(*, session_key: str | None) -> bool:
    """False once the user logged out (or the session expired): their sockets must close."""
    if not session_key:
        return False
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(session_key)
