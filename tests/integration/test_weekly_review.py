"""The weekly escalation review: emailed once per week to supervisors (HTML and text, the
figures of a hand-computed fixture), and the same report in the console (docs/dashboard.md)."""

from __future__ import annotations

import smtplib
import socket
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agents import services, tasks
from agents.models import WeeklyReview
from agents.selectors.weekly import weekly_review_last_sent
from agents.services.weekly import MAX_SEND_ATTEMPTS, weekly_review_claim
from agents.weekly_schedule import week_start_of, weekday_number, weekly_review_due
from escalation.models import Escalation
from tests.factories import AgentFactory, metrics_conversation
from tests.support import mail as refusing_mail
from tests.support.threads import run_at_once

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 23)  # Monday 23 → Sunday 29 November 2026
SEND = datetime(2026, 11, 30, 8, tzinfo=UTC)  # Monday 08:00 in UTC, the site's zone here
URL = "/console/weekly/2026-11-23/"


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def site_zone(settings):
    settings.CHATSY_WEEKLY_REVIEW_TIME_ZONE = "UTC"
    settings.CHATSY_WEEKLY_REVIEW_DAY = "monday"
    settings.CHATSY_WEEKLY_REVIEW_HOUR = 8
    settings.CHATSY_PUBLIC_URL = "https://chat.example.com"
    return settings


@pytest.fixture
def week():
    """Six conversations in the week (c1–c6), three escalated; three the week before."""
    metrics_conversation(  # c1
        at=at(11, 23),
        escalation={"category": "billing_dispute", "rule": "billing", "reply_after": 30,
                    "outcome": "resolved", "appropriate": True, "could_ai_have_handled": False,
                    "handoff_quality": 4, "handoff_comment": "Clear summary", "csat_score": 5},
    )  # fmt: skip
    metrics_conversation(  # c2: the one to review
        at=at(11, 24),
        escalation={"reply_after": 90, "outcome": "resolved", "appropriate": False,
                    "could_ai_have_handled": True, "handoff_quality": 2,
                    "handoff_comment": "The bot knew <this> one", "csat_score": 3},
    )  # fmt: skip
    metrics_conversation(  # c3
        at=at(11, 25),
        escalation={"reply_after": 200, "outcome": "not_resolved", "appropriate": True,
                    "csat_score": 4},
    )  # fmt: skip
    metrics_conversation(at=at(11, 26))  # c4: the bot resolved it
    metrics_conversation(at=at(11, 27), tickets=("after_hours",))  # c5
    metrics_conversation(at=at(11, 28))  # c6
    metrics_conversation(  # p1, the week before
        at=at(11, 18),
        escalation={"reply_after": 50, "outcome": "resolved", "appropriate": True, "csat_score": 5},
    )
    metrics_conversation(at=at(11, 19))  # p2
    metrics_conversation(at=at(11, 20))  # p3


@pytest.fixture
def supervisors(db):
    return [
        AgentFactory(is_supervisor=True, user__email="ana@example.com"),
        AgentFactory(is_supervisor=True, user__email="bo@example.com"),
    ]


@pytest.fixture
def others(db):
    """An agent, a supervisor without an address, an inactive supervisor: none get it."""
    AgentFactory(user__email="agent@example.com")
    AgentFactory(is_supervisor=True, user__email="")
    AgentFactory(is_supervisor=True, user__email="gone@example.com", user__is_active=False)


