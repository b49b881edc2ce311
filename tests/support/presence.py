"""An agent available for auto-assign without a browser: status online and one live console.

The console entry is what an open console socket records (agents.consumers); tests that are
about the socket itself open a real one (tests.support.console_socket) instead.
"""

from __future__ import annotations

from agents import presence
from agents.models import AgentProfile


def agent_available(agent: AgentProfile, *, now: float | None = None) -> None:
    presence.presence_set(agent.pk, "online", now=now)
    presence.presence_console_beat(agent.pk, f"test-console-{agent.pk}", now=now)
