"""AI-only CSAT in headless Chromium: the visitor asks the bot, says thanks, rates it 5."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conversations.models import Conversation
from escalation import copy
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

BOT_MESSAGES = "#chatsy-messages li.chatsy-msg[data-sender=bot]"


def say(page, text: str) -> None:
    composer = page.locator("#chatsy-input")
    composer.fill(text)
    composer.press("Enter")


def test_the_visitor_thanks_the_bot_and_rates_it(page, demo):
    page.goto(demo + "/")
    page.locator("#chatsy-launcher").click()
    expect(page.locator("#chatsy-panel")).to_be_visible()
    say(page, "How long does shipping take?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
    expect(page.locator("#chatsy-csat")).to_be_hidden()  # an answer alone asks nothing

    say(page, "thanks!")
    expect(page.locator(BOT_MESSAGES)).to_have_count(2, timeout=10_000)
    expect(page.locator("#chatsy-csat")).to_be_visible(timeout=10_000)
    question = copy.BOT_CSAT_QUESTION.format(bot=settings.CHATSY_BOT_NAME)
    expect(page.locator("#chatsy-csat-title")).to_have_text(question)
    page.locator("#chatsy-csat-star-5").click()
    page.locator("#chatsy-csat-comment").fill("Quick and clear")
    page.locator("#chatsy-csat-submit").click()
    expect(page.locator("#chatsy-csat-thanks")).to_have_text(copy.CSAT_THANKS)
    screenshot(page, "widget-bot-csat.png")

    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.bot_csat_score) == ("bot", 5)
    assert conversation.bot_csat_comment == "Quick and clear"
    assert not conversation.escalations.exists()
