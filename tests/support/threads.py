"""Run one function in several threads released at the same moment: races against the real
database (each thread its own connection, closed when it ends)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_at_once(function: Callable[[], Any], *, threads: int) -> tuple[list[Any], list[Exception]]:
    """What each call returned, and what each raised."""
    from django.db import connections

    barrier, results, errors = threading.Barrier(threads), [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(function())
        except Exception as error:  # the caller asserts on them
            errors.append(error)
        finally:
            connections.close_all()  # this thread's: persistent ones outlive it

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results, errors
