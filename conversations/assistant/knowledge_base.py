"""The offline responder: answers from the best knowledge-base article, with no LLM.

It retrieves with BM25 (retrieval.py), scores its own confidence (confidence.py) and, when
that confidence is low, says so instead of passing off a loosely related article as an answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from conversations.assistant.base import Answer, DeltaCallback, Source, Turn
from conversations.assistant.confidence import Assessment, assess
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex, tokenize
from conversations.assistant.small_talk import small_talk_answer
from escalation.signals.dialogue import Act, read_act

DEMO_KB_PATH = Path(__file__).resolve().parent.parent / "demo" / "kb_articles.json"

# Below LOW the text admits the KB doesn't cover the question; between LOW and HEDGED it
# still answers, but says it may not be what was asked. Same cut-offs as the engine's bands.
LOW_CONFIDENCE = 0.4
HEDGED_CONFIDENCE = 0.6
# Under this, the closest article is too far off to be worth naming.
NOT_WORTH_NAMING = 0.2
# Articles longer than this are quoted by their most relevant paragraph, not whole.
LONG_ARTICLE_WORDS = 100
# A chosen paragraph shorter than this (a lead-in line) is quoted with the one after it.
SHORT_PARAGRAPH_WORDS = 30

EMPTY_KB_TEXT = (
    "I'm sorry, I don't have any help articles to check yet, so I can't answer that "
    "reliably. A member of our team will be able to help."
)
NOT_COVERED_TEXT = (
    "I'm sorry, I couldn't find anything about that in our help centre, and I'd rather not guess."
)


class KnowledgeBaseResponder:
    """Responder protocol implementation over a KnowledgeIndex that may change over time."""

    name = "knowledge_base"

    def __init__(self, index_source: Callable[[], KnowledgeIndex]) -> None:
        # Called on every question, so a rebuilt index is picked up without a restart.
        self._index_source = index_source

    async def answer(
        self,
        *,
        question: str,
        history: Sequence[Turn] = (),
        on_delta: DeltaCallback | None = None,
    ) -> Answer:
        canned = await small_talk_answer(question, responder=self.name, on_delta=on_delta)
        if canned is not None:
            return canned
        index = self._index_source()
        query = follow_up_query(question, history)
        assessment = assess(index, query)
        text = EMPTY_KB_TEXT if len(index) == 0 else reply_text(index, assessment)
        if on_delta is not None:
            await on_delta(text)  # not a streaming responder: one delta with the whole reply
        signals = assessment.signals.as_dict()
        signals["used_history"] = float(query != question)
        return Answer(
            text=text,
            confidence=assessment.confidence,
            sources=reply_sources(assessment),
            responder=self.name,
            signals=signals,
        )


def follow_up_query(question: str, history: Sequence[Turn]) -> str:
    """The question, prefixed with the visitor's last question when it leans on it ("and to
    Canada?", "how long does that take?", "why?"). Feedback, thanks and other follow-ups in
    between are skipped: the last real question gives the context."""
    if read_act(question).act is not Act.FOLLOW_UP:
        return question
    earlier = [
        turn.text
        for turn in history
        if turn.role == "customer" and read_act(turn.text).act is Act.QUESTION
    ]
    return f"{earlier[-1]} {question}" if earlier else question


def reply_text(index: KnowledgeIndex, assessment: Assessment) -> str:
    """A short reply quoting the best article, or an honest "not sure" when confidence is low."""
    if not assessment.hits or assessment.confidence < NOT_WORTH_NAMING:
        return NOT_COVERED_TEXT
    article = assessment.hits[0].doc
    if assessment.confidence < LOW_CONFIDENCE:
        return (
            "I'm not sure our help centre covers that. The closest article I found is "
            f"\u201c{article.title}\u201d, but it may not answer your question."
        )
    excerpt = relevant_excerpt(index, article, assessment.parsed.terms)
    if assessment.confidence < HEDGED_CONFIDENCE:
        return f"This might help \u2014 from our article \u201c{article.title}\u201d:\n\n{excerpt}"
    return f"Here\u2019s what our article \u201c{article.title}\u201d says:\n\n{excerpt}"


def reply_sources(assessment: Assessment) -> tuple[Source, ...]:
    """The article the reply names, if it names one."""
    if not assessment.hits or assessment.confidence < NOT_WORTH_NAMING:
        return ()
    top = assessment.hits[0]
    return (Source(article_id=top.doc.id, title=top.doc.title, score=round(top.score, 4)),)


def relevant_excerpt(index: KnowledgeIndex, article: ArticleDoc, terms: Sequence[str]) -> str:
    """The whole body of a short article; otherwise the paragraph sharing most query idf."""
    paragraphs = _paragraphs(article.body)
    if len(paragraphs) < 2 or len(article.body.split()) <= LONG_ARTICLE_WORDS:
        return article.body.strip()
    wanted = set(terms)
    overlaps = [
        sum(index.idf(term) for term in wanted & para_terms) for _, para_terms in paragraphs
    ]
    # index() finds the first of equal paragraphs, so ties go to the article's own order.
    best = overlaps.index(max(overlaps))
    chosen = [paragraphs[best][0]]
    if len(chosen[0].split()) < SHORT_PARAGRAPH_WORDS and best + 1 < len(paragraphs):
        chosen.append(paragraphs[best + 1][0])
    return "\n\n".join(chosen)


@lru_cache(maxsize=1024)
def _paragraphs(body: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Paragraphs of a body with their terms; cached, as the same articles come up again."""
    texts = [text.strip() for text in re.split(r"\n\s*\n", body) if text.strip()]
    return tuple((text, frozenset(tokenize(text))) for text in texts)


def load_article_docs(path: Path = DEMO_KB_PATH) -> list[ArticleDoc]:
    """Articles from a kb_articles.json file; ids are 1-based positions in the file."""
    records = json.loads(path.read_text(encoding="utf-8"))
    return [
        ArticleDoc(
            id=position,
            title=record["title"],
            body=record["body"],
            keywords=tuple(record.get("keywords", ())),
        )
        for position, record in enumerate(records, start=1)
    ]


def load_demo_index() -> KnowledgeIndex:
    """The demo store's knowledge base, for tests, the benchmark and the calibration."""
    return KnowledgeIndex.build(load_article_docs())
