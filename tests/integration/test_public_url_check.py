"""agents.W002: with DEBUG off, a loopback CHATSY_PUBLIC_URL (the default) is a warning, through
Django's own `check` command: the weekly review's links would open nowhere for its readers."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from agents.checks import public_url_is_loopback

pytestmark = pytest.mark.django_db


def run_check() -> str:
    out = StringIO()
    call_command("check", fail_level="WARNING", stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]", "http://127.0.1.1"]
)
def test_the_default_loopback_url_warns_when_debug_is_off(settings, url) -> None:
    settings.DEBUG = False
    settings.CHATSY_PUBLIC_URL = url

    with pytest.raises(SystemCheckError) as raised:
        run_check()

    assert "agents.W002" in str(raised.value)
    assert "CHATSY_PUBLIC_URL" in str(raised.value)


def test_a_public_url_or_debug_passes(settings) -> None:
    settings.DEBUG = False
    settings.CHATSY_PUBLIC_URL = "https://chat.example.com"
    assert "no issues" in run_check()
    settings.DEBUG = True
    settings.CHATSY_PUBLIC_URL = "http://127.0.0.1:8000"
    assert "no issues" in run_check()


def test_hostnames_are_not_mistaken_for_loopback() -> None:
    assert not public_url_is_loopback("https://127.example.com")
    assert public_url_is_loopback("http://app.localhost:8000")
