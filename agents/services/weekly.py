"""The weekly escalation review: decide it is due, claim it, email it to supervisors once
(docs/dashboard.md, "Weekly review")."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string

from agents.models import WeeklyReview
from agents.selectors.weekly import (
    supervisor_emails,
    weekly_review_last_sent,
    weekly_review_report,
)
from agents.weekly_schedule import weekday_number, weekly_review_due

logger = logging.getLogger(__name__)

SUBJECT = "Chatsy weekly escalation review: week of {day} {week_start:%b %Y}"
# A claim older than this belongs to a worker that died mid-send: another may take it over.
CLAIM_EXPIRES = timedelta(hours=1)
# After this many failed sends to one address (a beat every 15 min), the week stops trying it.
MAX_SEND_ATTEMPTS = 4


def weekly_review_run(*, now: datetime) -> date | None:
    """Email the review that is due at `now`, if any; the week sent, or None."""
    zone = settings.CHATSY_WEEKLY_REVIEW_TIME_ZONE
    week = weekly_review_due(
        now=now,
        time_zone=zone,
        send_weekday=weekday_number(settings.CHATSY_WEEKLY_REVIEW_DAY),
        send_hour=settings.CHATSY_WEEKLY_REVIEW_HOUR,
        last_sent_week=weekly_review_last_sent(),
    )
    if week is None or not weekly_review_send(week_start=week, time_zone=zone, now=now):
        return None
    return week


def weekly_review_claim(*, week_start: date, time_zone: str, now: datetime) -> bool:
    """Take the right to email this week's review: a conditional insert (the unique week)
    then a conditional update, so of two workers or a re-run exactly one gets True."""
    WeeklyReview.objects.get_or_create(week_start=week_start, defaults={"time_zone": time_zone})
    free = Q(sending_since__isnull=True) | Q(sending_since__lt=now - CLAIM_EXPIRES)
    claimed = WeeklyReview.objects.filter(
        free, week_start=week_start, emailed_at__isnull=True
    ).update(sending_since=now)
    return claimed == 1


def weekly_review_send(*, week_start: date, time_zone: str, now: datetime) -> bool:
    """Build the week's report and email it to every supervisor, once each. False: another
    run has sent it or is sending it. Each delivered address is recorded as it goes, so a
    failed address releases the claim and the next beat retries only the undelivered ones;
    an address that failed MAX_SEND_ATTEMPTS times is given up on (logged)."""
    if not weekly_review_claim(week_start=week_start, time_zone=time_zone, now=now):
        return False
    row = WeeklyReview.objects.get(week_start=week_start)
    try:
        addresses = supervisor_emails()
        pending = _undelivered(row, addresses)
        if pending:
            report = weekly_review_report(week_start=week_start, time_zone=time_zone, now=now)
            error = _send_each(row, _messages(report, pending))
            if error is not None:
                raise error
        elif not addresses:
            logger.warning("Weekly review of %s: no supervisor has an email address", week_start)
    except Exception:
        WeeklyReview.objects.filter(week_start=week_start, emailed_at__isnull=True).update(
            sending_since=None
        )
        raise
    WeeklyReview.objects.filter(week_start=week_start).update(emailed_at=now)
    return True


def _undelivered(row: WeeklyReview, addresses: list[str]) -> list[str]:
    """The addresses still owed this week's email: not delivered, not given up on."""
    return [
        address
        for address in addresses
        if address not in row.recipients and row.failed_attempts.get(address, 0) < MAX_SEND_ATTEMPTS
    ]


def _send_each(row: WeeklyReview, messages: list[EmailMultiAlternatives]) -> Exception | None:
    """Send one message per address over one connection, recording each outcome on the row
    at once (a crash mid-way re-sends nobody); the first error that leaves an address owed."""
    connection = get_connection()
    owed: Exception | None = None
    for message in messages:
        address = message.to[0]
        try:
            connection.send_messages([message])
        except Exception as error:
            attempts = row.failed_attempts.get(address, 0) + 1
            row.failed_attempts[address] = attempts
            if attempts >= MAX_SEND_ATTEMPTS:
                logger.error(
                    "Weekly review of %s: giving up on %s after %d failed sends: %s",
                    row.week_start, address, attempts, error,
                )  # fmt: skip
            elif owed is None:
                owed = error
        else:
            row.recipients.append(address)
        row.save(update_fields=["recipients", "failed_attempts"])
    return owed


def _messages(report, recipients: list[str]) -> list[EmailMultiAlternatives]:
    """One message per supervisor (nobody sees the others' addresses), HTML and plain text."""
    context = {"report": report, "page": report.dashboard}
    text = render_to_string("email/weekly_review.txt", context)
    html = render_to_string("email/weekly_review.html", context)
    subject = SUBJECT.format(day=report.week_start.day, week_start=report.week_start)
    messages = []
    for address in recipients:
        message = EmailMultiAlternatives(
            subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages
