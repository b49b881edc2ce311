"""The demo's console side: canned replies, manual routing, and the demo agent and admin.

conversations.demo.loader seeds the site and knowledge base and then the rows of the apps
above it; this is the agents app's part, registered in AgentsConfig.ready().
"""

from __future__ import annotations

from datetime import time

from django.contrib.auth import get_user_model

from agents.models import AgentProfile, CannedReply, Queue, QueueHours, QueueMembership
from conversations.demo.logins import DEMO_ADMIN, DEMO_ADMIN_NAME, DEMO_AGENT, DEMO_AGENT_NAME

CANNED_REPLIES = [
    ("hello", "Greeting", "Hi, I'm here to help. I've read your conversation with our assistant."),
    (
        "refund",
        "Refund on its way",
        "I've issued the refund. It reaches your account in 3–5 business days.",
    ),
    (
        "order",
        "Order number",
        "Could you share your order number (it starts with #)? It's in your confirmation email.",
    ),
    ("bye", "Closing", "Is there anything else I can help with today? Thanks for your patience!"),
]


# Office hours for the specialist teams (New York); general support, security and VIP have no
# schedule, so they are always open (the bot's front line, and the urgent queues).
WEEKDAYS_9_TO_5 = [(day, time(9), time(17)) for day in range(5)]
DEMO_HOURS = {
    "billing": [*WEEKDAYS_9_TO_5, (5, time(10), time(14))],
    "legal": WEEKDAYS_9_TO_5,
    "manager": WEEKDAYS_9_TO_5,
    "specialists": [(day, time(8), time(20)) for day in range(6)],
    "technical": WEEKDAYS_9_TO_5,
}


def _hours_ensure() -> None:
    for slug, intervals in DEMO_HOURS.items():
        queue = Queue.objects.filter(slug=slug).first()
        if queue is None or queue.hours.exists():
            continue  # an admin's own schedule stays
        Queue.objects.filter(pk=queue.pk).update(time_zone="America/New_York")
        QueueHours.objects.bulk_create(
            QueueHours(queue=queue, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in intervals
        )


def demo_agents_load() -> None:
    # Manual routing, so the demo shows the live queue and "Take over" instead of auto-assigning.
    Queue.objects.filter(slug="general").update(routing=Queue.Routing.MANUAL)
    for shortcut, title, body in CANNED_REPLIES:
        CannedReply.objects.get_or_create(
            shortcut=shortcut, defaults={"title": title, "body": body}
        )
    _hours_ensure()
    agent = _user_ensure(*DEMO_AGENT, first_name=DEMO_AGENT_NAME, superuser=False)
    admin = _user_ensure(*DEMO_ADMIN, first_name=DEMO_ADMIN_NAME, superuser=True)
    _agent_ensure(agent, queues=Queue.objects.exclude(slug__in=["legal", "manager"]))
    _agent_ensure(admin, queues=Queue.objects.all(), supervisor=True)


def _agent_ensure(user, *, queues, supervisor: bool = False) -> None:
    profile, _ = AgentProfile.objects.get_or_create(
        user=user, defaults={"is_supervisor": supervisor}
    )
    for queue in queues:
        QueueMembership.objects.get_or_create(agent=profile, queue=queue)


def _user_ensure(username: str, password: str, *, first_name: str, superuser: bool):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "is_staff": True, "is_superuser": superuser},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
