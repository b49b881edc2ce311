"""Visitor tokens: signed, random, bound to one site (no database)."""

from __future__ import annotations

import uuid

import pytest
from django.core import signing

from conversations.tokens import SALT, InvalidToken, issue_token, read_token


def test_a_token_round_trips_to_its_visitor_and_site():
    visitor_id = uuid.uuid4()
    token = issue_token(visitor_id=visitor_id, site_key="shop")
    claims = read_token(token, site_key="shop")
    assert (claims.visitor_id, claims.site_key) == (visitor_id, "shop")
    assert str(visitor_id) not in token and visitor_id.hex not in token.split(":")[-1]


def test_two_visitors_get_different_tokens():
    assert issue_token(visitor_id=uuid.uuid4(), site_key="s") != issue_token(
        visitor_id=uuid.uuid4(), site_key="s"
    )


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "x" * 600,
        signing.dumps({"v": uuid.uuid4().hex, "s": "shop"}, salt="another-salt"),
        signing.dumps({"v": "not-hex", "s": "shop"}, salt=SALT),
        signing.dumps({"s": "shop"}, salt=SALT),
        signing.dumps(["list"], salt=SALT),
    ],
)
def test_malformed_or_forged_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        read_token(token, site_key="shop")


def test_a_tampered_token_is_refused():
    token = issue_token(visitor_id=uuid.uuid4(), site_key="shop")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(InvalidToken):
        read_token(tampered, site_key="shop")


def test_a_token_for_one_site_does_not_open_another():
    token = issue_token(visitor_id=uuid.uuid4(), site_key="shop")
    with pytest.raises(InvalidToken, match="another site"):
        read_token(token, site_key="other-shop")


def test_an_expired_token_is_refused(settings):
    token = issue_token(visitor_id=uuid.uuid4(), site_key="shop")
    settings.CHATSY_VISITOR_TOKEN_MAX_AGE_DAYS = -1
    with pytest.raises(InvalidToken):
        read_token(token, site_key="shop")
