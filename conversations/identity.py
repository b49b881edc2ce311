"""The host site's claim of who is logged in, and its check: pure (no Django, no database).

The site's server signs the user id with the site's identity secret (`user_hash` = hex
HMAC-SHA256(secret, user id)), as Intercom and Crisp verify identity; the page passes the claims
and the hash to the widget (docs/identity.md). A claim without a valid hash is refused whole:
the visitor stays anonymous and nothing in it (name, plan…) is believed.

`user_hash` signs the id only, so the other claims are still the page's word (devtools can
edit them). Name, email and sign-up date are display claims. The plan is a privilege (skip the
AI, urgent routing, VIP check-in), so it needs its own signature, `plan_hash` = hex
HMAC-SHA256(secret, "<user id>:<plan>"); without a valid one the plan is dropped and the
identity stands.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

MAX_ID = 120
MAX_NAME = 120
MAX_EMAIL = 254
MAX_PLAN = 60
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class IdentityRefused(ValueError):
    """No identity: unsigned, tampered with, or malformed. The message says which, for the log."""


@dataclass(frozen=True)
class Identity:
    """A verified user of the host site. Optional claims that were malformed are left empty."""

    user_id: str
    email: str = ""
    name: str = ""
    plan: str = ""
    signed_up_at: datetime | None = None
    plan_dropped: str = ""  # why a claimed plan was not believed, for the log; "" if none was


def plan_hash(*, secret: str, user_id: str, plan: str) -> str:
    """What the host site's server computes for the user's plan: the plan is a privilege."""
    message = f"{user_id}:{plan}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def user_hash(*, secret: str, user_id: str) -> str:
    """What the host site's server computes and puts in the page."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identity_verify(*, claims: Mapping[str, Any], secret: str, now: datetime) -> Identity:
    """The identity the claims prove, or IdentityRefused. Compares the hash in constant time."""
    if not secret:
        raise IdentityRefused("the site has no identity secret")
    user_id = _text(claims.get("id"))
    if not user_id or len(user_id) > MAX_ID:
        raise IdentityRefused("no user id, or one over 120 characters")
    given = claims.get("hash")
    if not isinstance(given, str) or not _HEX_SHA256.fullmatch(given):
        raise IdentityRefused("unsigned: no user_hash")
    if not hmac.compare_digest(user_hash(secret=secret, user_id=user_id), given.lower()):
        raise IdentityRefused("user_hash does not match the user id")
    email = _text(claims.get("email"))[:MAX_EMAIL]
    plan, plan_dropped = _plan_signed(claims, secret=secret, user_id=user_id)
    return Identity(
        user_id=user_id,
        email=email if _EMAIL.fullmatch(email) else "",
        name=_text(claims.get("name"))[:MAX_NAME],
        plan=plan,
        signed_up_at=signed_up_at_parse(claims.get("created"), now=now),
        plan_dropped=plan_dropped,
    )


def _plan_signed(claims: Mapping[str, Any], *, secret: str, user_id: str) -> tuple[str, str]:
    """The claimed plan if its plan_hash signs it for this user, else ("", why)."""
    plan = _text(claims.get("plan"))
    if not plan:
        return "", ""
    if len(plan) > MAX_PLAN:
        return "", "a plan over 60 characters"
    given = claims.get("plan_hash")
    if not isinstance(given, str) or not _HEX_SHA256.fullmatch(given):
        return "", f"plan {plan!r} unsigned: no plan_hash"
    expected = plan_hash(secret=secret, user_id=user_id, plan=plan)
    if not hmac.compare_digest(expected, given.lower()):
        return "", f"plan_hash does not match plan {plan!r}"
    return plan, ""


def signed_up_at_parse(value: object, *, now: datetime) -> datetime | None:
    """An ISO date or date-time (naive: UTC), or a Unix time in seconds; None if it is
    malformed or in the future (a clock cannot have signed up tomorrow)."""
    parsed: datetime | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str) and value.strip():
        parsed = _iso(value.strip())
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed if parsed <= now else None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.combine(date.fromisoformat(text), time.min)
    except ValueError:
        return None


def _text(value: object) -> str:
    """A one-line claim: whitespace runs (CR/LF, tabs…) become one space, other control
    characters go, since claims end up in email headers and logs."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):  # numeric ids are common: 42 and "42" are the same user
        return str(value)
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", " ".join(value.split()))
