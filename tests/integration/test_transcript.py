"""The transcript by email: a `transcript` frame on the real visitor socket, a request stored once
per client_id, and the Celery task (eager in the suite) sending one email through Django's
email API (the locmem outbox), whatever is retried or redelivered."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.utils import timezone

from conversations import services
from conversations.models import Conversation, Message, TranscriptRequest
from conversations.tasks import send_transcript, transcripts_reconcile
from conversations.transcripts import TRANSCRIPT_MAX_ATTEMPTS, transcript_send
from tests.factories import ConversationFactory


def socket_test(test):
    """Through the real ASGI app: its database work runs on Channels' own thread."""
    return pytest.mark.asyncio(pytest.mark.django_db(transaction=True)(test))


def transcript_frame(email: str, client_id: str | None = None, **extra: str) -> dict:
    return {
        "type": "transcript",
        "email": email,
        "client_id": client_id or str(uuid.uuid4()),
    } | extra


@database_sync_to_async
def requests() -> list[TranscriptRequest]:
    return list(TranscriptRequest.objects.order_by("pk"))


@socket_test
async def test_the_transcript_is_emailed_once_with_the_whole_conversation(new_visitor, mailoutbox):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take? <b>asap</b>")
    answer = await visitor.receive_message_from("bot")
    client_id = str(uuid.uuid4())
    await visitor.send(transcript_frame("ada@example.com", client_id, time_zone="Asia/Tokyo"))
    queued = await visitor.receive_type("transcript_queued")
    assert queued == {
        "type": "transcript_queued",
        "client_id": client_id,
        "email": "ada@example.com",
        "duplicate": False,
    }
    [email] = mailoutbox
    assert email.to == ["ada@example.com"] and email.subject == "Your chat with Test Shop"
    first = await database_sync_to_async(Message.objects.get)(seq=1)
    tokyo = first.created.astimezone(ZoneInfo("Asia/Tokyo"))  # not UTC: the visitor's zone
    assert f"[{tokyo:%H:%M}] You: How long does shipping take? <b>asap</b>" in email.body
    assert f"Chatsy bot: {answer['body'].splitlines()[0]}" in email.body
    assert "Times are Asia/Tokyo." in email.body
    [request] = await requests()
    [(html, kind)] = email.alternatives
    assert kind == "text/html" and "&lt;b&gt;asap&lt;/b&gt;" in html and "<b>asap" not in html

    # The widget retries the same request (a lost ack): one email still.
    await visitor.send(transcript_frame("ada@example.com", client_id))
    again = await visitor.receive_type("transcript_queued")
    assert again["duplicate"] is True and len(mailoutbox) == 1
    # Celery redelivers the job (the worker died before acking it): one email still.
    assert await database_sync_to_async(send_transcript)(request.pk) is False
    assert len(mailoutbox) == 1 and len(await requests()) == 1
    await visitor.close()


@socket_test
async def test_a_bad_email_gets_a_clear_error_and_nothing_is_stored(new_visitor, mailoutbox):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("Hello")
    for bad in ("not-an-email", "", "ada@", "a" * 250 + "@example.com"):
        client_id = str(uuid.uuid4())
        await visitor.send(transcript_frame(bad, client_id))
        error = await visitor.receive_type("error")
        assert error == {
            "type": "error",
            "code": "invalid_email",
            "message": "Please enter a valid email address.",
            "client_id": client_id,
        }
    await visitor.send({"type": "transcript", "email": "ada@example.com", "client_id": "nope"})
    assert (await visitor.receive_type("error"))["code"] == "invalid_frame"
    assert await requests() == [] and mailoutbox == []
    # The socket stays usable: a good request after the bad ones goes through.
    await visitor.send(transcript_frame("ada@example.com"))
    assert (await visitor.receive_type("transcript_queued"))["duplicate"] is False
    assert len(mailoutbox) == 1
    await visitor.close()


