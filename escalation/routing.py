"""Where an escalated conversation waits: declared here, implemented by the agents app.

Apps depend in one direction (docs/architecture.md) and agents sits above escalation, yet the
handoff names the team and the wait, and the conversation joins its queue in the escalation's
transaction. So escalation declares the interface (`Routing`) and the agents app installs its
implementation in `AgentsConfig.ready()`. One implementation, called by name from
`conversation_escalate`; calling before installation raises.
"""

from __future__ import annotations

from typing import Any, Protocol

from conversations.models import Conversation


class Routing(Protocol):
    def wait_for_newcomer(
        self, *, target_queue: str, category: str
    ) -> tuple[str, tuple[int, int] | None]:
        """The queue a new escalation will wait in, and its estimated wait (None: unknown)."""

    def route(
        self, *, conversation: Conversation, target_queue: str, category: str, priority: str
    ) -> None:
        """Put the conversation in its queue (the database now, Redis on commit)."""

    def queue_choices(self) -> list[tuple[str, str]]:
        """(slug, name) of the active queues, for the admin's queue pickers."""

    def queue_state(self, *, conversation: Conversation) -> dict[str, Any] | None:
        """Where it waits: {"position", "wait_minutes", "text", "queue"}; None if not waiting."""

    def leave(self, *, conversation: Conversation) -> None:
        """Take it out of the waiting line (Redis on commit) and tell the queue's watchers."""

    def waiting_changed(self, *, conversation: Conversation, priority: str) -> None:
        """The waiting visitor wrote: store `priority` (raised or not), re-score the line on
        commit if it rose, and redraw the conversation's queue row in every console."""


_installed: Routing | None = None


def routing_install(routing: Routing) -> None:
    global _installed
    _installed = routing


def routing() -> Routing:
    if _installed is None:
        raise LookupError("No Routing installed: is the agents app in INSTALLED_APPS?")
    return _installed
