"""The plan admin: skip-AI categories as checkboxes, the queue picked from the real queues, and
the site's identity secret (regenerable) in the site admin."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conversations.models import Site
from escalation.models import Plan
from escalation.policy import Policy, Priority
from escalation.policy_store import policy_current, policy_replace
from tests.factories import QueueFactory, SiteFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup():
    policy_replace(Policy.default())
    QueueFactory(slug="vip", name="VIP & Enterprise")
    QueueFactory(slug="legal", name="Legal")


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def plan_form(**values: object) -> dict[str, object]:
    return {
        "name": "Gold",
        "tier": 2,
        "vip": "on",
        "skip_ai_categories": ["legal", "security"],
        "dedicated_queue": "vip",
        "priority": "high",
        "proactive_checkin_minutes": 10,
        **values,
    }


def test_the_form_offers_the_categories_and_the_queues(admin_client):
    html = admin_client.get("/admin/escalation/plan/add/").content.decode()
    assert 'name="skip_ai_categories" value="billing_dispute"' in html
    assert '<option value="vip">VIP &amp; Enterprise</option>' in html
    assert 'value="none"' not in html  # "no category" is nothing to skip the AI for


def test_a_plan_saves_its_categories_and_the_engine_uses_them(admin_client):
    response = admin_client.post("/admin/escalation/plan/add/", plan_form())
    assert response.status_code == 302
    gold = Plan.objects.get(name="Gold")
    assert (gold.skip_ai_categories, gold.dedicated_queue, gold.priority) == (
        ["legal", "security"],
        "vip",
        "high",
    )
    spec = policy_current().plan_named("gold")
    assert spec is not None and spec.skip_ai_categories == ("legal", "security")
    assert spec.priority is Priority.HIGH


def test_an_unknown_queue_is_refused_and_nothing_is_saved(admin_client):
    response = admin_client.post("/admin/escalation/plan/add/", plan_form(dedicated_queue="vipp"))
    assert response.status_code == 200
    assert "vipp is not one of the available choices" in response.content.decode()
    assert not Plan.objects.filter(name="Gold").exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_old_switch_into_the_complex_and_sensitive_categories():
    executor = MigrationExecutor(connection)
    before, after = (
        [("escalation", "0004_classifier_thresholds")],
        [("escalation", "0005_plan_skip_ai_categories")],
    )
    try:
        executor.migrate(before)
        old_plan = executor.loader.project_state(before).apps.get_model("escalation", "Plan")
        old_plan.objects.all().delete()
        old_plan.objects.create(name="Legacy VIP", vip=True, skip_ai_for_complex=True)
        old_plan.objects.create(name="Basic", skip_ai_for_complex=False)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        new_plan = executor.loader.project_state(after).apps.get_model("escalation", "Plan")
        legacy = new_plan.objects.get(name="Legacy VIP")
        assert {"billing_dispute", "security", "legal", "sensitive"} <= set(
            legacy.skip_ai_categories
        )
        assert legacy.priority == "urgent"
        assert new_plan.objects.get(name="Basic").skip_ai_categories == []
        # The spec's VIP plans exist after the migration, whatever happened to them before.
        for name in ("VIP", "Enterprise"):
            plan = new_plan.objects.get(name=name)
            assert (plan.dedicated_queue, plan.priority) == ("vip", "urgent")
            assert "sensitive" in plan.skip_ai_categories
    finally:  # the rest of the session runs on the latest schema
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_each_site_gets_its_own_identity_secret_and_the_admin_can_regenerate_it(admin_client):
    first, second = SiteFactory(), SiteFactory()
    assert len(first.identity_secret) == 64 and first.identity_secret != second.identity_secret
    response = admin_client.post(
        "/admin/conversations/site/",
        {"action": "identity_secret_regenerate", "_selected_action": [first.pk]},
    )
    assert response.status_code == 302
    assert Site.objects.get(pk=first.pk).identity_secret != first.identity_secret
    assert Site.objects.get(pk=second.pk).identity_secret == second.identity_secret
