"""Queues, their agents, and each agent's capacity. Presence and the waiting line live in Redis."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Queue(models.Model):
    class Routing(models.TextChoices):
        MANUAL = "manual", "Manual: agents pick from the list"
        AUTO = "auto", "Auto: least-loaded online agent"

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=60, unique=True, help_text="Escalation rules route to this.")
    categories = models.CharField(
        max_length=300,
        blank=True,
        help_text="Comma-separated escalation categories this queue handles when no rule names a "
        "queue (e.g. billing_dispute).",
    )
    priority = models.PositiveSmallIntegerField(default=0, help_text="Higher is listed first.")
    vip_only = models.BooleanField("VIP only", default=False)
    routing = models.CharField(max_length=10, choices=Routing.choices, default=Routing.MANUAL)
    max_wait_seconds = models.PositiveIntegerField(
        default=600, help_text="Past this wait, the visitor is offered alternatives."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def category_list(self) -> list[str]:
        return [c.strip() for c in self.categories.split(",") if c.strip()]


class AgentProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    display_name = models.CharField(max_length=80, blank=True, help_text="Shown to visitors.")
    max_concurrent_chats = models.PositiveSmallIntegerField(default=3)
    is_supervisor = models.BooleanField(default=False)
    queues: models.ManyToManyField[Queue, QueueMembership] = models.ManyToManyField(
        Queue, through="QueueMembership", related_name="agents"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.first_name or self.user.get_username()


class QueueMembership(models.Model):
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE)
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE)
    skills = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "queue"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.agent} in {self.queue}"


class CannedReply(models.Model):
    """A saved answer agents insert by typing `/` and its shortcut in the composer."""

    title = models.CharField(max_length=120)
    shortcut = models.SlugField(max_length=40, unique=True, help_text="Typed after “/”.")
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["shortcut"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return f"/{self.shortcut} · {self.title}"


class Note(models.Model):
    """Agents only, never sent to the visitor: internal notes, transfer and hand-back notes."""

    class Kind(models.TextChoices):
        NOTE = "note", "Internal note"
        TRANSFER = "transfer", "Transfer note"
        HAND_BACK = "hand_back", "Hand-back note"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        AgentProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.conversation_id}: {self.body[:60]}"


class ChatParticipant(models.Model):
    """A supervisor watching (observer) or writing in (joined) a chat they are not assigned."""

    class Role(models.TextChoices):
        OBSERVER = "observer", "Observing"
        JOINED = "joined", "Joined"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="participants"
    )
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OBSERVER)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "agent"], name="participant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_role_display().lower()} {self.conversation_id}"
