"""chatsy.timezones: every untrusted zone name (frames, admin fields) is read one way."""

from __future__ import annotations

import pytest

from chatsy.timezones import UTC, zone_name_or_blank, zone_named, zone_or_utc


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"])
def test_a_real_zone_is_read(name):
    assert zone_named(name).key == name
    assert zone_or_utc(name).key == name
    assert zone_name_or_blank(name) == name


@pytest.mark.parametrize(
    "name", ["", None, 5, "Mars/Olympus", "America", "../../etc/passwd", "x" * 65, ["UTC"]]
)
def test_anything_else_is_no_zone_and_reads_as_utc(name):
    assert zone_named(name) is None
    assert zone_or_utc(name) is UTC
    assert zone_name_or_blank(name) == ""
