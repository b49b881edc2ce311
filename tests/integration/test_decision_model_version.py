"""Every decision the bot's turn stores names the triage model version that made it: on the
visitor's message (metadata.decision.model_version) and on the Escalation row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from channels.db import database_sync_to_async

from conversations.models import Message
from escalation.model_store import shipped_model
from escalation.model_versions import triage_model_store
from escalation.models import Escalation
from escalation.training import train
from tests.integration.test_escalation_train_verdicts import ROUTINE, SECURITY

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def small_model():
    rows = [
        {
            "id": f"r:{n}",
            "text": f"{(SECURITY if n % 3 == 0 else ROUTINE)[n % 5]} {n % 7}",
            "expected": "security" if n % 3 == 0 else "none",
        }
        for n in range(600)
    ]
    model, _ = train(rows, version="x", progress=lambda line: None)
    return model


@database_sync_to_async
def stored() -> tuple[list[str], Escalation | None]:
    versions = [
        m.metadata["decision"]["model_version"]
        for m in Message.objects.filter(sender="customer").order_by("seq")
    ]
    return versions, Escalation.objects.first()


async def test_the_shipped_model_version_is_recorded_on_each_decision(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    await visitor.receive_message_from("bot")
    await visitor.say("Someone hacked my account and changed my password")
    await visitor.receive_type("status")
    versions, escalation = await stored()
    assert versions == [shipped_model().version] * 2
    assert escalation is not None and escalation.model_version == shipped_model().version


async def test_a_newly_activated_model_decides_and_is_recorded(new_visitor):
    row = await database_sync_to_async(
        lambda: triage_model_store(
            model=small_model(),
            metrics={},
            examples=0,
            activate=True,
            note="test",
            now=datetime(2026, 1, 5, 9, tzinfo=UTC),
        )
    )()
    assert row.active and row.version.startswith("20260105-090000-")
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("my account was hacked")
    await visitor.receive_type("status")
    versions, escalation = await stored()
    assert versions == [row.version]
    assert escalation is not None and escalation.model_version == row.version
