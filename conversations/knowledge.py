"""The knowledge-base index for this process, rebuilt whenever the articles change.

The articles' fingerprint (count and latest edit) is read from the database before each
answer, so an edit in admin reaches every process without a restart or a signal bus.
"""

from __future__ import annotations

import threading

from conversations import selectors
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex

_lock = threading.Lock()
_cached: tuple[object, KnowledgeIndex] | None = None


def knowledge_index_fresh() -> KnowledgeIndex:
    """The current index; rebuilds it (once, under a lock) if the articles changed."""
    global _cached
    fingerprint = selectors.articles_fingerprint()
    cached = _cached
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != fingerprint:
            docs = [
                ArticleDoc(id=a.pk, title=a.title, body=a.body, keywords=a.keyword_list)
                for a in selectors.articles_published()
            ]
            _cached = (fingerprint, KnowledgeIndex.build(docs))
        return _cached[1]


def knowledge_index_cached() -> KnowledgeIndex:
    """The last index built, without touching the database (for the async hot path)."""
    return _cached[1] if _cached is not None else knowledge_index_fresh()
