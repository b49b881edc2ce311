"""Every escalation metric on a fixed fixture against values computed by hand (the sums are
in the comments), with the edge cases: no escalations, escalations still open, a day in
another time zone, a DST week (agents.selectors.metrics; docs/dashboard.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agents.selectors.dashboard import dashboard_page
from agents.selectors.metrics import MetricsFilters, filters_last_days, period_metrics
from tests.factories import PlanFactory, QueueFactory, metrics_conversation

pytestmark = pytest.mark.django_db

WEEK = MetricsFilters(start=date(2026, 6, 1), end=date(2026, 6, 7), time_zone="UTC")


def at(day: int, hour: int = 10, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def week():
    """Nine conversations with a visitor message in the week (c1–c8, c10), one without (c9),
    one the day after (c11), and one in the week before (p1)."""
    QueueFactory(slug="billing")
    gold = PlanFactory(name="gold")
    billing = {"category": "billing_dispute", "rule": "billing", "target_queue": "billing"}
    metrics_conversation(  # c1
        at=at(1),
        plan=gold,
        escalation=billing
        | {"reply_after": 30, "outcome": "resolved", "appropriate": True,
           "could_ai_have_handled": False, "handoff_quality": 4,
           "handoff_comment": "Good summary", "csat_score": 5},
    )  # fmt: skip
    metrics_conversation(  # c2
        at=at(2),
        escalation={"reply_after": 90, "outcome": "resolved", "appropriate": True,
                    "handoff_quality": 5, "csat_score": 4},
    )  # fmt: skip
    metrics_conversation(  # c3: offered a person, then escalated
        at=at(3),
        offer=True,
        escalation={"reply_after": 200, "outcome": "not_resolved", "appropriate": False,
                    "could_ai_have_handled": True, "handoff_quality": 2,
                    "handoff_comment": "=HYPERLINK(\"http://evil\")", "csat_score": 2},
    )  # fmt: skip
    metrics_conversation(  # c4: still open (no outcome, nobody wrote), a callback, a transfer
        at=at(4), escalation=billing, tickets=("callback",), transfers=1, abandoned=True
    )
    metrics_conversation(  # c5: answered after 700 s, resolved, not reviewed
        at=at(5),
        escalation={"category": "low_confidence", "reply_after": 700, "outcome": "resolved"},
    )
    metrics_conversation(at=at(6), offer=True)  # c6: declined the offer; the bot resolved it
    metrics_conversation(at=at(6, 12))  # c7: the bot resolved it
    metrics_conversation(at=at(7), tickets=("after_hours",))  # c8: a ticket, not the bot's
    metrics_conversation(at=at(7, 11), wrote=False)  # c9: the visitor never wrote
    metrics_conversation(at=at(7, 23, 59))  # c10: the bot resolved it
    metrics_conversation(at=at(8, 0, 30), escalation={})  # c11: the next week
    metrics_conversation(  # p1: the week before
        at=at(28, month=5),
        escalation={"reply_after": 50, "outcome": "resolved", "appropriate": True, "csat_score": 5},
    )
    return gold


def test_every_metric_on_the_fixture(week):
    m = period_metrics(filters=WEEK)
    assert (m.conversations, m.escalated_conversations) == (9, 5)  # c1–c8, c10; c1–c5
    assert m.escalation_rate == pytest.approx(5 / 9)
    assert (m.escalations, m.reviewed, m.appropriate) == (5, 3, 2)  # c1–c3 reviewed
    assert m.appropriate_rate == pytest.approx(2 / 3)
    assert m.reviewed_share == pytest.approx(3 / 5)
    # c4 is still open: in neither the resolved nor the unresolved count.
    assert (m.finished, m.resolved, m.open_escalations) == (4, 3, 1)
    assert (m.open_ticket, m.open_abandoned, m.open_waiting) == (1, 0, 0)  # c4 left a callback
    assert m.resolution_rate == pytest.approx(3 / 4)
    # Replies after 30, 90, 200 and 700 s: buckets [30,45) [90,120) [180,300) [600,900).
    assert m.answered == 4
    assert m.time_to_human_p50 == pytest.approx(120.0)  # rank 2: the top of [90,120)
    assert m.time_to_human_p90 == pytest.approx(780.0)  # rank 3.6: 600 + 0.6 × 300
    assert m.under_two_minutes_share == pytest.approx(0.5)
    assert m.csat_counts == (0, 1, 0, 1, 1) and m.csat_n == 3
    assert m.csat_mean == pytest.approx(11 / 3)  # 5 + 4 + 2
    assert (m.ai_only_csat_mean, m.ai_only_csat_n) == (None, 0)
    assert m.handoff_quality_mean == pytest.approx(11 / 3) and m.handoff_quality_n == 3
    assert m.could_ai_have_handled == 1
    assert (m.bot_resolved, m.bot_conversations) == (3, 9)  # c6, c7, c10
    assert m.bot_resolution_rate == pytest.approx(1 / 3)
    assert (m.offers, m.offers_accepted, m.offers_declined) == (2, 1, 1)  # c3 took it, c6 not
    assert m.alternatives_chosen == {"callback": 1} and m.alternatives_total == 1
    assert m.after_hours_tickets == 1
    assert (m.transfers, m.abandoned) == (1, 1)


def test_the_filters_narrow_every_metric(week):
    billing = period_metrics(filters=MetricsFilters(**{**vars(WEEK), "queue": "billing"}))
    # The denominator stays every conversation: 2 of 9 escalated to billing (c1, c4).
    assert (billing.conversations, billing.escalated_conversations, billing.escalations) == (
        9,
        2,
        2,
    )
    assert (billing.transfers, billing.alternatives_chosen) == (1, {"callback": 1})
    low = period_metrics(filters=MetricsFilters(**{**vars(WEEK), "category": "low_confidence"}))
    assert (low.escalations, low.resolved, low.reviewed) == (1, 1, 0)
    gold = period_metrics(filters=MetricsFilters(**{**vars(WEEK), "plan": week.pk}))
    assert (gold.conversations, gold.escalations, gold.csat_mean) == (1, 1, 5)


def test_kpi_tiles_bands_and_trends(week):
    page = dashboard_page(filters=WEEK)
    tiles = {kpi.key: kpi for kpi in page.kpis}
    assert tiles["escalation_rate"].band == "missed"  # 55.6% is above 20–35%
    assert tiles["escalation_rate"].previous == 1.0  # p1: 1 of 1
    assert tiles["escalation_rate"].trend.better is True  # 100% → 55.6%: towards the band
    assert tiles["appropriate_rate"].band == "missed"
    assert tiles["appropriate_rate"].trend.better is False  # 100% → 66.7%
    assert tiles["time_to_human"].band == "missed"  # p50 120 s is not under 2 minutes
    assert tiles["csat"].value == pytest.approx(11 / 3) and tiles["csat"].band == "missed"
    assert page.reasons[0].category == "billing_dispute" and page.reasons[0].count == 2
    assert [c.text for c in page.comments] == ['=HYPERLINK("http://evil")', "Good summary"] or [
        c.text for c in page.comments
    ] == ["Good summary", '=HYPERLINK("http://evil")']


def test_a_period_without_escalations_has_no_rates_rather_than_zeros():
    metrics_conversation(at=at(2))
    m = period_metrics(filters=WEEK)
    assert (m.conversations, m.escalations, m.escalation_rate) == (1, 0, 0.0)
    assert m.appropriate_rate is None and m.resolution_rate is None
    assert m.time_to_human_p50 is None and m.csat_mean is None
    assert dashboard_page(filters=WEEK).kpis[1].band == "no_data"


def test_an_escalation_at_23_30_utc_is_the_next_day_in_berlin():
    metrics_conversation(at=at(7, 23, 29), escalation={"after": 60})  # 23:30 UTC = 01:30 Berlin
    utc_day = MetricsFilters(start=date(2026, 6, 7), end=date(2026, 6, 7), time_zone="UTC")
    berlin_day = MetricsFilters(
        start=date(2026, 6, 8), end=date(2026, 6, 8), time_zone="Europe/Berlin"
    )
    assert period_metrics(filters=utc_day).escalations == 1
    assert period_metrics(filters=berlin_day).escalations == 1
    assert dashboard_page(filters=berlin_day).per_day == {(date(2026, 6, 8), "human_request"): 1}
    assert dashboard_page(filters=berlin_day).heatmap == {(1, 1): 1}  # Monday, 01:00–01:59
    assert (
        period_metrics(
            filters=MetricsFilters(**{**vars(utc_day), "time_zone": "Europe/Berlin"})
        ).escalations
        == 0
    )


def test_half_hour_zones_fold_into_the_right_local_hour():
    """The chart groups by hour where the zone's offset is whole hours; Kolkata (+5:30) needs
    quarter hours: 23:44 UTC is 05:14 there, the next day (an hourly bucket would say 04)."""
    metrics_conversation(at=at(7, 23, 43), escalation={"after": 60})  # escalated 23:44 UTC
    kolkata = MetricsFilters(start=date(2026, 6, 8), end=date(2026, 6, 8), time_zone="Asia/Kolkata")
    page = dashboard_page(filters=kolkata)
    assert page.per_day == {(date(2026, 6, 8), "human_request"): 1}
    assert page.heatmap == {(1, 5): 1}  # Monday, 05:00–05:59


def test_a_dst_week_in_new_york_counts_by_local_days():
    """2026-03-08 is 23 hours long in New York: 05:00 UTC to 04:00 UTC the next day."""
    zone = "America/New_York"
    metrics_conversation(at=at(8, 4, 29, month=3), escalation={"after": 60})  # Sat 23:30 EST
    metrics_conversation(at=at(8, 7, 29, month=3), escalation={"after": 60})  # Sun 03:30 EDT
    metrics_conversation(at=at(9, 3, 29, month=3), escalation={"after": 60})  # Sun 23:30 EDT
    sunday = MetricsFilters(start=date(2026, 3, 8), end=date(2026, 3, 8), time_zone=zone)
    start, end = sunday.bounds()
    assert (start, end) == (
        datetime(2026, 3, 8, 5, tzinfo=UTC),
        datetime(2026, 3, 9, 4, tzinfo=UTC),
    )
    page = dashboard_page(filters=sunday)
    assert page.current.escalations == 2
    assert page.heatmap == {(7, 3): 1, (7, 23): 1}  # the hour after the jump is 03:00
    week = MetricsFilters(start=date(2026, 3, 2), end=date(2026, 3, 8), time_zone=zone)
    per_day = dashboard_page(filters=week).per_day
    assert per_day == {
        (date(2026, 3, 7), "human_request"): 1,
        (date(2026, 3, 8), "human_request"): 2,
    }


def test_the_default_period_is_the_last_30_days_in_the_zone():
    now = datetime(2026, 6, 7, 23, 30, tzinfo=UTC)
    berlin = filters_last_days(days=30, now=now, time_zone="Europe/Berlin")
    assert (berlin.start, berlin.end) == (date(2026, 5, 10), date(2026, 6, 8))
    assert (berlin.previous().start, berlin.previous().end) == (date(2026, 4, 10), date(2026, 5, 9))


def test_escalations_without_an_outcome_say_what_became_of_them_and_long_waits_count():
    """Hand-computed (the week of 15 June, read at NOW, a day later):
    w  queued, nobody answered: waiting; waited past 2 min → "over 2 min"
    a1 abandoned 5 min after the escalation (60 + 300 s after `at`): abandoned, over 2 min
    a2 abandoned 30 s after the escalation: abandoned; never waited 2 min, not in the share
    t  the visitor left a ticket, nobody answered: ticket
    r  answered after 30 s, resolved: under 2 min
    → open 4 = 1 waiting + 2 abandoned + 1 ticket; under 2 min: 1 of (1 answered + 2) = 1/3."""
    now = at(16, 12)
    metrics_conversation(at=at(15), escalation={}, status="queued")  # w
    metrics_conversation(at=at(15, 11), escalation={}, abandoned=True, abandoned_after=360)  # a1
    metrics_conversation(at=at(15, 12), escalation={}, abandoned=True, abandoned_after=90)  # a2
    metrics_conversation(at=at(15, 13), escalation={}, tickets=("email",))  # t
    metrics_conversation(at=at(15, 14), escalation={"reply_after": 30, "outcome": "resolved"})
    week = MetricsFilters(start=date(2026, 6, 15), end=date(2026, 6, 21), time_zone="UTC")
    m = period_metrics(filters=week, now=now)
    assert (m.finished, m.open_escalations) == (1, 4)
    assert (m.open_waiting, m.open_abandoned, m.open_ticket, m.open_other) == (1, 2, 1, 0)
    assert m.answered == 1 and m.unanswered_over_two_minutes == 2
    assert m.under_two_minutes_share == pytest.approx(1 / 3)
    # Read a minute after w was escalated, w has not yet waited 2 minutes.
    early = period_metrics(filters=week, now=at(15, 10, 2))
    assert early.unanswered_over_two_minutes == 1  # a1 only
    detail = next(
        k for k in dashboard_page(filters=week, now=now).kpis if k.key == "resolution_rate"
    )
    assert "no outcome: 1 waiting or with an agent, 2 abandoned, 1 ticket" in detail.detail


def test_an_offer_counts_as_accepted_when_the_escalation_answers_it():
    """By the button (no message in between) or a typed "yes" (the very next message); an
    escalation after the visitor moved on answers a later message, not the offer."""
    from conversations.models import Message

    def visitor_wrote(conversation, seq: int, body: str, when) -> None:
        Message.objects.create(
            conversation=conversation, seq=seq, sender="customer", body=body, created=when
        )

    # Offered at 10:00; the visitor wrote twice more (10:05, 10:07); escalated at 10:10.
    moved_on = metrics_conversation(at=at(15), offer=True, escalation={"after": 600})
    visitor_wrote(moved_on, 2, "Something else", at(15, 10, 5))
    visitor_wrote(moved_on, 3, "And another thing", at(15, 10, 7))
    # Offered at 11:00, the button escalated at 11:01, before the next message at 11:05.
    button = metrics_conversation(at=at(15, 11), offer=True, escalation={"after": 60})
    visitor_wrote(button, 2, "Thanks", at(15, 11, 5))
    # Offered at 12:00, a typed "yes please" at 12:01 escalated at 12:01:30.
    typed = metrics_conversation(at=at(15, 12), offer=True, escalation={"after": 90})
    visitor_wrote(typed, 2, "yes please", at(15, 12, 1))
    week = MetricsFilters(start=date(2026, 6, 15), end=date(2026, 6, 21), time_zone="UTC")
    m = period_metrics(filters=week)
    assert (m.offers, m.offers_accepted, m.offers_declined) == (3, 2, 1)


def test_waits_on_the_bucket_edges_fall_in_the_bucket_they_open():
    """Time to human is grouped by whole seconds in SQL and bucketed in Python: a wait exactly
    on an edge opens the next bucket, a fraction below stays in the one before, waits of an
    hour or more share the last bucket, and a reply stamped before the escalation counts as
    answered but in no bucket."""
    for reply_after in (0, 15, 119.5, 120, 3600, 7200, -5):
        metrics_conversation(at=at(2), escalation={"reply_after": reply_after})
    m = period_metrics(filters=WEEK)
    assert m.answered == 7
    #                          0  15  30  45  60  90 120 180 300 600 900 1800 3600
    assert m.time_to_human_counts == (1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 2)
