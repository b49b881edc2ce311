"""The test session: a real redis-server (same resolution as `make run`) for every test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from chatsy.redis_server import LocalRedis, redis_start

_redis: LocalRedis | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Start Redis before any test module imports Django code that might connect."""
    global _redis
    from django.conf import settings

    from chatsy import settings as chatsy_settings

    _redis = redis_start(
        data_dir=Path(tempfile.mkdtemp(prefix="chatsy-test-redis-")), persist=False
    )
    os.environ["REDIS_URL"] = _redis.url
    settings.REDIS_URL = _redis.url
    settings.CHANNEL_LAYERS = chatsy_settings.channel_layers_for(_redis.url)
    settings.CACHES = chatsy_settings.caches_for(_redis.url)
    settings.CELERY_BROKER_URL = _redis.url
    settings.CELERY_TASK_ALWAYS_EAGER = True


def pytest_unconfigure(config: pytest.Config) -> None:
    if _redis is not None:
        _redis.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    assert _redis is not None
    return _redis.url


@pytest.fixture(autouse=True)
def _flush_redis(redis_url: str) -> None:
    """Each test starts with an empty Redis (queues, presence, cache)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()