@socket_test
async def test_an_empty_chat_has_nothing_to_send(new_visitor, mailoutbox):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.send(transcript_frame("ada@example.com"))
    error = await visitor.receive_type("error")
    assert (error["code"], error["message"]) == (
        "transcript_empty",
        "There is nothing to send yet.",
    )
    assert await requests() == [] and mailoutbox == []
    await visitor.close()


@socket_test
async def test_requests_beyond_the_budget_are_refused(new_visitor, mailoutbox, settings):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "transcript": ("2/3600", "")}
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("Hello")
    for _ in range(2):
        await visitor.send(transcript_frame("ada@example.com"))
        await visitor.receive_type("transcript_queued")
    client_id = str(uuid.uuid4())
    await visitor.send(transcript_frame("ada@example.com", client_id))
    refused = await visitor.receive_type("error")
    assert (refused["code"], refused["client_id"]) == ("rate_limited", client_id)
    assert "Too many transcript requests." in refused["message"]
    assert len(mailoutbox) == 2 and len(await requests()) == 2
    await visitor.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once closed


@pytest.mark.django_db
def test_a_send_that_fails_gives_its_claim_back_and_the_retry_sends_once(settings, mailoutbox):
    conversation = ConversationFactory()
    services.message_receive(conversation=conversation, client_id=uuid.uuid4(), body="Hi there")
    request = TranscriptRequest.objects.create(
        conversation=conversation, client_id=uuid.uuid4(), email="ada@example.com"
    )
    # A real SMTP backend, pointed at a port nobody listens on: the mail server is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    with pytest.raises(OSError):
        transcript_send(request_id=request.pk)
    request.refresh_from_db()
    assert (request.sent_at, request.attempts) == (None, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert transcript_send(request_id=request.pk) is True
    assert transcript_send(request_id=request.pk) is False
    assert len(mail.outbox) == 1 and "You: Hi there" in mail.outbox[0].body
    request.refresh_from_db()
    assert request.sent_at is not None and request.attempts == 2


@pytest.mark.django_db
def test_the_reconciler_queues_requests_the_broker_never_took(mailoutbox):
    conversation = ConversationFactory()
    services.message_receive(conversation=conversation, client_id=uuid.uuid4(), body="Hi there")
    old = timezone.now() - timedelta(minutes=5)
    lost = TranscriptRequest.objects.create(
        conversation=conversation, client_id=uuid.uuid4(), email="lost@example.com", created=old
    )
    TranscriptRequest.objects.create(  # sent already: left alone
        conversation=conversation,
        client_id=uuid.uuid4(),
        email="sent@example.com",
        created=old,
        sent_at=old,
    )
    TranscriptRequest.objects.create(  # just made: its own job runs first
        conversation=conversation, client_id=uuid.uuid4(), email="new@example.com"
    )
    TranscriptRequest.objects.create(  # refused every time so far: given up
        conversation=conversation,
        client_id=uuid.uuid4(),
        email="refused@example.com",
        created=old,
        attempts=TRANSCRIPT_MAX_ATTEMPTS,
    )
    assert transcripts_reconcile() == 1
    assert [m.to for m in mailoutbox] == [["lost@example.com"]]
    lost.refresh_from_db()
    assert lost.sent_at is not None
    assert transcripts_reconcile() == 0


@pytest.mark.django_db
def test_the_transcript_of_another_conversation_is_never_mixed_in(
    mailoutbox, django_capture_on_commit_callbacks
):
    mine, theirs = ConversationFactory(), ConversationFactory()
    for conversation, body in ((mine, "my question"), (theirs, "their secret")):
        services.message_receive(conversation=conversation, client_id=uuid.uuid4(), body=body)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.transcript_request(
            conversation=Conversation.objects.get(pk=mine.pk),
            client_id=uuid.uuid4(),
            email="ada@example.com",
        )
    assert receipt.duplicate is False
    [email] = mailoutbox
    assert "my question" in email.body and "their secret" not in email.body
