"""Queueing a Celery job from a request, a socket or an on-commit callback: never holding the
caller (often Channels' one database thread) and never failing it.

One attempt, no wait longer than ENQUEUE_TIMEOUT_SECONDS on the broker. A job the broker did
not take is the caller's sweep's business (each job here has one on beat), so a broker hiccup
is a log line, not an error.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, current_app
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

ENQUEUE_TIMEOUT_SECONDS = 0.5


def task_enqueue(task: Task, *args: Any, what: str) -> bool:
    """Queue `task(*args)`; False (logged, with `what`) if the broker could not take it."""
    if current_app.conf.task_always_eager:  # tests and `make run` without a worker
        task.apply_async(args)
        return True
    timeouts = {
        "socket_timeout": ENQUEUE_TIMEOUT_SECONDS,
        "socket_connect_timeout": ENQUEUE_TIMEOUT_SECONDS,
        "max_retries": 0,  # kombu's connect loop would otherwise retry a refused connection
    }
    try:
        with current_app.connection_for_write(
            connect_timeout=ENQUEUE_TIMEOUT_SECONDS, transport_options=timeouts
        ) as connection:
            task.apply_async(args, connection=connection, retry=False)
    except (KombuError, OSError) as error:  # kombu's OperationalError, redis-py's errors
        logger.warning("%s not queued: %s", what, error)
        return False
    except Exception as error:  # noqa: BLE001 - a broker hiccup must never fail the caller
        logger.warning("%s not queued: %r", what, error)
        return False
    return True
