"""Queues, their agents, and each agent's capacity. Presence and the waiting line live in Redis."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from chatsy.timezones import zone_named


def validate_time_zone(value: str) -> None:
    if zone_named(value) is None:
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin).")


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
    alternatives_after_minutes = models.PositiveSmallIntegerField(
        default=5,
        help_text="Offer alternatives (callback, email, scheduled call, message) when the "
        "estimated wait passes this many minutes.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA time zone of the opening hours (e.g. America/New_York).",
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
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="IANA zone the console shows times in (e.g. Europe/Berlin); empty: TIME_ZONE.",
    )
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


class QueueHours(models.Model):
    """One opening interval of a queue's week, in the queue's time zone. Several per day are
    allowed (a lunch break); a queue with none is always open."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="Earlier than opens means past midnight.")

    class Meta:
        ordering = ["queue", "weekday", "opens"]
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class QueueClosure(models.Model):
    """A holiday or a special closure: the queue is closed from `starts` to `ends`."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="closures")
    label = models.CharField(max_length=120, blank=True, help_text="e.g. Christmas Day")
    starts = models.DateTimeField()
    ends = models.DateTimeField()

    class Meta:
        ordering = ["queue", "starts"]

    def __str__(self) -> str:
        return self.label or f"Closed {self.starts:%Y-%m-%d %H:%M}–{self.ends:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError("A closure must end after it starts.")


class Ticket(models.Model):
    """A follow-up outside the chat: the visitor chose an alternative to waiting, or nobody
    was there. The whole conversation stays reachable through `conversation`."""

    class Kind(models.TextChoices):
        CALLBACK = "callback", "Callback"
        EMAIL = "email", "Email follow-up"
        SCHEDULED_CALL = "scheduled_call", "Scheduled call"
        MESSAGE = "message", "Detailed message"
        AFTER_HOURS = "after_hours", "After hours"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    class Priority(models.TextChoices):
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="tickets"
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    # The widget's request id: a retried frame finds the ticket it created.
    request_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # `state`, not `status`: a conversation's status belongs to the lifecycle alone (and
    # tests/unit/test_status_writes.py reads every `status=` write as the conversation's).
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    preferred_window = models.CharField(max_length=60, blank=True)
    requested_time = models.DateTimeField(null=True, blank=True)
    visitor_time_zone = models.CharField(max_length=64, default="UTC")
    details = models.TextField(blank=True, help_text="What the visitor wrote for the team.")
    reason = models.CharField(max_length=120, blank=True)
    category = models.CharField(max_length=60, blank=True)
    summary = models.TextField(blank=True)
    assigned_agent = models.ForeignKey(
        AgentProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    follow_up_due = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # Sweeps that tried to send the confirmation: a permanently failing one is given up.
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["state", "follow_up_due", "created"]
        indexes = [models.Index(fields=["state", "follow_up_due"], name="ticket_open_due")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} · {self.contact_email or self.contact_phone}"


class TicketReply(models.Model):
    """An agent's email reply to a ticket; `sent_at` is set once the email went out."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(AgentProfile, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)  # as Ticket.email_attempts

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"Reply on ticket #{self.ticket_id}"


class WeeklyReview(models.Model):
    """One week's escalation review, emailed once (docs/dashboard.md, "Weekly review").

    The row is the idempotency record, not a snapshot: the report is recomputed from the
    database whenever it is viewed. `sending_since` is the claim a worker takes with a
    conditional update before it emails; `emailed_at` is set after the send succeeds."""

    week_start = models.DateField(unique=True, help_text="The Monday the week starts on.")
    time_zone = models.CharField(max_length=64, help_text="The zone the week's days are in.")
    built_at = models.DateTimeField(auto_now_add=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    # Address → failed sends so far; an address that reaches the limit is given up on.
    failed_attempts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"Weekly review of {self.week_start:%Y-%m-%d}"
