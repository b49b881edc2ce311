"""The learning loop's review page in Chromium on Daphne: a supervisor drafts a KB article and
marks an inappropriate escalation as a `none` example; htmx swaps the row in place, a reload
shows the same, and the rows are stored once. Saves test-artifacts/review.png."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.demo_traffic import demo_traffic_seed
from conversations.models import Article
from escalation.models import Escalation, TriageExample
from escalation.redaction import redacted
from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import log_in

pytestmark = pytest.mark.e2e


def test_a_supervisor_drafts_an_article_and_marks_a_none_example(page, demo):
    demo_traffic_seed(days=5, seed=14, now=timezone.now())
    target = Escalation.objects.filter(outcome="resolved").order_by("-created").first()
    assert target is not None
    Escalation.objects.filter(pk=target.pk).update(appropriate=False, could_ai_have_handled=True)

    log_in(page, demo, "admin", "chatsy-admin")  # the demo's supervisor
    page.goto(demo + "/console/review/")
    row = page.locator(f"#review-row-{target.pk}")
    expect(row).to_contain_text(target.message.body)
    expect(row).to_contain_text("Not appropriate")

    row.get_by_role("button", name="Draft a KB article").click()
    expect(row).to_contain_text("Draft article saved")
    expect(page.locator("#toasts")).to_contain_text("Draft article saved: publish it in admin.")
    row.get_by_role("button", name="Mark as “none” example").click()
    expect(row).to_contain_text("Example saved: none")
    screenshot(page, "review.png")

    page.reload()
    expect(page.locator(f"#review-row-{target.pk}")).to_contain_text("Example saved: none")
    draft = Article.objects.get(slug=f"draft-escalation-{target.pk}")
    # The title is the question with the customer's details redacted (escalation.redaction).
    assert draft.published is False and draft.title == redacted(
        target.message.body, names=[target.conversation.customer.name]
    )
    assert draft.body.startswith("Review before publishing: ")
    example = TriageExample.objects.get()
    assert (example.label, example.escalation_id) == ("none", target.pk)
