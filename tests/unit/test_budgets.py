"""chatsy.budgets' pure parts: the client address, the verdict, the windows, the debounce; and
the fallback when Redis is unreachable (unit tests point Redis at a closed port)."""

from __future__ import annotations

import asyncio

import pytest

from chatsy.budgets import (
    Budget,
    LocalWindows,
    Verdict,
    budget_take,
    verdict_of,
)
from chatsy.client_address import client_address
from chatsy.debounce import Debounce

PROXIES = ["10.0.0.0/8", "2001:db8::/32"]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        ("198.51.100.1", None, [], "198.51.100.1"),
        ("198.51.100.1", "203.0.113.5", [], "198.51.100.1"),  # not configured: ignored
        ("198.51.100.1", "203.0.113.5", PROXIES, "198.51.100.1"),  # peer is no proxy
        ("10.0.0.5", "203.0.113.5", PROXIES, "203.0.113.5"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.5", PROXIES, "203.0.113.5"),  # left is forgeable
        ("10.0.0.5", "203.0.113.5, 10.1.1.1", PROXIES, "203.0.113.5"),  # two proxies deep
        ("10.0.0.5", "10.2.2.2, 10.1.1.1", PROXIES, "10.2.2.2"),  # all trusted: the farthest
        ("10.0.0.5", "", PROXIES, "10.0.0.5"),  # a proxy that did not say
        ("10.0.0.5", "203.0.113.5, garbage", PROXIES, "10.0.0.5"),  # malformed hop: stop
        ("2001:db8::1", "2001:db9::7", PROXIES, "2001:db9::7"),
        ("", None, [], "unknown"),
        ("", "203.0.113.5", PROXIES, "unknown"),  # no peer address: not a listed proxy
        ("", "203.0.113.5", ["unix"], "203.0.113.5"),  # a proxy on a unix socket
        ("", "1.2.3.4, 203.0.113.5, 10.1.1.1", ["unix", *PROXIES], "203.0.113.5"),
        ("198.51.100.1", "203.0.113.5", ["unix"], "198.51.100.1"),  # a TCP peer: no proxy
    ],
)
def test_client_address(peer, forwarded_for, trusted, expected):
    assert client_address(peer=peer, forwarded_for=forwarded_for, trusted=trusted) == expected


def test_budget_parse():
    assert Budget.parse("20/10") == Budget(limit=20, window_seconds=10.0)
    assert Budget.parse("3/3600") == Budget(limit=3, window_seconds=3600.0)
    assert Budget.parse("") is None


@pytest.mark.parametrize(
    ("counts", "limits", "expected"),
    [
        ([(0, 10.0)], [1], Verdict(allowed=True)),
        ([(1, 7.5)], [1], Verdict(allowed=False, retry_after=7.5)),
        ([(3, 4.0), (9, 50.0)], [5, 100], Verdict(allowed=True)),
        ([(5, 4.0), (100, 50.0)], [5, 100], Verdict(allowed=False, retry_after=50.0)),
        ([(5, 4.0), (10, 50.0)], [5, 100], Verdict(allowed=False, retry_after=4.0)),
    ],
)
def test_verdict_of(counts, limits, expected):
    assert verdict_of(counts, limits) == expected


def test_local_windows_count_until_full_and_restart_when_the_window_ends():
    now = [100.0]
    windows = LocalWindows(clock=lambda: now[0])
    key = (("message", "v", "1"), 10.0, 2)
    address = (("message", "a", "x"), 10.0, 3)
    assert [windows.take([key, address]).allowed for _ in range(3)] == [True, True, False]
    # The refused one was not counted against the address: another visitor there has room.
    assert windows.take([(("message", "v", "2"), 10.0, 2), address]).allowed
    assert windows.take([key]) == Verdict(allowed=False, retry_after=10.0)
    now[0] += 10.0
    assert windows.take([key]).allowed


def test_budgets_fail_open_onto_this_process_when_redis_is_unreachable(settings):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "typing": ("3/60", "")}
    verdicts = [budget_take("typing", visitor="offline-visitor").allowed for _ in range(4)]
    assert verdicts == [True, True, True, False]  # still counted, in this process


def test_debounce_pushes_the_first_at_once_and_only_the_last_of_the_rest():
    async def run() -> list[bool]:
        pushed: list[bool] = []
        debounce = Debounce(lambda: 0.05)
        for value in [True, False, True, True, False]:
            debounce.submit("conversation", value, pushed.append)
        assert pushed == [True]
        while len(pushed) < 2:
            await asyncio.sleep(0.01)
        debounce.submit("conversation", True, pushed.append)  # still cooling down
        while len(pushed) < 3:
            await asyncio.sleep(0.01)
        return pushed

    assert asyncio.run(asyncio.wait_for(run(), timeout=5)) == [True, False, True]
