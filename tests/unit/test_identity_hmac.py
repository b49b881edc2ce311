"""The host site's identity claims: the HMAC check and the claims' parsing (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.identity import IdentityRefused, identity_verify, plan_hash, user_hash

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
            email="ann@example.com",
            name="Ann Lee",
            plan="VIP",
            plan_hash=plan_hash(secret=SECRET, user_id="u-42", plan="VIP"),
            created="2024-11-05T08:00:00Z",
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


def test_text_claims_are_one_line_without_control_characters() -> None:
    identity = identity_verify(
        claims=claims(name="Ann\r\nBcc: x@y.z", email="ann@example.com\n"), secret=SECRET, now=NOW
    )
    assert identity.name == "Ann Bcc: x@y.z"
    assert identity.email == "ann@example.com"
    assert identity_verify(claims=claims(name="A\x00n\x7fn\tLee"), secret=SECRET, now=NOW).name == (
        "Ann Lee"
    )


def test_the_plan_hash_is_hex_hmac_sha256_of_id_colon_plan() -> None:
    # The value Python's and Node's snippets in docs/identity.md print for these inputs.
    assert plan_hash(secret="secret", user_id="42", plan="Enterprise") == (
        "a122bfdc3a77013c3d76479b3ff20687dd281c43990ab6be5188f2443d6c971f"
    )


def test_a_signed_plan_is_believed() -> None:
    signed = plan_hash(secret=SECRET, user_id="u-42", plan="Enterprise")
    identity = identity_verify(
        claims=claims(plan="Enterprise", plan_hash=signed.upper()), secret=SECRET, now=NOW
    )
    assert (identity.plan, identity.plan_dropped) == ("Enterprise", "")


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        pytest.param({"plan": "Enterprise"}, "unsigned", id="no-plan-hash"),
        pytest.param(
            {
                "plan": "Enterprise",
                "plan_hash": plan_hash(secret=SECRET, user_id="u-42", plan="VIP"),
            },
            "does not match",
            id="plan-edited-old-hash",
        ),
        pytest.param(
            {"plan": "VIP", "plan_hash": plan_hash(secret=SECRET, user_id="u-43", plan="VIP")},
            "does not match",
            id="another-users-plan-hash",
        ),
        pytest.param(
            {"plan": "VIP", "plan_hash": user_hash(secret=SECRET, user_id="u-42")},
            "does not match",
            id="the-user-hash",
        ),
    ],
)
def test_an_unsigned_or_edited_plan_is_dropped_and_the_identity_stays(
    extra: dict[str, object], why: str
) -> None:
    identity = identity_verify(claims=claims(name="Ann", **extra), secret=SECRET, now=NOW)
    assert (identity.user_id, identity.name, identity.plan) == ("u-42", "Ann", "")
    assert why in identity.plan_dropped
