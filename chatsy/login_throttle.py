"""Login throttling for the console's login and the admin's, on django-axes.

Two limits, each over its own window: failures from one client address (a guesser trying many
usernames) and failures on one username from any addresses (a guesser spread over many).
django-axes records each failure (one AccessAttempt row per username, address and browser);
this handler reads those rows against both limits, and axes refuses a login, before any
password is hashed, while one is reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# django-axes ships no type information.
from axes.handlers.database import AxesDatabaseHandler  # type: ignore[import-untyped]
from axes.helpers import get_client_username  # type: ignore[import-untyped]
from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chatsy.client_address import client_address_from_meta


@dataclass(frozen=True)
class LoginLimit:
    parameter: str  # an AccessAttempt field: "ip_address" or "username"
    failures: int
    window: timedelta


def login_limits() -> list[LoginLimit]:
    return [
        LoginLimit(
            "ip_address",
            settings.CHATSY_LOGIN_FAILURES_PER_ADDRESS,
            timedelta(minutes=settings.CHATSY_LOGIN_ADDRESS_WINDOW_MINUTES),
        ),
        LoginLimit(
            "username",
            settings.CHATSY_LOGIN_FAILURES_PER_USERNAME,
            timedelta(minutes=settings.CHATSY_LOGIN_USERNAME_WINDOW_MINUTES),
        ),
    ]


def client_address(request: HttpRequest) -> str | None:
    """The address a login attempt is counted against (AXES_CLIENT_IP_CALLABLE): the one the
    visitor budgets use, so X-Forwarded-For counts only behind CHATSY_TRUSTED_PROXIES."""
    return client_address_from_meta(request.META)


def limits_reached(
    request: HttpRequest, credentials: dict[str, Any] | None = None
) -> list[datetime]:
    """When each limit this login attempt has reached lifts (empty: none reached)."""
    values = {
        "ip_address": getattr(request, "axes_ip_address", None) or client_address(request),
        "username": get_client_username(request, credentials),
    }
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    lifts = []
    for limit in login_limits():
        if not values[limit.parameter]:
            continue
        counted = AccessAttempt.objects.filter(
            **{limit.parameter: values[limit.parameter]}, attempt_time__gte=now - limit.window
        ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (counted["failures"] or 0) >= limit.failures:
            lifts.append(counted["last"] + limit.window)
    return lifts


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler, whose failure count is the number of limits reached (against
    AXES_FAILURE_LIMIT = 1): each limit keeps its own count and window."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        return len(limits_reached(request, credentials))


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page a refused login gets (axes passes the original response
    and the credentials, or only the credentials, depending on the middleware's mode)."""
    credentials = getattr(request, "axes_credentials", None)
    lifts = limits_reached(request, credentials)
    wait = max(lifts) - timezone.now() if lifts else timedelta(minutes=1)
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    context = {"minutes": minutes}
    return render(request, "console/locked_out.html", context, status=429)
