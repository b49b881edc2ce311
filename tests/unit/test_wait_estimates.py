"""Wait-time arithmetic on fixed inputs."""

import pytest

from agents.estimates import (
    DEFAULT_HANDLE_SECONDS,
    median_handle_seconds,
    ordinal,
    wait_phrase,
    wait_range_minutes,
)


@pytest.mark.parametrize(
    ("position", "free", "online", "handle", "expected"),
    [
        (3, 2, 2, 240, (4, 8)),  # 3 / 2 × 4 min = 6 min, ±25 %
        (1, 1, 1, 240, (3, 5)),  # 4 min
        (1, 4, 4, 120, (0, 1)),  # half a minute
        (3, 0, 2, 240, (7, 13)),  # all busy: (3/2 + 1) rounds × 4 min = 10 min
        (5, 0, 0, 240, None),  # nobody online
    ],
)
def test_wait_range(position, free, online, handle, expected):
    assert (
        wait_range_minutes(
            position=position, free_capacity=free, online_agents=online, handle_seconds=handle
        )
        == expected
    )


def test_median_handle_time_defaults_without_history():
    assert median_handle_seconds([]) == DEFAULT_HANDLE_SECONDS
    assert median_handle_seconds([60, 600, 120]) == 120


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (13, "13th"), (22, "22nd")],
)
def test_ordinals(n, text):
    assert ordinal(n) == text


def test_wait_phrases():
    assert wait_phrase(position=3, minutes=(4, 6)) == "You're 3rd in line, about 4–6 minutes."
    assert wait_phrase(position=1, minutes=(0, 1)) == "You're next in line, about a minute."
    assert "Nobody from our team is available" in wait_phrase(position=2, minutes=None)
