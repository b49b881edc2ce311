"""Logging out closes every console socket of that user and takes the agent offline."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from agents import selectors, services
from chatsy import events, realtime


@receiver(user_logged_out)
def console_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    realtime.group_send_on_commit(realtime.user_group(user.pk), events.session_logout())
    agent = selectors.agent_for_user(user=user)
    if agent is not None:
        services.agent_presence_update(agent=agent, status="offline")