# Hand-computed from the fixture:
#   escalation rate 3 of 6 = 50.0%; the week before 1 of 3 = 33.3% → +16.7 pts, worse
#     (33.3% was inside 20–35%); appropriate 2 of 3 reviewed = 66.7% (before 100%);
#   resolution 2 of 3 finished = 66.7%; time to human (30, 90, 200 s): p50 rank 1.5 in
#     [90,120) = 105 s, p90 rank 2.7 in [180,300) = 180 + 0.7 × 120 = 264 s = 4.4 min;
#   CSAT (5 + 3 + 4) / 3 = 4.00, n = 3; one after-hours ticket; handoff (4 + 2) / 2 = 3.00.
TEXT_FIGURES = [
    "Escalation rate: 50.0% (✖ Target missed, target 20–35%)",
    "▲ +16.7 pts vs 33.3% the week before · worse",
    "Appropriate escalations: 66.7% (✖ Target missed, target > 90%)",
    "▼ -33.3 pts vs 100.0% the week before · worse",
    "Escalation resolution: 66.7%",
    "Time to human (p50): 105 s (✔ Target met, target < 2 min (p50))",
    "- human_request · 2/5: The bot knew <this> one",
    "Time to human: p50 105 s, p90 4.4 min",
    "CSAT after escalation: 4.00 / 5 (n = 3)",
    "CSAT, AI only: – (n = 0)",
    "After-hours tickets: 1",
    "- human_request: 2 · 50% appropriate of 2 reviewed · 1 the AI could have handled",
    "- billing_dispute / billing: 1 · 100% appropriate of 1 reviewed · 0 the AI could have handled",
    "HANDOFF QUALITY (mean 3.00 / 5, 2 rated)",
    "The bot knew <this> one",
    "The report in the console: https://chat.example.com/console/weekly/2026-11-23/",
    "TRIAGE MODEL\n- version ",
    # Escalations at 10:01 on Mon 23, Tue 24 and Wed 25 (c1–c3): the time patterns.
    "- Busiest hours: Mon 10:00 (1) · Tue 10:00 (1) · Wed 10:00 (1)",
    "- Per day: Mon 23 1 · Tue 24 1 · Wed 25 1 · Thu 26 0 · Fri 27 0 · Sat 28 0 · Sun 29 0",
]
HTML_FIGURES = [
    "50.0%", "+16.7 pts vs 33.3% the week before · worse", "66.7%", "105 s", "4.4 min",
    "4.00 / 5", "After-hours tickets: <strong>1</strong>", "The bot knew &lt;this&gt; one",
    'href="https://chat.example.com/console/weekly/2026-11-23/"',
    ">Triage model</h2>",
    "Busiest hours: Mon 10:00 (1) · Tue 10:00 (1) · Wed 10:00 (1)",
    "Per day: Mon 23 1 · Tue 24 1 · Wed 25 1 · Thu 26 0",
]  # fmt: skip


def review_link(escape: bool = True) -> str:
    """The console's review page (not the admin: supervisors need not be superusers), at the
    escalation's row, over the week in its zone, for its reason."""
    from urllib.parse import urlencode

    escalation = Escalation.objects.get(could_ai_have_handled=True, appropriate=False)
    query = {"start": "2026-11-23", "end": "2026-11-29", "time_zone": "UTC", "avoidable": "1"}
    query |= {"category": escalation.category, "rule": escalation.rule}
    query = {key: value for key, value in query.items() if value}
    link = f"https://chat.example.com/console/review/?{urlencode(query)}#review-row-{escalation.pk}"
    return link.replace("&", "&amp;") if escape else link


def test_the_email_carries_the_weeks_figures_in_html_and_text(week, supervisors, others):
    assert services.weekly_review_run(now=SEND) == WEEK
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "bo@example.com"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the others' addresses
    message = mail.outbox[0]
    assert message.subject == "Chatsy weekly escalation review: week of 23 Nov 2026"
    for figure in TEXT_FIGURES:
        assert figure in message.body, figure
    assert review_link(escape=False) in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for figure in HTML_FIGURES:
        assert figure in html, figure
    assert f'href="{review_link()}"' in html
    assert "The bot knew <this> one" not in html  # escaped in HTML
    row = WeeklyReview.objects.get(week_start=WEEK)
    assert row.emailed_at == SEND and row.recipients == ["ana@example.com", "bo@example.com"]


