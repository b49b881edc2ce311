"""The widget's HTTP endpoints: issuing visitor tokens and site config, with CORS."""

from __future__ import annotations

import json

import pytest

from conversations.models import Customer
from conversations.tokens import read_token

pytestmark = pytest.mark.django_db


def post_session(client, body, origin=None):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        "/api/widget/session", data=json.dumps(body), content_type="application/json", **headers
    )


def test_a_session_issues_a_signed_token_for_a_new_visitor(client, site):
    response = post_session(client, {"site_key": site.key}, origin="https://shop.example.com")
    assert response.status_code == 201
    body = response.json()
    claims = read_token(body["token"], site_key=site.key)
    assert Customer.objects.get().visitor_id == claims.visitor_id
    assert body["ws_path"] == "/ws/widget/"
    assert body["site"]["name"] == "Test Shop"
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"


@pytest.mark.parametrize(
    ("body", "origin", "status", "code"),
    [
        ({"site_key": "nope"}, None, 404, "unknown_site"),
        ({}, None, 400, "bad_request"),
        ({"site_key": 5}, None, 400, "bad_request"),
        ({"site_key": "test-shop"}, "https://evil.example.net", 403, "origin_not_allowed"),
    ],
)
def test_bad_session_requests_get_a_clear_error_and_store_nothing(
    client, site, body, origin, status, code
):
    response = post_session(client, body, origin=origin)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not Customer.objects.exists()
    if status == 403:
        assert "Access-Control-Allow-Origin" not in response


def test_malformed_json_is_a_400(client, site):
    response = client.post("/api/widget/session", data="{oops", content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")


def test_config_never_returns_a_token(client, site):
    response = client.get("/api/widget/config", {"site_key": site.key})
    assert response.status_code == 200
    assert set(response.json()) == {"site"}
    assert "token" not in response.content.decode()


def test_preflight_allows_the_widget_to_post_json(client, site):
    response = client.options(
        "/api/widget/session",
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert response.status_code == 204
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "Content-Type"


def test_the_demo_store_embeds_the_widget_with_one_tag(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'src="/static/chatsy/widget.js" data-chatsy-key="demo-store" async' in response.content


def test_new_visitors_per_address_are_rate_limited(client, site, settings):
    settings.CHATSY_SESSIONS_PER_MINUTE = 3
    statuses = [post_session(client, {"site_key": site.key}).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert Customer.objects.count() == 3
