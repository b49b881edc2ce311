"""The client's address: the socket's or request's peer, or, only behind a proxy listed in
CHATSY_TRUSTED_PROXIES, the address that proxy vouches for in X-Forwarded-For. One rule for the
visitor budgets, the widget's HTTP calls and login throttling."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNIX = "unix"  # in CHATSY_TRUSTED_PROXIES: the proxy reaches us over a unix socket


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def client_address(*, peer: str, forwarded_for: str | None, trusted: Iterable[str]) -> str:
    """The peer's address; when the peer is a trusted proxy, the right-most address of
    X-Forwarded-For that is not a trusted proxy (entries to its left are the client's to
    forge). Without trusted proxies the header is ignored. "unix" among them trusts a peer
    without an address: a proxy on a unix socket (every client would otherwise be one)."""
    entries = tuple(entry.strip() for entry in trusted if entry.strip())
    networks = _networks(tuple(entry for entry in entries if entry != UNIX))
    peer_ip = _ip(peer)
    peer_trusted = UNIX in entries if peer_ip is None else any(peer_ip in n for n in networks)
    if not peer_trusted:
        return str(peer_ip) if peer_ip is not None else peer or "unknown"
    address = str(peer_ip) if peer_ip is not None else "unknown"
    for entry in reversed((forwarded_for or "").split(",")):
        ip = _ip(entry)
        if ip is None:
            break  # a malformed hop: the last address vouched for stands
        address = str(ip)
        if not any(ip in n for n in networks):
            break
    return address


def client_address_from_scope(scope: Mapping[str, Any]) -> str:
    """The client address of an ASGI connection (the visitor socket)."""
    client = scope.get("client") or ("", 0)
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]
    return client_address(
        peer=str(client[0]),
        forwarded_for=",".join(forwarded),
        trusted=settings.CHATSY_TRUSTED_PROXIES,
    )


def client_address_from_meta(meta: Mapping[str, Any]) -> str:
    """The client address of a Django request (`request.META`): the widget's HTTP calls."""
    return client_address(
        peer=str(meta.get("REMOTE_ADDR", "")),
        forwarded_for=meta.get("HTTP_X_FORWARDED_FOR"),
        trusted=settings.CHATSY_TRUSTED_PROXIES,
    )