def test_run_twice_emails_once(week, supervisors):
    assert services.weekly_review_run(now=SEND) == WEEK
    assert services.weekly_review_run(now=SEND + timedelta(minutes=15)) is None
    assert services.weekly_review_send(week_start=WEEK, time_zone="UTC", now=SEND) is False
    assert len(mail.outbox) == 2  # one per supervisor, once
    assert WeeklyReview.objects.count() == 1


def test_two_workers_racing_for_the_same_week_email_once(week, supervisors):
    # Worker A has claimed the week and is still sending when worker B's beat arrives.
    assert weekly_review_claim(week_start=WEEK, time_zone="UTC", now=SEND) is True
    assert weekly_review_claim(week_start=WEEK, time_zone="UTC", now=SEND) is False
    assert services.weekly_review_send(week_start=WEEK, time_zone="UTC", now=SEND) is False
    assert mail.outbox == []
    # A claim an hour old belongs to a worker that died: the next run takes over, once.
    later = SEND + timedelta(hours=1, minutes=1)
    assert services.weekly_review_send(week_start=WEEK, time_zone="UTC", now=later) is True
    assert services.weekly_review_send(week_start=WEEK, time_zone="UTC", now=later) is False
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_four_workers_at_once_email_once(week, supervisors):
    """Four beat runs in four threads (their own database connections) at the same moment."""
    results, errors = run_at_once(lambda: services.weekly_review_run(now=SEND), threads=4)
    assert errors == []
    assert sorted(results, key=str) == [WEEK, None, None, None]
    assert len(mail.outbox) == 2  # one per supervisor
    assert WeeklyReview.objects.get().emailed_at == SEND


def test_nothing_is_due_before_monday_0800_in_the_sites_zone(week, supervisors, site_zone):
    site_zone.CHATSY_WEEKLY_REVIEW_TIME_ZONE = "America/New_York"  # 08:00 EST = 13:00 UTC
    WeeklyReview.objects.create(week_start=WEEK - timedelta(days=7), emailed_at=SEND)
    assert services.weekly_review_run(now=datetime(2026, 11, 30, 12, 59, tzinfo=UTC)) is None
    assert mail.outbox == []
    assert services.weekly_review_run(now=datetime(2026, 11, 30, 13, tzinfo=UTC)) == WEEK
    assert WeeklyReview.objects.get(week_start=WEEK).time_zone == "America/New_York"


def test_a_failed_send_loses_nothing_and_the_next_run_sends(week, supervisors, settings):
    with socket.socket() as closed:  # a port nobody listens on: the SMTP connect is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    with pytest.raises(OSError):
        services.weekly_review_run(now=SEND)
    row = WeeklyReview.objects.get(week_start=WEEK)
    assert (row.sending_since, row.emailed_at) == (None, None)  # the claim was released
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.weekly_review_run(now=SEND + timedelta(minutes=15)) == WEEK
    assert len(mail.outbox) == 2


def test_no_supervisor_address_settles_the_week_without_email(week, others):
    assert services.weekly_review_run(now=SEND) == WEEK
    assert mail.outbox == []
    assert weekly_review_last_sent() == WEEK
    assert WeeklyReview.objects.get(week_start=WEEK).recipients == []


def test_the_beat_task_sends_the_week_due_now(supervisors, settings):
    assert settings.CELERY_BEAT_SCHEDULE["weekly-review"]["task"] == "agents.tasks.weekly_review"
    now = timezone.now()
    due = weekly_review_due(
        now=now, time_zone="UTC", send_weekday=weekday_number("monday"), send_hour=8,
        last_sent_week=None,
    )  # fmt: skip
    assert tasks.weekly_review.delay().get() == due.isoformat()
    assert tasks.weekly_review.delay().get() is None
    assert len(mail.outbox) == 2


# --- the console --------------------------------------------------------------------------


