"""Login throttling through the real login views (issue 12): password guessing on the console's
login and the admin's is refused after 5 failures per client address within 5 minutes and
10 per username within 15 minutes; each attempt would otherwise cost a password hash."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"
LOCKED = "Too many failed attempts"


@pytest.fixture
def sarah():
    return StaffFactory(username="sarah", is_superuser=True)


def log_in(client, username: str, password: str, address: str, path: str = "/console/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def refused(response, minutes: int) -> bool:
    text = response.content.decode()
    return (
        response.status_code == 429
        and LOCKED in text
        and f"try again in {minutes} minutes" in text
        and SESSION_KEY not in response.wsgi_request.session
    )


def test_a_few_failures_then_the_right_password_logs_in(client, sarah):
    for _ in range(3):
        response = log_in(client, "sarah", "wrong", "10.0.0.1")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    response = log_in(client, "sarah", PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(sarah.pk)


def test_five_failures_from_one_address_refuse_it_even_the_right_password(client, sarah):
    for attempt in range(4):  # guessing several accounts from one address
        response = log_in(client, f"guess-{attempt}", "wrong", "10.0.0.2")
        assert response.status_code == 200
    assert refused(log_in(client, "sarah", "wrong", "10.0.0.2"), minutes=5)  # the 5th locks
    assert refused(log_in(client, "sarah", "wrong-again", "10.0.0.2"), minutes=5)  # the 6th
    assert refused(log_in(client, "sarah", PASSWORD, "10.0.0.2"), minutes=5)
    # The account itself is not locked: its owner logs in from elsewhere.
    assert log_in(client, "sarah", PASSWORD, "10.0.0.3").status_code == 302


def test_ten_failures_on_one_username_from_many_addresses_refuse_it(client, sarah):
    for host in range(1, 10):
        assert log_in(client, "sarah", "wrong", f"10.0.1.{host}").status_code == 200
    assert refused(log_in(client, "sarah", "wrong", "10.0.1.10"), minutes=15)  # the 10th locks
    assert refused(log_in(client, "sarah", PASSWORD, "10.0.2.1"), minutes=15)
    # The fresh address is not locked for other accounts.
    StaffFactory(username="tom")
    assert log_in(client, "tom", PASSWORD, "10.0.2.1").status_code == 302


def test_the_admin_login_is_throttled_too(client, sarah):
    for _ in range(4):
        response = log_in(client, "sarah", "wrong", "10.0.3.1", path="/admin/login/")
        assert response.status_code == 200
    assert refused(log_in(client, "sarah", "wrong", "10.0.3.1", path="/admin/login/"), minutes=5)
    assert refused(log_in(client, "sarah", PASSWORD, "10.0.3.1", path="/admin/login/"), minutes=5)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_lockout_page_also_comes_through_the_async_handler(async_client, sarah):
    """Under an ASGI server Django runs the middleware chain asynchronously (AsyncClient: every
    request from 127.0.0.1)."""
    for attempt in range(4):
        response = await async_client.post(
            "/console/login/", {"username": f"guess-{attempt}", "password": "wrong"}
        )
        assert response.status_code == 200
    for password in ("wrong", PASSWORD):
        response = await async_client.post(
            "/console/login/", {"username": "sarah", "password": password}
        )
        assert response.status_code == 429
        assert f"{LOCKED} to log in" in response.content.decode()
        assert "try again in 5 minutes" in response.content.decode()


def test_failures_older_than_the_window_no_longer_count(client, sarah):
    """Five failures spread over twelve minutes never had five inside one 5-minute window:
    the address stays open (axes' own counter would have chained them into a lockout)."""
    for _ in range(4):
        assert log_in(client, "guess", "wrong", "10.0.5.1").status_code == 200
    six_minutes_ago = timezone.now() - timedelta(minutes=6)
    AccessFailureLog.objects.update(attempt_time=six_minutes_ago)
    AccessAttempt.objects.update(attempt_time=six_minutes_ago)

    assert log_in(client, "guess", "wrong", "10.0.5.1").status_code == 200  # one in the window
    assert log_in(client, "sarah", PASSWORD, "10.0.5.1").status_code == 302
