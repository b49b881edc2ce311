"""The knowledge-base index for this process, rebuilt whenever the articles change.

Saving or deleting an article bumps a shared version (chatsy.versions), read at most once a
second: an edit in admin reaches every process within a second, without a restart and without
a query per message. Writes that bypass the model's signals (a bulk `update()`, SQL, a restore)
are caught by the articles' fingerprint, compared every FINGERPRINT_SECONDS; call
`knowledge_changed()` after such a write to apply it at once.
"""

from __future__ import annotations

import threading
import time

from chatsy.versions import SharedVersion
from conversations import selectors
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex

KNOWLEDGE_VERSION = SharedVersion("knowledge")
FINGERPRINT_SECONDS = 30.0

_lock = threading.Lock()
# (version, fingerprint, when the fingerprint was read, index)
_cached: tuple[tuple[str | None, int], object, float, KnowledgeIndex] | None = None


def knowledge_changed() -> None:
    """Every process rebuilds its index (this one at once) once the transaction commits."""
    KNOWLEDGE_VERSION.bump_on_commit()


def knowledge_index_fresh() -> KnowledgeIndex:
    """The current index; rebuilds it (once, under a lock) if the articles changed. Sync: may
    read the database, so the bot's turn calls it in its database hop."""
    global _cached
    version = KNOWLEDGE_VERSION.current()
    cached = _cached
    if cached is not None and cached[0] == version:
        if time.monotonic() - cached[2] < FINGERPRINT_SECONDS:
            return cached[3]
        if selectors.articles_fingerprint() == cached[1]:
            _cached = (version, cached[1], time.monotonic(), cached[3])
            return cached[3]
    with _lock:
        fingerprint = selectors.articles_fingerprint()
        docs = [
            ArticleDoc(id=a.pk, title=a.title, body=a.body, keywords=a.keyword_list, url=a.url)
            for a in selectors.articles_published()
        ]
        _cached = (version, fingerprint, time.monotonic(), KnowledgeIndex.build(docs))
        return _cached[3]


def knowledge_index_cached() -> KnowledgeIndex:
    """The last index built, without touching the database (for the async hot path)."""
    cached = _cached
    return cached[3] if cached is not None else knowledge_index_fresh()
