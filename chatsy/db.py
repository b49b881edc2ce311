"""Database connections under ASGI: persistent where they are reused, closed where they are not."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections


def connections_close_after_request(**_kwargs: Any) -> None:
    """Close the finished HTTP request's connections (a `request_finished` receiver).

    Django's ASGI handler runs each request on a thread of its own, so a persistent
    connection opened there would never be reused, only left for the garbage collector.
    Channels' database thread is not a request thread and keeps its connection. The main
    thread (Django's test client) and connections inside a transaction are left alone.
    """
    if threading.current_thread() is threading.main_thread():
        return
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()
