"""System checks of agents' configuration.

Routing: every escalation rule, VIP plan and the default queue route to a queue that
exists. A missing queue does not fail at runtime (routing falls back to a queue handling the
category, then to "general"), so without this check a typo sends chats to the wrong team
silently. Registered in AgentsConfig.ready(): agents sees both the rules and the queues.

A warning, not an error: an error would stop `migrate` itself (it runs the checks first), so
an upgrade could never apply the migration that creates the missing queue, and deactivating a
queue in admin would stop every management command."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning
from django.db import DatabaseError

from agents.weekly_schedule import weekday_number
from chatsy.timezones import zone_named

MISSING_QUEUE_ID = "agents.W001"
LOOPBACK_PUBLIC_URL_ID = "agents.W002"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


@dataclass(frozen=True)
class RoutingTarget:
    owner: str  # "Escalation rule 'technical_issue'"
    queue_slug: str


def targets_missing(
    targets: Iterable[RoutingTarget], queue_slugs: Iterable[str]
) -> list[RoutingTarget]:
    """The targets naming no active queue, in the order given. Blank slugs mean "none"."""
    existing = set(queue_slugs)
    return [t for t in targets if t.queue_slug and t.queue_slug not in existing]


def missing_queue_errors(
    targets: Iterable[RoutingTarget], queue_slugs: Iterable[str]
) -> list[Warning]:
    slugs = sorted(set(queue_slugs))
    return [
        Warning(
            f"{target.owner} routes to queue '{target.queue_slug}', which does not exist "
            "or is inactive.",
            hint=f"Create an active queue with slug '{target.queue_slug}' (Admin \u2192 Queues), "
            f"or point it at an existing one: {', '.join(slugs) or 'none exists yet'}.",
            id=MISSING_QUEUE_ID,
        )
        for target in targets_missing(targets, slugs)
    ]


def routing_targets_read() -> tuple[list[RoutingTarget], list[str]]:
    """Every queue the configuration routes to, and the active queues' slugs."""
    from agents.models import Queue
    from escalation.models import EscalationRule, EscalationSettings, Plan

    targets = [
        RoutingTarget(f"Escalation rule '{key}'", slug)
        for key, slug in EscalationRule.objects.filter(active=True).values_list(
            "key", "target_queue"
        )
    ]
    targets += [
        RoutingTarget(f"Plan '{name}'", slug)
        for name, slug in Plan.objects.values_list("name", "dedicated_queue")
    ]
    targets += [
        RoutingTarget("The escalation thresholds' default queue", slug)
        for slug in EscalationSettings.objects.values_list("default_queue", flat=True)
    ]
    return targets, list(Queue.objects.filter(active=True).values_list("slug", flat=True))


def check_routing_queues_exist(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Before `migrate` has created the tables there is nothing to check yet."""
    try:
        targets, slugs = routing_targets_read()
    except DatabaseError:
        return []
    return missing_queue_errors(targets, slugs)


def check_weekly_review_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A typo in the weekly review's settings fails `manage.py check` (and every start), not
    the review's first run days later."""
    errors = []
    try:
        weekday_number(settings.CHATSY_WEEKLY_REVIEW_DAY)
    except ValueError as error:
        errors.append(Error(f"CHATSY_WEEKLY_REVIEW_DAY: {error}", id="agents.E101"))
    if not 0 <= settings.CHATSY_WEEKLY_REVIEW_HOUR <= 23:
        errors.append(Error("CHATSY_WEEKLY_REVIEW_HOUR must be 0–23", id="agents.E102"))
    if zone_named(settings.CHATSY_WEEKLY_REVIEW_TIME_ZONE) is None:
        errors.append(
            Error("CHATSY_WEEKLY_REVIEW_TIME_ZONE is not an IANA time zone", id="agents.E103")
        )
    return errors


def public_url_is_loopback(url: str) -> bool:
    """True for a URL only this machine can open (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_public_url(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """In production the links built on it (the weekly review's, the bot's "Read more" to the
    store's own help pages) must reach the site: the default (http://127.0.0.1:8000) works
    only on the developer's machine."""
    if settings.DEBUG or not public_url_is_loopback(settings.CHATSY_PUBLIC_URL):
        return []
    return [
        Warning(
            f"CHATSY_PUBLIC_URL is {settings.CHATSY_PUBLIC_URL!r}, a loopback address: the "
            "links in the weekly review email and the bot's links to help pages stored as "
            "paths will not open for their readers.",
            hint="Set CHATSY_PUBLIC_URL to the address people reach this server at, e.g. "
            "https://chat.example.com.",
            id=LOOPBACK_PUBLIC_URL_ID,
        )
    ]
