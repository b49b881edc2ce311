"""The console's row-level queue pushes: which rows left the first ones and which moved."""

import pytest

from agents.fragments import head_changes


@pytest.mark.parametrize(
    ("before", "after", "left", "moved"),
    [
        ("abcde", "abcde", "", ""),
        ("abcde", "xabcd", "e", ""),  # an urgent newcomer pushes e below the first rows
        ("abcde", "acdef", "b", ""),  # b taken, f comes up
        ("abcde", "acdbe", "", "b"),  # one row changed place: only it is sent again
        ("abcde", "eabcd", "", "e"),
        ("", "ab", "", ""),
        ("ab", "", "ab", ""),
    ],
)
def test_head_changes(before, after, left, moved):
    assert head_changes(list(before), list(after)) == (set(left), set(moved))
