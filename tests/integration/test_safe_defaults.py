"""Safe defaults and security headers (issue 12): chatsy.settings as production loads it, in a
fresh process (DEBUG unset), and the headers the real ASGI app sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator

from chatsy.asgi import application

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCD"  # 50 non-blank characters
# What the test suite sets for itself (chatsy/localenv.py) is no part of a production env.
# DJANGO_ALLOW_ASYNC_UNSAFE: the e2e tests set it for Playwright's sync API.
SUITE_ONLY = (
    "SECRET_KEY",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def fresh_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY and "COOKIE_SECURE" not in k}
    env["DJANGO_SETTINGS_MODULE"] = "chatsy.settings"
    return {**env, **values}


def django_run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    program = f"import django, json; django.setup(); from django.conf import settings; {code}"
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=fresh_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "secret_key",
    [None, "", " " * 64, "\t\n " * 20 + "short", "x" * 31],
    ids=["unset", "empty", "spaces", "mostly-blank", "31-chars"],
)
def test_without_debug_a_missing_or_weak_secret_key_is_refused_clearly(secret_key):
    env = {"SECRET_KEY": secret_key} if secret_key is not None else {}
    result = django_run("print(settings.SECRET_KEY)", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set to at least 32 non-blank" in result.stderr


def test_debug_is_off_unless_set():
    result = django_run("print(settings.DEBUG)", SECRET_KEY=PRODUCTION_KEY)
    assert (result.returncode, result.stdout.strip()) == (0, "False")


def test_debug_on_runs_without_a_secret_key_for_local_use():
    result = django_run("print(settings.DEBUG)", DEBUG="true")
    assert (result.returncode, result.stdout.strip()) == (0, "True")


def test_check_deploy_passes_with_production_values():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=fresh_env(SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="chat.example.com"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_redirects_to_https_with_hsts_unless_a_proxy_does():
    read = (
        "print(json.dumps([settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,"
        " settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]))"
    )
    default = django_run(read, SECRET_KEY=PRODUCTION_KEY)
    assert json.loads(default.stdout.strip()) == [True, 365 * 24 * 3600, True, True]
    behind_proxy = django_run(read, SECRET_KEY=PRODUCTION_KEY, SECURE_SSL_REDIRECT="false")
    assert json.loads(behind_proxy.stdout.strip())[0] is False


def test_x_forwarded_proto_is_believed_only_behind_a_configured_proxy():
    read = 'print(json.dumps(getattr(settings, "SECURE_PROXY_SSL_HEADER", None)))'
    direct = django_run(read, SECRET_KEY=PRODUCTION_KEY)
    assert json.loads(direct.stdout.strip()) is None
    proxied = django_run(read, SECRET_KEY=PRODUCTION_KEY, CHATSY_TRUSTED_PROXIES="10.0.0.0/8")
    assert json.loads(proxied.stdout.strip()) == ["HTTP_X_FORWARDED_PROTO", "https"]


async def http_get(path: str) -> dict[str, str]:
    """The response headers of a GET through the real ASGI app (static files stream)."""
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b""}
    scope |= {"headers": [(b"host", b"testserver")], "scheme": "http", "http_version": "1.1"}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    assert (start["type"], start["status"]) == ("http.response.start", 200), (path, start)
    while (await communicator.receive_output(timeout=10)).get("more_body"):
        pass
    await communicator.wait(timeout=10)
    return {name.decode().lower(): value.decode() for name, value in start["headers"]}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_our_pages_send_a_strict_csp_and_the_other_security_headers():
    headers = await http_get("/console/login/")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "camera=()" in headers["permissions-policy"]
    assert "microphone=()" in headers["permissions-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/static/chatsy/widget.js", "/static/console/console.css"])
async def test_static_files_are_served_with_nosniff(path):
    headers = await http_get(path)
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("value", ["30per10", "30/0", "thirty/10", "30/"])
def test_a_malformed_budget_stops_start_up_with_a_clear_message(value):
    result = django_run("print('started')", DEBUG="true", CHATSY_BUDGET_TYPING=value)
    assert result.returncode != 0 and "started" not in result.stdout
    assert f"The typing budget {value!r} is not COUNT/SECONDS" in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [["-c", "import chatsy.devstack"], ["-m", "chatsy.bench", "--help"]]
    + [["-m", "chatsy.bench.flood", "--help"]],
    ids=["make run", "make bench", "make bench-flood"],
)
def test_the_launchers_start_from_a_shell_without_debug_or_a_secret_key(arguments):
    """On a fresh machine: the launchers load no settings before they set up the environment
    of their children (DEBUG off would need a SECRET_KEY; `make run` once died of that)."""
    result = subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=fresh_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "ImproperlyConfigured" not in result.stderr
