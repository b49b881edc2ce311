"""Visitor tokens: server-issued, signed, carrying a random visitor id and the site key.

The token is the visitor's only credential. It travels in the first websocket frame, never
in a URL, and no API returns it after it was issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core import signing

SALT = "chatsy.visitor-token.v1"


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired, or for another site."""


@dataclass(frozen=True)
class VisitorClaims:
    visitor_id: UUID
    site_key: str


def issue_token(*, visitor_id: UUID, site_key: str) -> str:
    return signing.dumps({"v": visitor_id.hex, "s": site_key}, salt=SALT, compress=False)


def read_token(token: str, *, site_key: str) -> VisitorClaims:
    if not isinstance(token, str) or not token or len(token) > 512:
        raise InvalidToken("missing or malformed token")
    max_age = timedelta(days=settings.CHATSY_VISITOR_TOKEN_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
        claims = VisitorClaims(visitor_id=UUID(hex=payload["v"]), site_key=payload["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidToken("invalid token") from error
    if claims.site_key != site_key:
        raise InvalidToken("token belongs to another site")
    return claims
