"""Login throttling for the console's login and the admin's, on django-axes.

Two limits, each over its own window: failures from one client address (a guesser trying many
usernames) and failures on one username from any addresses (a guesser spread over many).
Each failure is logged with its time (axes' AccessFailureLog), so a window counts the failures
inside it: axes' own AccessAttempt counter keeps growing while failures come closer together
than its cool-off, which would make "5 in 5 minutes" mean "5 a few minutes apart". axes refuses
a login, before any password is hashed, while a limit is reached.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# django-axes ships no type information.
from axes.handlers.database import AxesDatabaseHandler  # type: ignore[import-untyped]
from axes.helpers import get_client_username  # type: ignore[import-untyped]
from axes.models import AccessFailureLog  # type: ignore[import-untyped]
from django.conf import settings
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
    visitor budgets use, so X-Forwarded-For counts only behind CHATSY_TRUSTED_PROXIES. None
    when there is no address (axes stores it in an IP column: PostgreSQL refuses "unknown")."""
    address = client_address_from_meta(request.META)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


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
        newest = list(
            AccessFailureLog.objects.filter(
                **{limit.parameter: values[limit.parameter]}, attempt_time__gt=now - limit.window
            )
            .order_by("-attempt_time")
            .values_list("attempt_time", flat=True)[: limit.failures]
        )
        if len(newest) >= limit.failures:  # reached until the oldest of these leaves the window
            lifts.append(newest[-1] + limit.window)
    return lifts


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler, whose failure count is the number of limits reached (against
    AXES_FAILURE_LIMIT = 1): each limit keeps its own count and window."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        return len(limits_reached(request, credentials))

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        """Log the failure first, so the lockout axes decides next counts it (the 5th failure
        locks); an attempt refused during a lockout is not a new failure. Logs older than the
        longest window are dropped."""
        if request is not None and not getattr(request, "axes_locked_out", False):
            AccessFailureLog.objects.create(
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
                user_agent=request.axes_user_agent,  # type: ignore[attr-defined]
                http_accept=request.axes_http_accept,  # type: ignore[attr-defined]
                path_info=request.axes_path_info,  # type: ignore[attr-defined]
                attempt_time=request.axes_attempt_time,  # type: ignore[attr-defined]
            )
            oldest = timezone.now() - max(limit.window for limit in login_limits())
            AccessFailureLog.objects.filter(attempt_time__lt=oldest).delete()
        super().user_login_failed(sender, credentials, request, **kwargs)


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page a refused login gets (axes passes the original response
    and the credentials, or only the credentials, depending on the middleware's mode)."""
    credentials = getattr(request, "axes_credentials", None)
    lifts = limits_reached(request, credentials)
    wait = max(lifts) - timezone.now() if lifts else timedelta(minutes=1)
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    context = {"minutes": minutes}
    return render(request, "console/locked_out.html", context, status=429)
