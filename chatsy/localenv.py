"""Environment values read before Django's settings load (imports nothing from Django): the
setup for running Chatsy with DEBUG off on plain http at 127.0.0.1 (the test suite,
tests/settings.py, and `make bench`), and Daphne's message bound, which the launchers pass on
the command line (`make run` itself runs without settings: DEBUG off would need a SECRET_KEY)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, MutableMapping


def plain_http_env_apply(env: MutableMapping[str, str]) -> None:
    """Sets what is not set: a random SECRET_KEY (children inherit it, so tokens signed in one
    process verify in another), no redirect to https and no Secure-only cookies."""
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("SECURE_SSL_REDIRECT", "false")
    env.setdefault("SESSION_COOKIE_SECURE", "false")
    env.setdefault("CSRF_COOKIE_SECURE", "false")
    env.setdefault("SECURE_HSTS_SECONDS", "0")


def websocket_max_message_bytes(env: Mapping[str, str]) -> int:
    """Daphne's --websocket-max-message-size (settings.CHATSY_WS_MAX_MESSAGE_BYTES)."""
    return int(env.get("CHATSY_WS_MAX_MESSAGE_BYTES", str(512 * 1024)))
