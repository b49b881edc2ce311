"""Demo traffic for the dashboard: `python manage.py seed_demo_traffic --days 30`.

Realistic past conversations of the demo store (Northwind Goods): visitor, bot and agent
messages from templates, at business-hour-weighted times; about a quarter escalated, across
every category, with agents' verdicts, time to human, transfers, abandoned waits, tickets of
every kind (after-hours ones at night) and post-escalation CSAT. Deterministic for a seed and
a `now`. Every row hangs off one Site (DEMO_TRAFFIC_SITE_KEY) or is a demo-traffic agent login,
so `--replace` deletes exactly what an earlier run made. Finished conversations only: nothing
waits in the live queue.

The rows are historical, not transitions: they are inserted in their final status (the
lifecycle owns live status changes) with their own timestamps (`_historical_timestamps`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models, transaction
from django.db.models import Q

from agents.models import AgentProfile, Note, Queue, QueueMembership, Ticket
from conversations.models import Article, Conversation, Customer, Message, Site
from escalation.learning import draft_slug
from escalation.model_versions import triage_model_active
from escalation.models import Escalation, Outcome, Plan, TriageExample

DEMO_TRAFFIC_SITE_KEY = "demo-traffic"
AGENT_USERNAME_PREFIX = "demo-traffic-"
DEMO_AGENTS = ("Priya", "Marcus", "Lena", "Tomás")
# The only logins --replace may delete (and only while their password is unusable).
DEMO_USERNAMES = tuple(
    f"{AGENT_USERNAME_PREFIX}{name.lower().replace('á', 'a')}" for name in DEMO_AGENTS
)

# Conversations per day (weekday, weekend) and the share of hours: office hours dominate.
PER_DAY = (40, 24)
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]
# Share of the bot's own chats where it asks for a rating, and of those that answer.
BOT_CSAT_ASKED, BOT_CSAT_ANSWERED = 0.3, 0.6
ESCALATION_RATE = 0.25
# Escalation categories with their share and the queue they go to; every category appears.
CATEGORIES: list[tuple[str, float, str, str]] = [
    # category, weight, queue, rule
    ("human_request", 30, "general", "explicit_request"),
    ("low_confidence", 14, "general", "offer_above"),
    ("negative_sentiment", 11, "general", "sentiment_escalate_below"),
    ("billing_dispute", 12, "billing", "billing_dispute"),
    ("security", 5, "security", "security"),
    ("refund_exception", 5, "manager", "refund_exception"),
    ("policy_exception", 4, "manager", "policy_exception"),
    ("technical", 6, "general", "technical"),
    ("multi_step", 3, "general", "multi_step"),
    ("legal", 2, "legal", "legal"),
    ("sensitive", 2, "specialists", "sensitive_privacy"),
    ("repeated_failure", 4, "general", "not_helpful_count"),
    ("vip", 2, "vip", "vip_plan"),
]
APPROPRIATE_RATE = 0.88  # of reviewed escalations; the rest "the AI could have handled it"
REVIEWED_RATE = 0.9
ABANDONED_RATE = 0.04
TICKET_RATE = 0.08
TRANSFER_RATE = 0.06
CSAT_RATE = 0.6
# The bot offered a person before the visitor escalated (accepted offers), or offered one
# and the visitor went on with the bot (declined): the dashboard's offer tiles.
ACCEPTED_OFFER_RATE = 0.3  # of escalations
DECLINED_OFFER_RATE = 0.06  # of conversations the bot handled
OFFER_LINE = " If you'd rather talk to a person, I can connect you."
DECLINES = ["No thanks, that answers it.", "That's fine, no need."]
CSAT_ESCALATED = [1, 1, 3, 9, 16]  # weights of scores 1–5
TICKET_KINDS = [Ticket.Kind.CALLBACK, Ticket.Kind.EMAIL, Ticket.Kind.SCHEDULED_CALL,
                Ticket.Kind.MESSAGE]  # fmt: skip

QUESTIONS = [
    ("Where is my order NW-{n}? It said it would arrive yesterday.",
     "Your order NW-{n} is with the carrier: the tracking link in your shipping email shows "
     "today's position. Most parcels arrive within 1–2 days of the estimate."),
    ("How do I return a pair of shoes that don't fit?",
     "You can return unworn items within 30 days: open Account > Orders, choose the item and "
     "print the free return label."),
    ("Do you ship to Canada?",
     "Yes, we ship to Canada. Delivery takes 5–8 business days and duties are shown at checkout."),
    ("Can I change the delivery address on my order?",
     "If the order hasn't left the warehouse you can change the address under Account > Orders "
     "> Edit delivery."),
    ("What sizes does the Alder rain jacket come in?",
     "The Alder rain jacket comes in XS to XXL; the size guide on the product page has the "
     "measurements."),
    ("Is there a discount for first orders?",
     "Sign up for our newsletter and you get 10% off your first order."),
    ("How long does a refund take?",
     "Refunds reach your account 3–5 business days after the return arrives at our warehouse."),
    ("Can I pay with PayPal?",
     "Yes: PayPal, cards, Apple Pay and gift cards are all accepted at checkout."),
]  # fmt: skip
ESCALATING = {
    "human_request": ["I want to talk to a real person please", "Can I speak to a human?"],
    "low_confidence": ["My parcel shows delivered but the box had someone else's items in it"],
    "negative_sentiment": ["This is the third time I'm asking and nothing happens. Ridiculous."],
    "billing_dispute": ["You charged me $149.99 twice for order NW-{n}, I want it fixed"],
    "security": ["Someone logged into my account and changed my email address"],
    "refund_exception": ["I ordered a coat 4 months ago and it fell apart, I want a refund"],
    "policy_exception": ["Can you make an exception and extend my return window by a week?"],
    "technical": ["The checkout page gives error 502 every time I try to pay"],
    "multi_step": ["I need to split my order, change one item and ship half to my office"],
    "legal": ["If this isn't resolved I'll be contacting my lawyer"],
    "sensitive": ["Please delete all the personal data you hold about me under GDPR"],
    "repeated_failure": ["That's not what I asked. That still doesn't help."],
    "vip": ["Our company account needs a bulk order changed before Friday"],
}
AGENT_REPLIES = [
    "Hi, I'm {agent}. I've read your conversation with our assistant — let me sort this out.",
    "Thanks for waiting. I've checked order NW-{n} and fixed it on our side.",
    "Done: you'll get a confirmation email in a few minutes. Anything else I can help with?",
]
HANDOFF_COMMENTS = ["Summary had everything I needed.", "Order number was missing.", ""]
CSAT_COMMENTS = ["Quick and friendly, thanks!", "Took a while but sorted.", "", ""]


@dataclass
class SeedSummary:
    conversations: int = 0
    escalations: int = 0
    tickets: int = 0
    by_category: dict[str, int] = field(default_factory=dict)


class DemoTrafficExists(Exception):
    pass


Progress = Callable[[int, int, int], None]  # day, days, conversations so far


def demo_traffic_count() -> int:
    return Conversation.objects.filter(site__key=DEMO_TRAFFIC_SITE_KEY).count()


@transaction.atomic
def demo_traffic_delete() -> int:
    """Delete every row an earlier seed made: first what would outlive the Site through
    SET_NULL (labelled examples, which would feed `--with-verdicts`, and KB drafts made from
    demo escalations), then the Site (it cascades) and the demo agent logins, by their
    exact usernames and only with unusable passwords (never a real account)."""
    count = demo_traffic_count()
    escalations = Escalation.objects.filter(conversation__site__key=DEMO_TRAFFIC_SITE_KEY)
    TriageExample.objects.filter(
        Q(conversation__site__key=DEMO_TRAFFIC_SITE_KEY) | Q(escalation__in=escalations)
    ).delete()
    drafts = [draft_slug(e) for e in escalations.only("pk")]
    Article.objects.filter(slug__in=drafts, published=False).delete()
    Site.objects.filter(key=DEMO_TRAFFIC_SITE_KEY).delete()
    get_user_model().objects.filter(
        username__in=DEMO_USERNAMES, password__startswith=UNUSABLE_PASSWORD_PREFIX
    ).delete()
    return count


@transaction.atomic
def demo_traffic_seed(
    *, days: int, seed: int, now: datetime, replace: bool = False, progress: Progress | None = None
) -> SeedSummary:
    """Seed `days` days of traffic ending at `now`. Refuses (DemoTrafficExists) when demo
    traffic exists, unless `replace`, which deletes it first."""
    if days < 1:
        raise ValueError("days must be at least 1")
    existing = demo_traffic_count()
    if existing and not replace:
        raise DemoTrafficExists(f"Demo traffic exists ({existing:,} conversations)")
    if replace:
        demo_traffic_delete()
    rng = random.Random(seed)
    site = Site.objects.create(
        key=DEMO_TRAFFIC_SITE_KEY, name="Northwind Goods (demo traffic)", allowed_origins=""
    )
    seeder = _Seeder(rng, site, _agents(), _queues(), triage_model_active().version)
    zone = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    for number in range(1, days + 1):
        day = today - timedelta(days=days - number)
        seeder.day(day, zone=zone, now=now)
        if progress:
            progress(number, days, seeder.summary.conversations)
    return seeder.summary


def _agents() -> list[AgentProfile]:
    users = get_user_model()
    profiles = []
    for name, username in zip(DEMO_AGENTS, DEMO_USERNAMES, strict=True):
        # Not staff: an agent's console needs no admin access.
        user, created = users.objects.get_or_create(
            username=username, defaults={"first_name": name, "is_staff": False}
        )
        if created:
            user.set_unusable_password()  # history only: nobody logs in as them
            user.save(update_fields=["password"])
        profile = AgentProfile.objects.get_or_create(user=user)[0]
        for queue in Queue.objects.all():  # every team, so the supervisor view lists their queues
            QueueMembership.objects.get_or_create(agent=profile, queue=queue)
        profiles.append(profile)
    return profiles


def _queues() -> dict[str, Queue | None]:
    queues: dict[str, Queue | None] = {q.slug: q for q in Queue.objects.all()}
    return {slug: queues.get(slug) or queues.get("general") for _, _, slug, _ in CATEGORIES}


@contextmanager
def _historical_timestamps(*models_: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the rows' own `created`/`updated` (auto_now fields would stamp
    them with the time of seeding)."""
    fields = [
        f for m in models_ for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False)
        or getattr(f, "auto_now", False)
    ]  # fmt: skip
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[attr-defined]
    for f in fields:
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


