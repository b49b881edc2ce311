"""Console sockets follow the user: logging out closes every console socket of that user and
takes the agent offline; any other change to the user (password, deactivation) or to their
agent profile (removed, no longer a supervisor) makes each socket re-check its own session."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agents import selectors, services
from agents.models import AgentProfile
from chatsy import events, realtime
from chatsy.redis import RedisUnavailable

logger = logging.getLogger(__name__)


@receiver(user_logged_out)
def console_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    realtime.group_send_on_commit(realtime.user_group(user.pk), events.session_logout())
    agent = selectors.agent_for_user(user=user)
    if agent is not None:
        services.agent_presence_update(agent=agent, status="offline")


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def console_user_changed(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A password change or deactivation closes the sockets it invalidates, within the
    channel layer's delivery time. Logging in (last_login only) changes nothing that matters."""
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    realtime.group_send_on_commit(realtime.user_group(instance.pk), events.session_check())
    if not instance.is_active:
        agent = AgentProfile.objects.filter(user=instance).first()
        if agent is None:
            return
        try:  # their chats go back to the queue now, not when their presence expires
            services.agent_presence_update(agent=agent, status="offline")
        except RedisUnavailable:  # presence expires by itself; the SLA watch returns the chats
            logger.warning("agent %s deactivated while Redis is unreachable", agent.pk)


@receiver(post_save, sender=AgentProfile)
@receiver(post_delete, sender=AgentProfile)
def console_agent_changed(sender, instance, created=False, **kwargs) -> None:
    if not created:
        realtime.group_send_on_commit(realtime.user_group(instance.user_id), events.session_check())
