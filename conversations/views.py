"""HTTP entry points for the widget and the demo store page."""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from chatsy.budgets import budget_take
from chatsy.client_address import client_address_from_meta
from conversations import selectors, services
from conversations.demo.loader import DEMO_SITE_KEY
from conversations.models import Site
from conversations.origins import origin_allowed, request_own_origin


def demo_store(request: HttpRequest) -> HttpResponse:
    """A fictional shop's page with the widget embedded by one tag."""
    return render(request, "demo/store.html", {"site_key": DEMO_SITE_KEY})


def demo_article(request: HttpRequest, slug: str) -> HttpResponse:
    """The demo store's help-centre page of one article: what offline answers' "Read more"
    links to (the demo loader sets each article's URL to it)."""
    article = get_object_or_404(selectors.articles_published(), slug=slug)
    return render(request, "demo/article.html", {"article": article, "site_key": DEMO_SITE_KEY})


@csrf_exempt  # Cross-origin and cookie-less: the signed token, not a cookie, is the credential.
@require_http_methods(["POST", "OPTIONS"])
def widget_session(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight(request)
    try:
        payload = json.loads(request.body or b"{}")
        site_key = payload["site_key"]
        token, identity = payload.get("token"), payload.get("identity")
        if not isinstance(site_key, str) or not isinstance(token, str | None):
            raise TypeError
        if not isinstance(identity, dict | None):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError):
        return _error(
            request,
            400,
            "bad_request",
            'Send JSON like {"site_key": "…"}, with optionally "token": "…" and "identity": {…}.',
        )
    site = selectors.site_get_active(key=site_key)
    if site is None:
        return _error(request, 404, "unknown_site", "No active site has that key.")
    if not _origin_ok(request, site):
        return _error(request, 403, "origin_not_allowed", "This origin may not embed the widget.")
    verdict = budget_take("visitor", address=client_address_from_meta(request.META))
    if not verdict.allowed:
        response = _error(
            request, 429, "rate_limited", "Too many new chats from here; try again in a minute."
        )
        response["Retry-After"] = str(max(1, math.ceil(verdict.retry_after)))
        response["Access-Control-Expose-Headers"] = "Retry-After"  # the widget may read it
        return response
    session = services.visitor_session(site=site, token=token, claims=identity, now=timezone.now())
    body = {
        "token": session.token,
        "ws_path": "/ws/widget/",
        "site": _site_info(site),
        "identified": session.identified,
    }
    return _with_cors(request, JsonResponse(body, status=201), site)


@require_http_methods(["GET", "OPTIONS"])
def widget_config(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight(request)
    site = selectors.site_get_active(key=request.GET.get("site_key", ""))
    if site is None:
        return _error(request, 404, "unknown_site", "No active site has that key.")
    if not _origin_ok(request, site):
        return _error(request, 403, "origin_not_allowed", "This origin may not embed the widget.")
    return _with_cors(request, JsonResponse({"site": _site_info(site)}), site)


def _site_info(site: Site) -> dict[str, str]:
    return {"name": site.name, "greeting": site.greeting, "bot_name": settings.CHATSY_BOT_NAME}


def _origin_ok(request: HttpRequest, site: Site) -> bool:
    return origin_allowed(
        site=site, origin=request.headers.get("Origin", ""), own_origin=request_own_origin(request)
    )


def _with_cors(
    request: HttpRequest, response: HttpResponse, site: Site | None = None
) -> HttpResponse:
    """Lets the page read the answer: exactly its origin, if the site (when known) allows it."""
    response["Vary"] = "Origin"
    origin = request.headers.get("Origin", "")
    if origin and (site is None or _origin_ok(request, site)):
        response["Access-Control-Allow-Origin"] = origin
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    # The real check happens on the actual request, once the site is known.
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "600"
    return _with_cors(request, response)


def _error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    # A refused origin gets no CORS header, so its page cannot read even the error. Without a
    # site (a bad or unknown key) the embedding page may read why, so the widget stops trying.
    return response if status == 403 else _with_cors(request, response)
