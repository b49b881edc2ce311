"""AI-only CSAT in the metrics selector, the dashboard and the weekly figures, on a fixture
computed by hand (agents.selectors.metrics; docs/dashboard.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agents.selectors.dashboard import dashboard_page
from agents.selectors.metrics import MetricsFilters, period_metrics
from conversations.models import Conversation
from tests.factories import PlanFactory, QueueFactory, metrics_conversation

pytestmark = pytest.mark.django_db

WEEK = MetricsFilters(start=date(2026, 6, 1), end=date(2026, 6, 7), time_zone="UTC")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def rated(score: int | None, *, day: int, **kwargs) -> Conversation:
    """A conversation the bot asked for its rating (and, with a score, got it)."""
    conversation = metrics_conversation(at=at(day), **kwargs)
    asked = at(day) + timedelta(minutes=2)
    Conversation.objects.filter(pk=conversation.pk).update(
        bot_csat_offered_at=asked,
        bot_csat_score=score,
        bot_csat_at=asked if score else None,
    )
    return conversation


@pytest.fixture
def week():
    QueueFactory(slug="billing")
    gold = PlanFactory(name="gold")
    rated(5, day=1)
    rated(3, day=2)
    rated(4, day=3, plan=gold)
    rated(1, day=4, escalation={"target_queue": "billing"})  # escalated after: not AI-only
    rated(None, day=5)  # asked, never answered
    metrics_conversation(at=at(6))  # never asked
    rated(2, day=8)  # the next week
    return gold


def test_mean_and_n_over_the_weeks_never_escalated_conversations(week):
    m = period_metrics(filters=WEEK)
    assert (m.ai_only_csat_mean, m.ai_only_csat_n) == (pytest.approx(4.0), 3)  # (5+3+4)/3
    gold = period_metrics(filters=MetricsFilters(**{**vars(WEEK), "plan": week.pk}))
    assert (gold.ai_only_csat_mean, gold.ai_only_csat_n) == (4, 1)
    # Like the bot resolution rate, a queue filter does not narrow the bot's own chats.
    billing = period_metrics(filters=MetricsFilters(**{**vars(WEEK), "queue": "billing"}))
    assert (billing.ai_only_csat_mean, billing.ai_only_csat_n) == (pytest.approx(4.0), 3)
    next_week = MetricsFilters(start=date(2026, 6, 8), end=date(2026, 6, 14))
    assert (period_metrics(filters=next_week).ai_only_csat_mean) == 2
    kpis_only = period_metrics(filters=WEEK, extras=False)
    assert (kpis_only.ai_only_csat_mean, kpis_only.ai_only_csat_n) == (None, 0)


def test_no_ratings_is_none_not_zero(db):
    metrics_conversation(at=at(1))
    m = period_metrics(filters=WEEK)
    assert (m.ai_only_csat_mean, m.ai_only_csat_n) == (None, 0)


def test_the_dashboard_shows_it_beside_post_escalation_csat(week):
    tiles = {kpi.key: kpi for kpi in dashboard_page(filters=WEEK).kpis}
    assert tiles["csat"].detail.endswith("AI-only CSAT: 4.00 (n = 3)")
