"""Who may see and act on a chat: re-checked for every request, event and frame."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db.models import OuterRef, Q, Subquery
from django.utils.crypto import constant_time_compare

from agents.models import AgentProfile, ChatParticipant, QueueMembership
from conversations.models import Conversation

OWNER, JOINED, OBSERVER = "owner", "joined", "observer"
WRITERS = (OWNER, JOINED)

# Why a console socket may no longer stay open (console_session_problem).
SESSION_GONE = "session_gone"  # logged out, expired, or another user's session now
PASSWORD_CHANGED = "password_changed"  # the session carries the old password's hash
INACTIVE = "inactive"
NOT_AGENT = "not_agent"  # the agent profile was removed (or the user deleted)
NOT_SUPERVISOR = "not_supervisor"


def served_by(*, agent: AgentProfile) -> Q | None:
    """The rows (conversations or tickets: both have a queue and an assigned agent) an agent
    may read: those of the queues they serve and any assigned to them. None: a supervisor,
    who reads all."""
    if agent.is_supervisor:
        return None
    return Q(queue__in=QueueMembership.objects.filter(agent=agent).values("queue")) | Q(
        assigned_agent=agent
    )


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


def console_session_problem(
    *, session_key: str | None, user_id: int, supervising: bool = False
) -> str | None:
    """None while a console socket may stay open, else why not (SESSION_GONE…).

    What django.contrib.auth.get_user checks when a request arrives, redone for a socket that
    lives for hours: the session still exists and is this user's, it carries the hash of their
    current password, the user is active and still an agent (a supervisor, for that view).
    Two queries with database sessions: the session row, the agent joined to its user.
    """
    if not session_key:
        return SESSION_GONE
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if str(data.get(SESSION_KEY)) != str(user_id):
        return SESSION_GONE
    agent = AgentProfile.objects.select_related("user").filter(user_id=user_id).first()
    if agent is None:
        return NOT_AGENT
    user = agent.user
    if not user.is_active:
        return INACTIVE
    stored = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not any(constant_time_compare(stored, current) for current in hashes):
        return PASSWORD_CHANGED
    if supervising and not agent.is_supervisor:
        return NOT_SUPERVISOR
    return None