class _Seeder:
    """One day at a time: build the rows in memory, insert them in a few bulk statements."""

    def __init__(
        self,
        rng: random.Random,
        site: Site,
        agents: list[AgentProfile],
        queues: dict[str, Queue | None],
        model_version: str,
    ) -> None:
        self.rng, self.site, self.agents, self.queues = rng, site, agents, queues
        self.model_version = model_version
        self.vip_plan = Plan.objects.filter(vip=True).order_by("-tier").first()
        self.summary = SeedSummary()

    def day(self, day: Any, *, zone: ZoneInfo, now: datetime) -> None:
        rng = self.rng
        count = PER_DAY[1] if day.weekday() >= 5 else PER_DAY[0]
        count = max(1, round(count * rng.uniform(0.8, 1.2)))
        starts = sorted(
            datetime(day.year, day.month, day.day, tzinfo=zone)
            + timedelta(hours=rng.choices(range(24), HOUR_WEIGHTS)[0], seconds=rng.randrange(3600))
            for _ in range(count)
        )
        plans = [self._plan(start) for start in starts if start < now - timedelta(hours=1)]
        if plans:
            self._insert(plans)

    def _bot_csat(self, plan: dict[str, Any], last: datetime) -> dict[str, Any]:
        """The bot's own rating (AI-only CSAT): asked in some chats it handled alone (after the
        visitor's thanks), answered in most of those; never in an escalated chat."""
        rng = self.rng
        if "escalation" in plan or rng.random() >= BOT_CSAT_ASKED:
            return {}
        offered = last + timedelta(seconds=rng.randint(2, 20))
        if rng.random() >= BOT_CSAT_ANSWERED:
            return {"bot_csat_offered_at": offered}
        return {
            "bot_csat_offered_at": offered,
            "bot_csat_score": rng.choices([1, 2, 3, 4, 5], [2, 3, 8, 30, 57])[0],
            "bot_csat_at": offered + timedelta(seconds=rng.randint(10, 120)),
        }

    def _plan(self, start: datetime) -> dict[str, Any]:
        rng = self.rng
        plan: dict[str, Any] = {"start": start, "n": rng.randrange(10000, 99999)}
        if rng.random() < ESCALATION_RATE:
            category, _, queue, rule = rng.choices(CATEGORIES, [c[1] for c in CATEGORIES])[0]
            plan["escalation"] = {"category": category, "queue": queue, "rule": rule}
            night = start.hour < 8 or start.hour >= 20
            roll = rng.random()
            if night and queue in ("billing", "legal", "manager"):
                plan["ending"] = "after_hours"
            elif roll < ABANDONED_RATE:
                plan["ending"] = "abandoned"
            elif roll < ABANDONED_RATE + TICKET_RATE:
                plan["ending"] = "ticket"
            else:
                plan["ending"] = "resolved"
        return plan

    def _insert(self, plans: list[dict[str, Any]]) -> None:
        with _historical_timestamps(Conversation, Escalation, Ticket, Note, Customer):
            self._insert_rows(plans)
        self.summary.conversations += len(plans)

    def _insert_rows(self, plans: list[dict[str, Any]]) -> None:
        rng = self.rng
        customers = Customer.objects.bulk_create(
            Customer(
                site=self.site,
                visitor_id=uuid.UUID(int=rng.getrandbits(128)),
                created=p["start"],
                last_seen=p["start"],
                plan=self.vip_plan if _category(p) == "vip" else None,
            )
            for p in plans
        )
        conversations = []
        for plan, customer in zip(plans, customers, strict=True):
            plan["messages"] = self._messages(plan)
            last = plan["messages"][-1]["created"]
            conversations.append(
                Conversation(
                    public_id=uuid.UUID(int=rng.getrandbits(128)),
                    site=self.site,
                    customer=customer,
                    status=_final_status(plan),
                    # As the lifecycle leaves them: the queue and agent stay after the end, so
                    # the History and the dashboard's queue filter find seeded chats too.
                    queue=self.queues.get(plan["escalation"]["queue"])
                    if "escalation" in plan
                    else None,
                    assigned_agent=plan.get("escalation", {}).get("agent"),
                    priority="normal",
                    # Stamped by message_receive for real chats; bulk inserts set it themselves.
                    first_visitor_message_at=min(
                        (m["created"] for m in plan["messages"] if m["sender"] == "customer"),
                        default=None,
                    ),
                    created=plan["start"],
                    updated=last,
                    resolved_at=last if plan.get("ending") == "resolved" else None,
                    last_seq=len(plan["messages"]),
                    **self._bot_csat(plan, last),
                )
            )
        conversations = Conversation.objects.bulk_create(conversations)
        messages = Message.objects.bulk_create(
            Message(conversation=c, seq=seq, **m)
            for p, c in zip(plans, conversations, strict=True)
            for seq, m in enumerate(p["messages"], 1)
        )
        by_key = {(m.conversation_id, m.seq): m for m in messages}
        self._escalations(plans, conversations, by_key)

    def _messages(self, plan: dict[str, Any]) -> list[dict[str, Any]]:
        rng, n = self.rng, plan["n"]
        at = plan["start"]
        question, answer = rng.choice(QUESTIONS)
        escalation = plan.get("escalation")
        offered = rng.random() < (ACCEPTED_OFFER_RATE if escalation else DECLINED_OFFER_RATE)
        rows = [self._question(question.format(n=n), at, offered)]
        at += timedelta(seconds=rng.randint(2, 6))
        confidence = {"confidence": round(rng.uniform(0.6, 0.95), 2)}
        rows.append(_msg("bot", answer.format(n=n) + (OFFER_LINE if offered else ""), at,
                         confidence))  # fmt: skip
        if escalation is None:
            if offered:  # declined: the visitor carries on with the bot
                at += timedelta(seconds=rng.randint(20, 120))
                rows.append(_msg("customer", rng.choice(DECLINES), at))
            elif rng.random() < 0.5:
                at += timedelta(seconds=rng.randint(20, 120))
                rows.append(_msg("customer", rng.choice(["Thanks!", "Great, that helps."]), at))
            return rows
        at += timedelta(seconds=rng.randint(30, 240))
        text = rng.choice(ESCALATING[escalation["category"]]).format(n=n)
        decision = {"action": "escalate", "category": escalation["category"],
                    "model_version": self.model_version}  # fmt: skip
        rows.append(_msg("customer", text, at, {"decision": decision}))
        escalation["seq"], escalation["created"] = len(rows), at + timedelta(seconds=2)
        at += timedelta(seconds=2)
        rows.append(_msg("system", "I'm connecting you with our support team.", at,
                         {"event": "handoff"}))  # fmt: skip
        ending = plan["ending"]
        if ending == "abandoned":
            at += timedelta(seconds=rng.randint(180, 900))
            rows.append(_msg("system", "The visitor left before an agent joined.", at,
                             {"event": "abandoned", "reason": "visitor_left"}))  # fmt: skip
        elif ending in ("ticket", "after_hours"):
            at += timedelta(seconds=rng.randint(20, 300))
            rows.append(_msg("system", "Thanks — our team will follow up as promised.", at,
                             {"event": "ticket"}))  # fmt: skip
        else:
            agent = rng.choice(self.agents)
            escalation["agent"] = agent
            escalation["assigned_at"] = at + timedelta(seconds=rng.randint(5, 40))
            wait = min(rng.lognormvariate(4.2, 0.8), 1500)  # median ~67 s, a long tail
            at = escalation["created"] + timedelta(seconds=max(wait, 10))
            escalation["first_reply"] = at
            for reply in AGENT_REPLIES:
                rows.append(_msg("agent", reply.format(agent=agent.name, n=n), at,
                                 sender_name=agent.name))  # fmt: skip
                at += timedelta(seconds=rng.randint(40, 200))
            escalation["resolved_at"] = at
        return rows

    def _question(self, text: str, at: datetime, offered: bool) -> dict[str, Any]:
        """The visitor's first message; when the bot offered a person, its stored decision
        says so (`offer`, or `acknowledge_offer` for a frustrated one)."""
        if not offered:
            return _msg("customer", text, at)
        action = self.rng.choice(["offer", "offer", "acknowledge_offer"])
        decision = {"action": action, "model_version": self.model_version}
        return _msg("customer", text, at, {"decision": decision})

    def _escalations(
        self,
        plans: list[dict[str, Any]],
        conversations: list[Conversation],
        messages: dict[tuple[int, int], Message],
    ) -> None:
        rng = self.rng
        escalations, tickets, notes = [], [], []
        for plan, conversation in zip(plans, conversations, strict=True):
            spec = plan.get("escalation")
            if spec is None:
                continue
            escalation = self._escalation(spec, plan["ending"], conversation, messages)
            escalations.append(escalation)
            self.summary.by_category[spec["category"]] = (
                self.summary.by_category.get(spec["category"], 0) + 1
            )
            if plan["ending"] in ("ticket", "after_hours"):
                tickets.append(self._ticket(spec, plan, conversation))
            if escalation.agent_id and rng.random() < TRANSFER_RATE:
                notes.append(
                    Note(
                        conversation=conversation,
                        author=escalation.agent,
                        kind=Note.Kind.TRANSFER,
                        body="Transferred: needs the billing team's access.",
                        created=spec["created"] + timedelta(seconds=90),
                    )
                )
        Escalation.objects.bulk_create(escalations)
        Ticket.objects.bulk_create(tickets)
        Note.objects.bulk_create(notes)
        self.summary.escalations += len(escalations)
        self.summary.tickets += len(tickets)

    def _escalation(
        self,
        spec: dict[str, Any],
        ending: str,
        conversation: Conversation,
        messages: dict[tuple[int, int], Message],
    ) -> Escalation:
        rng = self.rng
        message = messages[(conversation.pk, spec["seq"])]
        escalation = Escalation(
            conversation=conversation,
            message=message,
            created=spec["created"],
            category=spec["category"],
            rule=spec["rule"],
            priority="urgent" if spec["category"] == "security" else "normal",
            target_queue=spec["queue"],
            sensitive_topic="privacy" if spec["category"] == "sensitive" else "",
            explanation=f"Escalate to a human from the {spec['queue']} queue.",
            reasons=[
                {
                    "signal": spec["rule"],
                    "value": None,
                    "rule": spec["rule"],
                    "threshold": None,
                    "text": spec["category"].replace("_", " "),
                }
            ],  # fmt: skip
            ai_attempts=1,
            summary=f"Visitor: {message.body}",
            summary_source="extractive",
            model_version=self.model_version,
        )
        if ending != "resolved":
            return escalation
        escalation.agent = spec["agent"]
        escalation.assigned_at = spec["assigned_at"]
        escalation.first_agent_reply_at = spec["first_reply"]
        escalation.resolved_at = spec["resolved_at"]
        escalation.outcome = Outcome.RESOLVED if rng.random() < 0.96 else Outcome.NOT_RESOLVED
        if rng.random() < REVIEWED_RATE:
            escalation.appropriate = rng.random() < APPROPRIATE_RATE
            escalation.could_ai_have_handled = not escalation.appropriate
            escalation.handoff_quality = rng.choices([2, 3, 4, 5], [1, 3, 8, 8])[0]
            escalation.handoff_comment = rng.choice(HANDOFF_COMMENTS)
        if rng.random() < CSAT_RATE:
            escalation.csat_score = rng.choices(range(1, 6), CSAT_ESCALATED)[0]
            escalation.csat_comment = rng.choice(CSAT_COMMENTS)
            escalation.csat_at = spec["resolved_at"] + timedelta(seconds=rng.randint(10, 120))
        return escalation

    def _ticket(self, spec: dict[str, Any], plan: dict[str, Any], conversation: Conversation):
        rng = self.rng
        after_hours = plan["ending"] == "after_hours"
        kind = Ticket.Kind.AFTER_HOURS if after_hours else rng.choice(TICKET_KINDS)
        created = spec["created"] + timedelta(minutes=rng.randint(1, 8))
        done = rng.random() < 0.8
        return Ticket(
            conversation=conversation,
            queue=self.queues.get(spec["queue"]),
            request_id=uuid.UUID(int=rng.getrandbits(128)),
            kind=kind,
            state=Ticket.State.DONE if done else Ticket.State.OPEN,
            contact_name="Demo visitor",
            contact_email=f"visitor{plan['n']}@example.com",
            details=spec["category"].replace("_", " "),
            reason=spec["rule"],
            category=spec["category"],
            follow_up_due=created + timedelta(hours=4 if not after_hours else 14),
            created=created,
            updated=created,
            done_at=created + timedelta(hours=rng.randint(1, 20)) if done else None,
        )


def _msg(
    sender: str,
    body: str,
    created: datetime,
    metadata: dict[str, Any] | None = None,
    *,
    sender_name: str = "",
) -> dict[str, Any]:
    metadata = metadata or {}
    return {
        "sender": sender,
        "body": body,
        "created": created,
        "metadata": metadata,
        "sender_name": sender_name,
        # Written by message_settle_turn for real messages; bulk inserts set it themselves.
        "decision_action": metadata.get("decision", {}).get("action", ""),
    }


def _category(plan: dict[str, Any]) -> str:
    return plan["escalation"]["category"] if "escalation" in plan else ""


def _final_status(plan: dict[str, Any]) -> str:
    ending = plan.get("ending")
    if ending is None:
        return Conversation.Status.BOT  # the bot answered; nobody was needed
    if ending == "abandoned":
        return Conversation.Status.CLOSED
    if ending in ("ticket", "after_hours"):
        return Conversation.Status.TICKET
    return Conversation.Status.RESOLVED
