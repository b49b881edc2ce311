"""A visitor chats with the bot through the embedded widget, in headless Chromium."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from conversations.models import Customer, Message, Site
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

BOT_MESSAGES = "#chatsy-messages li.chatsy-msg[data-sender=bot]"
SESSION = "/api/widget/session"


def open_widget(page):
    page.locator("#chatsy-launcher").click()
    expect(page.locator("#chatsy-panel")).to_be_visible()
    return page.locator("#chatsy-input")


def ask(page, question: str) -> None:
    composer = page.locator("#chatsy-input")
    composer.fill(question)
    composer.press("Enter")


def test_visitor_asks_about_shipping_and_history_survives_a_reload(page, demo):
    sessions: list[str] = []
    page.on("request", lambda r: sessions.append(r.method) if SESSION in r.url else None)
    page.goto(demo + "/")
    expect(page.locator("#chatsy-launcher")).to_be_visible()  # the widget booted
    assert sessions == [] and not Customer.objects.exists(), (
        "a visitor is created on first open, not on page view"
    )
    composer = open_widget(page)
    expect(composer).to_be_focused()
    ask(page, "How long does shipping take?")

    visitor_message = page.locator("#chatsy-messages li.chatsy-msg[data-sender=customer]")
    expect(visitor_message).to_contain_text("How long does shipping take?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
    answer = page.locator(BOT_MESSAGES).first.inner_text()
    assert "business day" in answer.lower()
    assert sessions.count("POST") == 1 and Customer.objects.count() == 1
    screenshot(page, "widget-open.png")

    page.reload()
    if not page.locator("#chatsy-panel").is_visible():
        open_widget(page)
    expect(page.locator("#chatsy-messages li.chatsy-msg[data-sender=customer]")).to_contain_text(
        "How long does shipping take?", timeout=10_000
    )
    expect(page.locator(BOT_MESSAGES)).to_have_count(1)
    assert list(Message.objects.order_by("seq").values_list("sender", flat=True)) == [
        "customer",
        "bot",
    ]


def test_visitor_text_is_rendered_as_text_never_as_html(page, demo):
    page.goto(demo + "/")
    open_widget(page)
    fired = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    payload = '<img src=x onerror="alert(1)"><b>bold</b>'
    ask(page, payload)
    expect(page.locator("#chatsy-messages li.chatsy-msg[data-sender=customer]")).to_contain_text(
        payload
    )
    # Nothing about the store: the bot says what it can help with. Wait for that reply
    # before checking the DOM.
    expect(page.locator(BOT_MESSAGES)).to_contain_text("I can help with", timeout=10_000)
    assert page.locator("#chatsy-messages img, #chatsy-messages b").count() == 0
    assert fired == []


def test_widget_fits_a_phone_screen(browser, demo):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(demo + "/")
    open_widget(page)
    box = page.locator("#chatsy-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    ask(page, "Can I change my delivery address?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
    screenshot(page, "widget-phone.png")
    context.close()


class _EmbeddingPage(BaseHTTPRequestHandler):
    """A page on another origin that embeds the widget with the one script tag."""

    chatsy_url = ""

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = (
            "<!doctype html><title>Partner shop</title><h1>Partner shop</h1>"
            f'<script src="{self.chatsy_url}/static/chatsy/widget.js"'
            ' data-chatsy-key="demo-store" async></script>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_origin(live_url):
    handler = type("Handler", (_EmbeddingPage,), {"chatsy_url": live_url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_same_tag_works_on_an_allowed_origin_and_not_on_others(
    browser, page, demo, other_origin
):
    page.goto(other_origin + "/")
    # The server refuses this origin (403 without CORS headers), so the browser fails the
    # request: the positive sign that the widget got its answer and no chat can start.
    with page.expect_event("requestfailed", lambda request: SESSION in request.url):
        open_widget(page)
    ask(page, "How do I reset my password?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(0)
    expect(
        page.locator("#chatsy-messages li.chatsy-msg[data-sender=customer]")
    ).not_to_have_attribute("data-seq", "1")
    assert not Message.objects.exists()

    site = Site.objects.get(key="demo-store")
    site.allowed_origins += "\n" + other_origin
    site.save()
    page = browser.new_context().new_page()
    page.goto(other_origin + "/")
    open_widget(page)
    ask(page, "How do I reset my password?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
    assert "password" in page.locator(BOT_MESSAGES).first.inner_text().lower()
