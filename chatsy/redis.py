"""The one Redis client factory for application code (the queue, presence).

The channel layer, the cache and Celery open their own connections from REDIS_URL; everything
else asks here. Clients are created lazily, never at import time, one per URL and process.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}

# Fail fast: a queue operation that can't reach Redis falls back to the database.
SOCKET_TIMEOUT_SECONDS = 2.0


def redis_client() -> redis.Redis:
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.get(url) or redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                health_check_interval=30,
            )
            _clients[url] = client
    return client
