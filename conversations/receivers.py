"""Model signals of the conversations app: an article saved or deleted refreshes every
process's knowledge-base index (conversations.knowledge)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from conversations.knowledge import knowledge_changed
from conversations.models import Article


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
def article_changed(**kwargs: Any) -> None:
    knowledge_changed()
