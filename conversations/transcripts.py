"""The conversation's transcript, emailed to the visitor who asked for it (a `transcript` frame,
docs/widget-protocol.md; sent by the Celery task conversations.tasks.send_transcript).

Idempotent: a redelivered task or a retried frame sends one email for one request. The send is
claimed first, with a conditional UPDATE of `sent_at` that only one run wins; a failure to
hand the email to the backend gives the claim back, so a retry can send it. A worker that dies
between the claim and the hand-over loses that one email rather than ever sending two.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from chatsy.timezones import zone_or_utc
from conversations.models import Message, TranscriptRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime  # in the visitor's time zone
    who: str  # "You", the bot's or the agent's name, "" for system notices
    sender: str
    body: str

    @property
    def clock(self) -> str:
        """ "14:05" in the visitor's zone (the template's `date` filter would use the server's)."""
        return f"{self.at:%H:%M}"


def transcript_send(*, request_id: int, now: datetime | None = None) -> bool:
    """Email the transcript of one request, once. False if it was sent (or is being sent)
    already, or the request is gone."""
    now = now or timezone.now()
    claimed = TranscriptRequest.objects.filter(pk=request_id, sent_at__isnull=True).update(
        sent_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    request = TranscriptRequest.objects.select_related("conversation__site").get(pk=request_id)
    try:
        _email(request).send()
    except Exception:
        # Not handed to the backend: give the claim back so the task's retry sends it.
        TranscriptRequest.objects.filter(pk=request_id, sent_at=now).update(sent_at=None)
        raise
    logger.info("transcript of conversation %s sent", request.conversation_id)
    return True


# Requests whose email was never handed over (the broker refused the job, or it was lost) are
# queued again by conversations.tasks.transcripts_reconcile while younger than this.
TRANSCRIPT_SWEEP_WINDOW = timedelta(hours=6)
TRANSCRIPT_SWEEP_GRACE = timedelta(minutes=1)  # the usual job's time to run first
# A request whose email failed this many times (an address the mail server refuses) is left
# alone: the sweep stops hitting the mail server with it.
TRANSCRIPT_MAX_ATTEMPTS = 10


def transcript_requests_unsent(*, now: datetime) -> list[int]:
    return list(
        TranscriptRequest.objects.filter(
            sent_at__isnull=True,
            attempts__lt=TRANSCRIPT_MAX_ATTEMPTS,
            created__gte=now - TRANSCRIPT_SWEEP_WINDOW,
            created__lt=now - TRANSCRIPT_SWEEP_GRACE,
        )
        .order_by("created")
        .values_list("pk", flat=True)
    )


def _email(request: TranscriptRequest) -> EmailMultiAlternatives:
    conversation = request.conversation
    zone = zone_or_utc(request.time_zone)
    lines = transcript_lines(conversation_id=conversation.pk, zone=zone)
    context = {
        "site": conversation.site,
        "lines": lines,
        "started": f"{lines[0].at.day} {lines[0].at:%B %Y}" if lines else "",
        "zone": request.time_zone or "UTC",
    }
    subject = f"Your chat with {conversation.site.name}"
    text = render_to_string("email/transcript.txt", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[request.email]
    )
    message.attach_alternative(render_to_string("email/transcript.html", context), "text/html")
    return message


def transcript_lines(*, conversation_id: int, zone: tzinfo) -> list[TranscriptLine]:
    """Every message of the conversation, in order, as the visitor saw it."""
    rows = (
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("seq")
        .values_list("created", "sender", "sender_name", "body")
        .iterator(chunk_size=500)
    )
    return [
        TranscriptLine(
            at=created.astimezone(zone), who=_who(sender, name), sender=sender, body=body
        )
        for created, sender, name, body in rows
    ]


def _who(sender: str, name: str) -> str:
    if sender == Message.Sender.CUSTOMER:
        return "You"
    if sender == Message.Sender.SYSTEM:
        return ""
    return name or (settings.CHATSY_BOT_NAME if sender == Message.Sender.BOT else "Agent")
