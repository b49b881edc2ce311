"""Site-wide HTTP endpoints that belong to no app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages without a <link rel="icon"> (JSON, errors)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
