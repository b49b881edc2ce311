"""`seed_demo_traffic`: a realistic mix (every category, ~25 % escalated, verdicts, CSAT,
tickets of every kind, transfers, abandoned waits), deterministic per seed, safe to re-run,
and run once by `make run`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from agents.demo_traffic import (
    CATEGORIES,
    DEMO_TRAFFIC_SITE_KEY,
    DEMO_USERNAMES,
    DemoTrafficExists,
    demo_traffic_seed,
)
from agents.models import Note, Ticket
from agents.selectors.metrics import MetricsFilters, period_metrics
from chatsy.devstack import database_steps
from conversations.models import Article, Conversation, Message
from escalation.learning import draft_slug
from escalation.model_store import shipped_model
from escalation.models import Escalation, TriageExample
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 20, 15, 30, tzinfo=UTC)


def snapshot() -> list[tuple]:
    """What a seed produced, without database ids."""
    conversations = list(
        Conversation.objects.filter(site__key=DEMO_TRAFFIC_SITE_KEY)
        .order_by("created", "public_id")
        .values_list("public_id", "status", "created")
    )
    messages = list(
        Message.objects.filter(conversation__site__key=DEMO_TRAFFIC_SITE_KEY)
        .order_by("conversation__created", "conversation__public_id", "seq")
        .values_list("sender", "body", "created")
    )
    escalations = list(
        Escalation.objects.order_by("created").values_list(
            "category", "created", "appropriate", "csat_score", "first_agent_reply_at"
        )
    )
    return [conversations, messages, escalations]


def test_thirty_days_have_the_mix_the_dashboard_shows():
    summary = demo_traffic_seed(days=30, seed=14, now=NOW)
    conversations = Conversation.objects.filter(site__key=DEMO_TRAFFIC_SITE_KEY)
    total = conversations.count()
    assert total == summary.conversations > 600
    first = min(conversations.values_list("created", flat=True))
    assert NOW - timedelta(days=30) <= first and conversations.filter(created__gte=NOW).count() == 0

    escalations = Escalation.objects.filter(conversation__site__key=DEMO_TRAFFIC_SITE_KEY)
    assert 0.20 <= escalations.count() / total <= 0.30
    by_category = Counter(escalations.values_list("category", flat=True))
    assert set(by_category) == {category for category, *_ in CATEGORIES}
    assert by_category.most_common(1)[0][0] == "human_request"
    assert dict(by_category) == summary.by_category

    reviewed = escalations.filter(appropriate__isnull=False)
    appropriate = reviewed.filter(appropriate=True).count() / reviewed.count()
    assert 0.75 <= appropriate <= 0.97
    assert reviewed.filter(could_ai_have_handled=True).count() > 0
    assert escalations.filter(appropriate__isnull=True).exists()  # some not reviewed
    assert escalations.exclude(model_version=shipped_model().version).count() == 0
    vip = escalations.filter(category="vip")
    assert vip.exists() and not vip.filter(conversation__customer__plan__vip=False).exists()
    assert not vip.filter(conversation__customer__plan__isnull=True).exists()

    rated = escalations.filter(csat_score__isnull=False)
    assert rated.count() > 0 and set(rated.values_list("csat_score", flat=True)) <= {1, 2, 3, 4, 5}
    answered = escalations.filter(first_agent_reply_at__isnull=False)
    assert all(e.time_to_human_seconds > 0 for e in answered)
    assert any(e.time_to_human_seconds > 120 for e in answered)  # a tail past 2 minutes

    kinds = set(Ticket.objects.values_list("kind", flat=True))
    assert kinds == set(Ticket.Kind.values)  # every kind, after-hours included
    after_hours = Ticket.objects.filter(kind=Ticket.Kind.AFTER_HOURS)
    assert all(not 8 <= t.conversation.created.hour < 20 for t in after_hours)
    assert Note.objects.filter(kind=Note.Kind.TRANSFER).exists()
    abandoned = Message.objects.filter(metadata__event="abandoned")
    assert abandoned.exists()
    assert {m.conversation.status for m in abandoned} == {"closed"}
    assert not conversations.filter(status__in=["queued", "assigned"]).exists()
    # As the lifecycle leaves them: escalated chats keep their queue, answered ones their agent,
    # and every seeded agent serves the queues (the History and supervisor view show them).
    assert not conversations.filter(escalations__isnull=False, queue__isnull=True).exists()
    assert not conversations.filter(escalations__isnull=True, queue__isnull=False).exists()
    assert not answered.filter(conversation__assigned_agent__isnull=True).exists()
    assert all(e.agent.queues.exists() for e in answered.select_related("agent"))
    # AI-only CSAT: some of the bot's own chats are rated, never an escalated one.
    bot_rated = conversations.filter(bot_csat_score__isnull=False)
    assert bot_rated.count() > 20 and not bot_rated.filter(escalations__isnull=False).exists()
    assert set(bot_rated.values_list("bot_csat_score", flat=True)) <= {1, 2, 3, 4, 5}
    # The dashboard's denormalised columns, as the real write path sets them.
    assert not conversations.filter(first_visitor_message_at__isnull=True).exists()
    visitor = Message.objects.filter(conversation__in=conversations, sender="customer")
    decided = visitor.exclude(metadata__decision__isnull=True)
    assert decided.exists() and not decided.filter(decision_action="").exists()
    # The bot's offers of a person: some accepted (escalated after), some declined.
    offers = visitor.filter(decision_action__in=["offer", "acknowledge_offer"])
    assert set(offers.values_list("decision_action", flat=True)) == {"offer", "acknowledge_offer"}
    accepted = offers.filter(conversation__escalations__created__gte=F("created")).distinct()
    declined = offers.filter(conversation__escalations__isnull=True)
    assert accepted.count() > 10 and declined.count() > 10
    assert accepted.count() + declined.count() == offers.count()
    dashboard = period_metrics(filters=MetricsFilters(start=date(2026, 2, 1), end=NOW.date()))
    assert (dashboard.offers, dashboard.offers_accepted) == (offers.count(), accepted.count())
    # The demo agents answer chats in the console; none has admin access.
    demo_agents = get_user_model().objects.filter(username__in=DEMO_USERNAMES)
    assert demo_agents.count() == 4 and not demo_agents.filter(is_staff=True).exists()

    hours = Counter(c.hour for c in conversations.values_list("created", flat=True))
    office = sum(hours[h] for h in range(9, 17))
    night = sum(hours[h] for h in range(0, 6))
    assert office > 5 * night  # business hours dominate


def test_the_same_seed_makes_the_same_traffic_and_another_seed_does_not():
    demo_traffic_seed(days=4, seed=3, now=NOW)
    first = snapshot()
    demo_traffic_seed(days=4, seed=3, now=NOW, replace=True)
    assert snapshot() == first
    demo_traffic_seed(days=4, seed=4, now=NOW, replace=True)
    assert snapshot() != first


def test_re_running_refuses_and_replace_deletes_only_demo_rows():
    own = ConversationFactory()  # a real conversation: never touched
    own_escalation = Escalation.objects.create(
        conversation=own, category="human_request", explanation="x"
    )
    own_example = TriageExample.objects.create(
        conversation=own, escalation=own_escalation, text="a real label", label="none"
    )
    # A real account whose name happens to share the demo prefix, and one with a demo
    # agent's name that somebody gave a password: neither is the seed's to delete.
    users = get_user_model()
    fan = users.objects.create_user("demo-traffic-fan", password="a-real-password-1")
    summary = demo_traffic_seed(days=3, seed=1, now=NOW)
    # What a supervisor made from a demo escalation outlives the Site through SET_NULL.
    demo_escalation = Escalation.objects.filter(
        conversation__site__key=DEMO_TRAFFIC_SITE_KEY
    ).first()
    TriageExample.objects.create(
        conversation=demo_escalation.conversation, escalation=demo_escalation,
        text="demo label", label="security",
    )  # fmt: skip
    Article.objects.create(
        slug=draft_slug(demo_escalation), title="Demo draft", body="x", published=False
    )
    lena = users.objects.get(username="demo-traffic-lena")
    lena.set_password("claimed-by-a-person-1")
    lena.save()
    with pytest.raises(DemoTrafficExists, match=f"{summary.conversations:,} conversations"):
        demo_traffic_seed(days=3, seed=1, now=NOW)

    err = StringIO()
    with pytest.raises(CommandError, match="--replace deletes it and seeds again"):
        call_command("seed_demo_traffic", "--days", "3", stderr=err)
    call_command("seed_demo_traffic", "--days", "3", "--replace", stdout=StringIO(), stderr=err)
    assert "Seeding day 3/3 [====================]" in err.getvalue()
    assert Conversation.objects.filter(pk=own.pk).exists()
    assert Escalation.objects.filter(conversation=own).count() == 1
    demo = Conversation.objects.filter(site__key=DEMO_TRAFFIC_SITE_KEY)
    assert demo.exists() and Conversation.objects.count() == demo.count() + 1
    assert list(TriageExample.objects.all()) == [own_example]
    assert not Article.objects.filter(slug=draft_slug(demo_escalation)).exists()
    assert users.objects.filter(pk=fan.pk).exists()
    assert users.objects.get(pk=lena.pk).has_usable_password()  # kept, and reused


def test_bad_input_is_refused_with_a_clear_error():
    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("seed_demo_traffic", "--days", "0")
    assert not Conversation.objects.exists()


def test_make_run_seeds_once_after_the_demo_data():
    steps = [arguments for _, arguments in database_steps(8000)]
    names = [arguments[0] for arguments in steps]
    assert names == ["migrate", "load_demo", "seed_demo_traffic", "queue_rebuild"]
    seed = steps[2]
    assert seed == ["seed_demo_traffic", "--days", "30", "--if-absent"]

    out = StringIO()
    call_command(*steps[1], stdout=out)
    call_command(*seed, "--days", "2", stdout=out, stderr=StringIO())
    seeded = Conversation.objects.filter(site__key=DEMO_TRAFFIC_SITE_KEY).count()
    assert seeded > 0
    call_command(*seed, stdout=out, stderr=StringIO())  # the next `make run`
    assert f"Demo traffic exists ({seeded:,} conversations): skipped." in out.getvalue()
    assert Conversation.objects.filter(site__key=DEMO_TRAFFIC_SITE_KEY).count() == seeded
