"""Fault tests: each one runs its own Chatsy (redis-server, Daphne, Celery) on free loopback
ports and the test database, breaks part of it under live traffic, and audits the result."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test.utils import override_settings

from chatsy import settings as chatsy_settings
from conversations.demo.loader import demo_load
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from tests.faults.stack import Stack


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Remember whether the test itself passed: its run directory is kept only if not."""
    report = yield
    if report.when == "call":
        item.stash[PASSED] = report.passed
    return report


PASSED = pytest.StashKey[bool]()


@pytest.fixture
def stack(request: pytest.FixtureRequest, transactional_db: None) -> Iterator[Stack]:
    """A private Redis (the test process's cache and layer point at it too) and the demo
    store's data, committed; the test starts the servers it needs. Stopped before the
    database is flushed."""
    run_dir = settings.VAR_DIR / "faults" / f"{request.node.name}-{time.strftime('%H%M%S')}"
    stack = Stack(run_dir=run_dir)
    stack.redis_start()
    overrides = override_settings(
        REDIS_URL=stack.redis_url,
        CHANNEL_LAYERS=chatsy_settings.channel_layers_for(stack.redis_url),
        CACHES=chatsy_settings.caches_for(stack.redis_url),
        CELERY_BROKER_URL=stack.redis_url,
    )
    overrides.enable()
    try:
        policy_replace(Policy.default())
        demo_load()
        yield stack
    finally:
        stack.stop()
        overrides.disable()
        if request.node.stash.get(PASSED, False) and not os.environ.get("CHATSY_FAULTS_KEEP"):
            shutil.rmtree(run_dir, ignore_errors=True)