def test_the_week_in_the_console_for_supervisors(client, week, supervisors):
    client.force_login(supervisors[0].user)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for figure in (
        "50.0%",
        "66.7%",
        "105 s",
        "4.4 min",
        "4.00 / 5",
        "The bot knew &lt;this&gt; one",
    ):
        assert figure in html, figure
    relative = review_link().removeprefix("https://chat.example.com")
    assert f'href="{relative}"' in html  # in the console, a relative link
    assert 'id="time-patterns"' in html and "Wed 10:00–10:59: 1 escalation<" in html
    assert "Per day: Mon 23 1 · Tue 24 1 · Wed 25 1" in html
    assert 'id="triage-model"' in html and "macro-F1" in html
    # The link opens for a supervisor who is not a superuser, on the escalation's row.
    path, row = review_link(escape=False).removeprefix("https://chat.example.com").split("#")
    assert client.get(path).content.decode().count(f'<tr id="{row}"') == 1
    assert 'id="in-progress"' not in html
    listing = client.get("/console/weekly/").content.decode()
    this_week = week_start_of(timezone.now().date())
    assert f'href="/console/weekly/{this_week:%Y-%m-%d}/"' in listing


def test_agents_get_403_and_visitors_the_login(client, week):
    assert client.get(URL).status_code == 302
    client.force_login(AgentFactory().user)
    assert client.get(URL).status_code == 403
    assert client.get("/console/weekly/").status_code == 403


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/console/weekly/not-a-date/", "named by its Monday"),
        ("/console/weekly/2026-11-24/", "not a Monday"),
        ("/console/weekly/2026-02-30/", "named by its Monday"),
        ("/console/weekly/2999-01-07/", "not started yet"),  # a Monday, far ahead
    ],
)
def test_a_bad_week_is_a_404_not_a_500(client, supervisors, settings, path, why):
    settings.DEBUG = True  # the 404 page then says why
    client.force_login(supervisors[0].user)
    response = client.get(path)
    assert response.status_code == 404
    assert why in response.content.decode()


def test_an_empty_week_explains_itself_and_a_running_week_says_so(client, supervisors):
    client.force_login(supervisors[0].user)
    empty = client.get(URL).content.decode()
    assert "No conversations in the week of 23 Nov 2026 (UTC)" in empty
    this_week = week_start_of(timezone.now().date())
    running = client.get(f"/console/weekly/{this_week:%Y-%m-%d}/").content.decode()
    assert "This week is still in progress" in running


def test_an_empty_week_emails_an_explanation(supervisors):
    assert services.weekly_review_run(now=SEND) == WEEK
    assert "No conversations this week" in mail.outbox[0].body
    assert "No conversations this week" in mail.outbox[0].alternatives[0][0]


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    yield refusing_mail.REFUSED
    refusing_mail.REFUSED.clear()


def test_a_refused_address_is_given_up_on_and_the_others_get_one_email(
    week, supervisors, refusing, caplog
):
    refusing.add("ana@example.com")
    runs = [SEND + timedelta(minutes=15 * n) for n in range(MAX_SEND_ATTEMPTS + 3)]
    for n, now in enumerate(runs):
        if n < MAX_SEND_ATTEMPTS - 1:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                services.weekly_review_run(now=now)
        else:
            services.weekly_review_run(now=now)
    assert [m.to for m in mail.outbox] == [["bo@example.com"]]
    row = WeeklyReview.objects.get(week_start=WEEK)
    assert row.recipients == ["bo@example.com"]
    assert row.failed_attempts == {"ana@example.com": MAX_SEND_ATTEMPTS}
    assert row.emailed_at == runs[MAX_SEND_ATTEMPTS - 1]
    assert "giving up on ana@example.com" in caplog.text


def test_a_transient_failure_is_retried_once_it_works(week, supervisors, refusing):
    refusing.add("bo@example.com")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        services.weekly_review_run(now=SEND)
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    refusing.clear()
    assert services.weekly_review_run(now=SEND + timedelta(minutes=15)) == WEEK
    assert [m.to for m in mail.outbox] == [["ana@example.com"], ["bo@example.com"]]
    row = WeeklyReview.objects.get(week_start=WEEK)
    assert (row.recipients, row.failed_attempts) == (
        ["ana@example.com", "bo@example.com"], {"bo@example.com": 1}
    )  # fmt: skip
