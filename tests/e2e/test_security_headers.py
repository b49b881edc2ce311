"""Our pages under their Content-Security-Policy in Chromium (issue 12): the demo store with
the widget, the console's login, the console through a whole handoff, the supervisor's view and
the admin run with zero policy violations and zero console errors. The policy allows no inline
script, style or eval, so anything of the kind a page still had would be refused and reported."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_handoff import SYSTEM, desk, log_in, open_widget  # noqa: F401

pytestmark = pytest.mark.e2e

# Runs before any page script (Playwright injects it outside the page's policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' '
        + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
});
"""


@pytest.fixture
def watched(browser):
    """New pages that record every CSP violation and console error (the console's own error
    lines include Chromium's "Refused to …" reports)."""
    contexts, problems = [], []

    def new_page(name: str):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        page.on("console", lambda message: _record(name, message, problems))
        page.on("pageerror", lambda error: problems.append(f"{name}: pageerror: {error}"))
        contexts.append(context)
        return page

    yield new_page, problems
    for context in contexts:
        context.close()


def _record(name: str, message, problems: list[str]) -> None:
    # Every error counts: htmx's swap errors and any 404 (the favicon is served) included.
    if message.type == "error":
        where = message.location.get("url", "")
        problems.append(f"{name}: {message.text} ({where})")


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_our_pages_run_under_the_csp_without_a_violation(watched, desk):  # noqa: F811
    new_page, problems = watched
    visitor, agent, boss = new_page("visitor"), new_page("agent"), new_page("supervisor")

    # The demo store with the widget: open it, chat, get escalated.
    response = visitor.goto(desk + "/")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    composer = open_widget(visitor, desk)
    composer.fill("How long does shipping take?")
    composer.press("Enter")
    expect(visitor.locator("#chatsy-messages li[data-sender=bot]")).to_have_count(1)
    composer.fill("I want to talk to a human")
    composer.press("Enter")
    expect(visitor.locator(SYSTEM)).to_have_count(1)

    # The console: the login page, the queue, taking the chat (card, sentiment, transcript),
    # typing and replying, htmx swaps and socket pushes all along.
    log_in(agent, desk)
    agent.locator("#presence button", has_text="Online").click()
    expect(agent.locator("#presence .is-active")).to_have_text(re.compile("Online"))
    row = agent.locator(".queue-row").first
    expect(row).to_be_visible(timeout=10_000)
    row.get_by_role("button", name=re.compile("Take over")).click()
    pane = agent.locator(".chat-pane:not([hidden])")
    expect(pane.locator(".handoff-card")).to_contain_text("The visitor asked for a human")
    expect(pane.locator(".spark i").first).to_be_attached()
    reply = pane.locator("textarea")
    reply.press_sequentially("Hi, I'm Sarah.", delay=10)
    reply.press("Enter")
    expect(visitor.locator("#chatsy-messages li[data-sender=agent]")).to_contain_text("Sarah")

    # The supervisor's view, and the admin.
    log_in(boss, desk, "admin", "chatsy-admin")
    boss.goto(desk + "/console/supervisor/")
    expect(boss.locator("#live-indicator")).to_have_attribute("data-state", "live")
    expect(boss.locator("#supervisor-panels")).to_contain_text("Sarah")
    boss.goto(desk + "/admin/")
    expect(boss.locator("#site-name")).to_be_visible()
    boss.goto(desk + "/admin/conversations/site/")
    expect(boss.locator("#result_list")).to_be_visible()

    # The bar heights come from classes now; they still have height.
    assert pane.locator(".spark i").first.evaluate("e => e.getBoundingClientRect().height") > 0
    found = {name: violations(page) for name, page in [("visitor", visitor), ("agent", agent)]}
    found["supervisor/admin"] = violations(boss)
    assert found == {"visitor": [], "agent": [], "supervisor/admin": []}
    assert problems == [], "\n".join(problems)
