"""Every page has Chatsy's favicon and no request of any page ends in a 404 (Chromium asked for
/favicon.ico on every page before), and an offline answer's "Read more" link opens the demo
store's help-centre page of the article it quoted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import log_in, open_widget

pytestmark = pytest.mark.e2e


def failed_responses(page) -> list[str]:
    """Filled as the page loads: every response of 400 or more, with its URL."""
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return failed


def assert_favicon_served(page) -> None:
    icon = page.locator("head link[rel=icon]")
    expect(icon).to_have_attribute("href", re.compile(r"favicon\.svg$"))
    response = page.request.get(icon.evaluate("link => link.href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_every_page_has_the_favicon_and_none_logs_a_404(page, demo):
    failed = failed_responses(page)

    page.goto(demo + "/")
    expect(page.locator("#chatsy-launcher")).to_be_visible()
    assert_favicon_served(page)
    log_in(page, demo)  # the login page, then the console
    assert_favicon_served(page)
    page.goto(demo + "/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert_favicon_served(page)
    page.goto(demo + "/help/return-policy/")
    expect(page.locator("h1")).to_have_text("Our return and refund policy")
    assert_favicon_served(page)
    # Pages without a <link rel="icon"> (JSON, plain errors) still get one at /favicon.ico.
    legacy = page.request.get(demo + "/favicon.ico")
    assert legacy.status == 200 and legacy.url.endswith("favicon.svg")

    assert failed == []


def test_an_offline_answer_links_the_help_page_of_the_article_it_quotes(page, demo):
    failed = failed_responses(page)
    composer = open_widget(page, demo)
    composer.fill("How much does express shipping cost?")
    composer.press("Enter")

    answer = page.locator("#chatsy-messages li[data-sender=bot]").first
    expect(answer).to_contain_text("Express (1–2 business days): $14.95")
    link = f"{demo}/help/shipping-costs/"
    expect(answer).to_contain_text(f"Read more: {link}")
    expect(answer).not_to_contain_text("International shipping is priced by country")
    screenshot(page, "offline-answer.png")

    page.goto(link)
    expect(page.locator("h1")).to_have_text("Shipping costs and free shipping")
    assert failed == []
