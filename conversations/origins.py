"""Which browser origins may open our sockets and read the widget's HTTP answers.

Origins are compared exactly, `scheme://host[:port]`: a page on another port or scheme of our
own host is another origin, and SameSite cookies do not tell them apart (they are same-site).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host

from conversations.models import Site

DEFAULT_PORTS = {"http": "80", "https": "443"}


def origin_normalize(origin: str) -> str:
    """`HTTPS://Shop.example.com:443/` and `https://shop.example.com` are one origin."""
    origin = origin.strip().rstrip("/").lower()
    scheme, _, authority = origin.partition("://")
    host, _, port = authority.rpartition(":") if not authority.endswith("]") else ("", "", "")
    if host and port == DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return origin


def origin_in(origin: str, allowed: Iterable[str]) -> bool:
    return bool(origin) and origin_normalize(origin) in {origin_normalize(o) for o in allowed}


def origin_allowed(*, site: Site, origin: str, own_origin: str) -> bool:
    """The site's allowed origins and our own (the demo page). Browsers always send Origin on
    these requests; a client without one is not a browser and is let through."""
    return not origin or origin_in(origin, [*site.origins, own_origin])


def console_origin_allowed(*, origin: str, own_origin: str) -> bool:
    """The console is ours alone: our own origin and CSRF_TRUSTED_ORIGINS, never none."""
    return origin_in(origin, [own_origin, *settings.CSRF_TRUSTED_ORIGINS])


def request_own_origin(request: HttpRequest) -> str:
    """Our origin as this request reached us (the scheme honours SECURE_PROXY_SSL_HEADER)."""
    return f"{request.scheme}://{request.get_host()}"


def scope_origins(scope: Mapping[str, Any]) -> tuple[str, str]:
    """(the browser's Origin, our own origin) for an ASGI websocket scope; our own is ""
    when the Host header is not one of ALLOWED_HOSTS."""
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1")
    host = headers.get(b"host", b"").decode("latin-1")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return origin, ""
    scheme = "https" if _scope_is_secure(scope, headers) else "http"
    return origin, f"{scheme}://{host}"


def _scope_is_secure(scope: Mapping[str, Any], headers: Mapping[bytes, bytes]) -> bool:
    """As Django's request.is_secure(): the trusted proxy's header if set, else the scheme."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_name, secure_value = proxy_header
        name = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin-1")
        if name in headers:
            value = headers[name].decode("latin-1").split(",", 1)[0].strip()
            return value == secure_value
    return scope.get("scheme", "ws") in {"wss", "https"}
