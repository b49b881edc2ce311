"""Sites, visitors, conversations and their messages, and the knowledge base."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone


def validate_origins(value: str) -> None:
    for origin in Site.parse_origins(value):
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
            raise ValidationError(
                f"{origin!r} is not an origin: use scheme://host[:port], e.g. https://shop.example.com"
            )


def identity_secret_new() -> str:
    return secrets.token_hex(32)


class Site(models.Model):
    """A website that embeds the widget; its key goes in the <script> tag."""

    key = models.SlugField(max_length=64, unique=True, help_text="Goes in data-chatsy-key.")
    name = models.CharField(max_length=120)
    greeting = models.CharField(
        max_length=300, default="Hi! Ask me anything about your order, delivery or account."
    )
    allowed_origins = models.TextField(
        blank=True,
        validators=[validate_origins],
        help_text="One origin per line (https://shop.example.com). The Chatsy server's own "
        "origin is always allowed.",
    )
    # Signs the host site's identity claims (user_hash = HMAC-SHA256(user id)). Server-side
    # only: it never reaches a browser (docs/identity.md).
    identity_secret = models.CharField(
        max_length=64,
        default=identity_secret_new,
        help_text="Your server signs the logged-in user's id with this (docs/identity.md). "
        "Keep it secret; regenerate it if it leaks.",
    )
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def parse_origins(value: str) -> list[str]:
        return [line.strip().rstrip("/") for line in value.splitlines() if line.strip()]

    @property
    def origins(self) -> list[str]:
        return self.parse_origins(self.allowed_origins)


class Customer(models.Model):
    """A website visitor: anonymous until the site or an agent identifies them."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="customers")
    # The random id inside the visitor's signed token. Never shown in any API.
    visitor_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    # Set only from a verified identity (conversations.identity): one Customer per site user.
    external_id = models.CharField(max_length=120, blank=True, help_text="Id in the site's system.")
    signed_up_at = models.DateTimeField(
        null=True, blank=True, help_text="When they signed up on the site (the identity's claim)."
    )
    plan = models.ForeignKey(
        "escalation.Plan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
    )
    created = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            # Two devices identifying the same user at once still make one Customer.
            models.UniqueConstraint(
                fields=["site", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.email or f"Visitor {str(self.visitor_id)[:8]}"

    @property
    def identified(self) -> bool:
        return bool(self.external_id)


class Conversation(models.Model):
    """One chat. Its status follows the state machine in docs/architecture.md."""

    class Status(models.TextChoices):
        BOT = "bot", "With the bot"
        QUEUED = "queued", "Waiting for a person"
        ASSIGNED = "assigned", "With an agent"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"
        TICKET = "ticket", "Ticket (follow-up)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="conversations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOT)
    # Set while queued or assigned: the database copy the Redis waiting line is rebuilt from.
    queue = models.ForeignKey(
        "agents.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    priority = models.CharField(max_length=10, default="normal")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    assigned_agent = models.ForeignKey(
        "agents.AgentProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # A VIP plan's proactive check-in for the current wait (agents.services.checkin): set by a
    # conditional UPDATE, so managers hear once per wait however often the sweep runs.
    checkin_sent_at = models.DateTimeField(null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    # When the visitor first wrote (set with the message's seq, in the same UPDATE): the
    # dashboard's conversations are those with a visitor message, read from an index.
    first_visitor_message_at = models.DateTimeField(null=True, blank=True)
    # AI-only CSAT (docs/dashboard.md): the bot asks once, when the visitor says thanks or
    # goodbye after its answer in a chat never escalated (escalation.bot_rules.bot_csat_due).
    # Set by conditional UPDATEs: offered once, rated once.
    bot_csat_offered_at = models.DateTimeField(null=True, blank=True)
    bot_csat_score = models.PositiveSmallIntegerField(
        "AI-only CSAT",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    bot_csat_comment = models.TextField("AI-only CSAT comment", blank=True)
    bot_csat_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]
        indexes = [
            models.Index(fields=["status", "-updated"]),
            models.Index(fields=["-updated"]),
            models.Index(fields=["status", "queue", "enqueued_at"]),
            # The dashboard's periods (agents.selectors.metrics), from the index alone.
            models.Index(
                fields=["created", "first_visitor_message_at"], name="conversation_created_wrote"
            ),
            # The same conversations the visitor wrote in, with their ids: PostgreSQL's indexes
            # do not hold the row id, and without it the dashboard's "escalated / with a ticket"
            # counts read the table (a sequential scan) instead of this range.
            models.Index(
                fields=["created", "id"],
                condition=models.Q(first_visitor_message_at__isnull=False),
                name="conversation_wrote",
            ),
            # AI-only CSAT: the few conversations the bot's rating was given in, by period.
            models.Index(
                fields=["created"],
                condition=models.Q(bot_csat_score__isnull=False),
                name="conversation_bot_rated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_status_display()}"


class Message(models.Model):
    class Sender(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        BOT = "bot", "Bot"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField(help_text="1, 2, 3… within the conversation.")
    sender = models.CharField(max_length=16, choices=Sender.choices)
    sender_name = models.CharField(max_length=120, blank=True)
    body = models.TextField()
    # Made by the widget; a retried send carries the same id and is stored once.
    client_id = models.UUIDField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # Confidence, sources, escalation signals and the engine's decision.
    metadata = models.JSONField(default=dict, blank=True)
    # On a visitor message: metadata.decision.action, copied when the bot's turn settles
    # (message_settle_turn), so the dashboard counts the bot's offers of a person from an
    # index instead of reading every message's JSON.
    decision_action = models.CharField(max_length=32, blank=True, default="")
    # On the bot's answer: the seq of the visitor message it answers. Unique, so a turn run
    # twice (the reconciler racing a slow original) stores one answer.
    reply_to = models.PositiveIntegerField(null=True, blank=True)
    # On a visitor message the bot must answer: when its turn counts as dead if not renewed
    # (conversations.turns). Cleared once the bot answered or handed the chat to a person.
    bot_turn_due = models.DateTimeField(null=True, blank=True)
    # How many times a reconciler took the turn over; after a few it hands over to a person.
    bot_turn_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="message_client_id_unique",
            ),
            models.UniqueConstraint(
                fields=["conversation", "reply_to"],
                condition=models.Q(reply_to__isnull=False),
                name="message_reply_to_unique",
            ),
        ]
        indexes = [
            # The dashboard's abandoned waits: one sender's messages in a period.
            models.Index(fields=["sender", "created"], name="message_sender_created"),
            # The dashboard's offers: visitor messages of one decision in a period.
            models.Index(
                fields=["sender", "decision_action", "created"], name="message_decision_created"
            ),
            # A conversation's visitor messages (the bot's turn, the summary, the agent's card).
            models.Index(fields=["conversation", "sender"], name="message_conversation_sender"),
            models.Index(
                fields=["bot_turn_due"],
                condition=models.Q(bot_turn_due__isnull=False),
                name="message_bot_turn_due",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.sender}: {self.body[:60]}"


_FULL_URL = URLValidator(
    schemes=["http", "https"], message="Enter a full URL (https://…) or a path starting with /."
)


def article_url_validate(value: str) -> None:
    """A full http(s) URL, or a path on this server ("/help/returns/"), made absolute on
    CHATSY_PUBLIC_URL. Not "//host" or "/\\host" (a browser opens both on another host, as it
    reads a backslash as a slash), and no spaces or backslashes in a path at all."""
    if not value.startswith("/"):
        _FULL_URL(value)
    elif value.startswith("//") or any(char.isspace() or char == "\\" for char in value):
        raise ValidationError(
            "A path starts with a single / and has no spaces or backslashes (/help/returns/).",
            code="invalid",
        )


class Article(models.Model):
    """A knowledge-base article the bot answers from."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    keywords = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated extra search terms."
    )
    url = models.CharField(
        "URL",
        max_length=500,
        blank=True,
        validators=[article_url_validate],
        help_text="The article on your help centre (https://…), or a path on this server "
        "(/help/…). Offline answers end with “Read more: <URL>”.",
    )
    published = models.BooleanField(default=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> tuple[str, ...]:
        return tuple(word.strip() for word in self.keywords.split(",") if word.strip())


class TranscriptRequest(models.Model):
    """A visitor asked for the conversation's transcript by email. One row per request (the
    widget's client_id, reused on retry): the send is claimed once (`sent_at`), so a retried
    frame or a redelivered task sends one email."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="transcript_requests"
    )
    client_id = models.UUIDField(help_text="Made by the widget; a retry carries the same id.")
    email = models.EmailField()
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="The visitor's (IANA), for the times in the email."
    )
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"], name="transcript_request_client_id_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["created"],
                condition=models.Q(sent_at__isnull=True),
                name="transcript_request_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"Transcript of {self.conversation_id} to {self.email}"
