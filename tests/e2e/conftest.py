"""End-to-end: the real `daphne` serving Chatsy in its own process, driven by headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chatsy.devstack import WEBSOCKET_MAX_MESSAGE_BYTES
from tests.support.database import live_database_url

# Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
# still plain synchronous code, so let Django run them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHATSY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _redis(redis_flushed: None) -> None:
    """End-to-end tests run against the real redis-server, emptied for each test."""


@contextmanager
def daphne_server(redis_url: str, *, log: Path | None = None, **extra_env: str) -> Iterator[str]:
    """The `daphne` command serving chatsy.asgi in its own process, on the test database;
    with `log`, its stderr (Daphne's and the app's logging) goes to that file."""
    from chatsy.redis_server import free_port

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": live_database_url(),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "chatsy.settings",
        # The address the tests open: the bot's links to /help/… pages are made on it.
        "CHATSY_PUBLIC_URL": f"http://localhost:{port}",
        **extra_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    daphne = str(Path(sys.executable).parent / "daphne")
    command = [daphne, "-b", "127.0.0.1", "-p", str(port)]
    command += ["--websocket-max-message-size", str(WEBSOCKET_MAX_MESSAGE_BYTES)]
    stderr = log.open("wb") if log is not None else None
    server = subprocess.Popen(
        [*command, "chatsy.asgi:application"], env=env, cwd=ROOT, stderr=stderr
    )
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/api/widget/config", server)
        yield f"http://localhost:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # Daphne waits for apps to close; don't leak it.
            server.kill()
            server.wait(timeout=5)
        if stderr is not None:
            stderr.close()


@pytest.fixture(scope="session")
def live_url(django_db_setup, redis_url) -> Iterator[str]:
    with daphne_server(redis_url) as url:
        yield url


def _wait_for_http(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"daphne exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # Any HTTP answer means the server is up.
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("daphne did not answer within 30 s")


@pytest.fixture(scope="module")
def browser():
    """Module-scoped: Playwright's loop must be gone before async tests run in this process."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def demo_data_for(url: str) -> str:
    """Load the demo store's data (committed, so the server process sees it) for this server."""
    from conversations.demo.loader import demo_load

    port = url.rsplit(":", 1)[-1]
    demo_load(extra_origins=[url, f"http://127.0.0.1:{port}"])
    return url


@pytest.fixture
def demo(transactional_db, live_url):
    return demo_data_for(live_url)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
