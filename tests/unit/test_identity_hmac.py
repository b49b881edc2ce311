"""The host site's identity claims: the HMAC check and the claims' parsing (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.identity import IdentityRefused, identity_verify, user_hash

SECRET = "s3cret-of-the-site"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def claims(**extra: object) -> dict[str, object]:
    return {"id": "u-42", "hash": user_hash(secret=SECRET, user_id="u-42"), **extra}


def test_the_hash_is_hex_hmac_sha256_of_the_id() -> None:
    # The value Python's and Node's snippets in docs/identity.md print for these inputs.
    assert user_hash(secret="secret", user_id="42") == (
        "93c121e7aa437a1e01e3c512c6f0ce3c821a839025dca4408f85616de4aaee70"
    )


def test_a_signed_identity_is_believed_with_its_claims() -> None:
    identity = identity_verify(
        claims=claims(
            email="ann@example.com", name="Ann Lee", plan="VIP", created="2024-11-05T08:00:00Z"
        ),
        secret=SECRET,
        now=NOW,
    )
    assert (identity.user_id, identity.email, identity.name, identity.plan) == (
        "u-42",
        "ann@example.com",
        "Ann Lee",
        "VIP",
    )
    assert identity.signed_up_at == datetime(2024, 11, 5, 8, 0, tzinfo=UTC)


def test_an_uppercase_hash_and_a_numeric_id_are_the_same_user() -> None:
    hashed = user_hash(secret=SECRET, user_id="42").upper()
    assert (
        identity_verify(claims={"id": 42, "hash": hashed}, secret=SECRET, now=NOW).user_id == "42"
    )


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ({"id": "u-42"}, "unsigned"),
        ({"id": "u-42", "hash": ""}, "unsigned"),
        ({"id": "u-42", "hash": "not hex"}, "unsigned"),
        ({"id": "u-43", "hash": user_hash(secret=SECRET, user_id="u-42")}, "does not match"),
        ({"id": "u-42", "hash": user_hash(secret="other", user_id="u-42")}, "does not match"),
        ({"hash": user_hash(secret=SECRET, user_id="")}, "no user id"),
        ({"id": "x" * 121, "hash": user_hash(secret=SECRET, user_id="x" * 121)}, "no user id"),
        ({"id": True, "hash": user_hash(secret=SECRET, user_id="True")}, "no user id"),
    ],
)
def test_unsigned_or_tampered_claims_are_refused(bad: dict[str, object], why: str) -> None:
    with pytest.raises(IdentityRefused, match=why):
        identity_verify(claims=bad, secret=SECRET, now=NOW)


def test_a_site_without_a_secret_believes_no_one() -> None:
    with pytest.raises(IdentityRefused):
        identity_verify(claims=claims(), secret="", now=NOW)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("2024-11-05", datetime(2024, 11, 5, tzinfo=UTC)),
        ("2024-11-05T10:00:00+02:00", datetime(2024, 11, 5, 8, tzinfo=UTC)),
        ("2024-11-05T10:00:00", datetime(2024, 11, 5, 10, tzinfo=UTC)),  # naive: UTC
        (1730793600, datetime(2024, 11, 5, 8, tzinfo=UTC)),  # Unix seconds
        ("2027-01-01", None),  # in the future
        ("last tuesday", None),
        ("", None),
        (None, None),
    ],
)
def test_the_signed_up_date(created: object, expected: datetime | None) -> None:
    identity = identity_verify(claims=claims(created=created), secret=SECRET, now=NOW)
    assert identity.signed_up_at == expected


def test_malformed_optional_claims_are_dropped_not_fatal() -> None:
    identity = identity_verify(
        claims=claims(email="not-an-email", name=["x"], plan="  "), secret=SECRET, now=NOW
    )
    assert (identity.email, identity.name, identity.plan) == ("", "", "")
