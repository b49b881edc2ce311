"""Which browser origins may use a site's widget: its allowed origins and our own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conversations.models import Site


def origin_allowed(*, site: Site, origin: str, host: str) -> bool:
    """Browsers always send Origin; a client without one is not a browser and is let through."""
    origin = origin.rstrip("/")
    return not origin or origin in site.origins or origin.split("://", 1)[-1] == host


def origin_and_host(scope: Mapping[str, Any]) -> tuple[str, str]:
    """The Origin and Host headers of an ASGI scope."""
    headers = dict(scope.get("headers") or [])
    return (
        headers.get(b"origin", b"").decode("latin-1"),
        headers.get(b"host", b"").decode("latin-1"),
    )
