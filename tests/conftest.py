"""The test session. Unit tests need no service; integration and e2e tests get a real
redis-server (the same resolution as `make run`), started on first use and shared by the session.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test.utils import override_settings

from chatsy.redis_server import redis_start

# Until a test asks for `redis_url`, every Redis client points at a port nothing listens on:
# a unit test that reaches for Redis fails at once instead of finding a developer's server.
NO_REDIS_URL = "redis://127.0.0.1:1/0"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    from chatsy import settings as chatsy_settings

    os.environ["REDIS_URL"] = NO_REDIS_URL
    settings.REDIS_URL = NO_REDIS_URL
    settings.CHANNEL_LAYERS = chatsy_settings.channel_layers_for(NO_REDIS_URL)
    settings.CACHES = chatsy_settings.caches_for(NO_REDIS_URL)
    settings.CELERY_BROKER_URL = NO_REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Iterator[None]:
    """pytest-django's test database; before it is dropped, the connection of Channels'
    database thread is closed. channels.testing's communicators skip the close after each
    hop (to keep a test's transaction), and PostgreSQL refuses to drop a database in use."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A redis-server for the rest of the session, with the cache, the channel layer, Celery
    and chatsy.redis pointed at it (override_settings resets the cached cache and layers)."""
    from chatsy import settings as chatsy_settings

    data_dir = Path(tempfile.mkdtemp(prefix="chatsy-test-redis-"))
    server = redis_start(data_dir=data_dir, persist=False)
    os.environ["REDIS_URL"] = server.url
    overrides = override_settings(
        REDIS_URL=server.url,
        CHANNEL_LAYERS=chatsy_settings.channel_layers_for(server.url),
        CACHES=chatsy_settings.caches_for(server.url),
        CELERY_BROKER_URL=server.url,
    )
    overrides.enable()
    try:
        yield server.url
    finally:
        overrides.disable()
        os.environ["REDIS_URL"] = NO_REDIS_URL
        server.stop()


@pytest.fixture
def redis_flushed(redis_url: str) -> None:
    """An empty Redis (queues, presence, cache): integration and e2e tests use it for each test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()
