"""Links to this server's own pages in what the bot writes: an article URL stored as a path
("/help/returns/", the demo's help centre) is made absolute against the origin the visitor
reached us at, so "Read more" opens on the host and port the visitor's page uses. External
URLs stay as they are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

# Set by the visitor's socket around starting a bot turn; the turn's task copies it (asyncio
# tasks take the context they were created in). Empty: a turn run by the reconciler.
_visitor_origin: ContextVar[str] = ContextVar("chatsy_visitor_origin", default="")


@contextmanager
def links_from(origin: str) -> Iterator[None]:
    """Within this block (and tasks started in it) own links point at `origin`."""
    token = _visitor_origin.set(origin)
    try:
        yield
    finally:
        _visitor_origin.reset(token)


def link_base() -> str:
    """The visitor's origin for our own pages; CHATSY_PUBLIC_URL when there is none."""
    return _visitor_origin.get() or settings.CHATSY_PUBLIC_URL
