"""A message the database holds and no socket was told about: what a process killed between
its commit and its publish leaves behind (the channel layer is at most once)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conversations.models import Conversation, Message


def message_stored_unannounced(
    conversation: Conversation, body: str, sender: str = Message.Sender.SYSTEM
) -> Message:
    """Store a message with the conversation's next seq, and broadcast nothing."""
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=F("last_seq") + 1)
        seq = Conversation.objects.values_list("last_seq", flat=True).get(pk=conversation.pk)
        return Message.objects.create(
            conversation_id=conversation.pk,
            seq=seq,
            sender=sender,
            body=body,
            created=timezone.now(),
        )
