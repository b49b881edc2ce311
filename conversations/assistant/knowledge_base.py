"""The offline responder: answers from the best passage of the best article, with no LLM.

It retrieves with BM25 (retrieval.py), scores its own confidence (confidence.py) and, when
that confidence is low, says so instead of passing off a loosely related article as an answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from weakref import WeakKeyDictionary

from conversations.assistant.base import Answer, DeltaCallback, Source, Turn
from conversations.assistant.confidence import Assessment, assess
from conversations.assistant.names import (
    NAME_MISSING_CONFIDENCE,
    name_forms,
    names_missing,
    question_names,
)
from conversations.assistant.passages import (
    Passage,
    passage_scores,
    passages_select,
    passages_split,
    question_shape,
    reply_compose,
    shape_preferred,
)
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex, tokenize
from conversations.assistant.small_talk import small_talk_answer
from escalation.signals.dialogue import Act, read_act

DEMO_KB_PATH = Path(__file__).resolve().parent.parent / "demo" / "kb_articles.json"

# Below LOW the text admits the KB doesn't cover the question; between LOW and HEDGED it
# still answers, but says it may not be what was asked. Same cut-offs as the engine's bands.
LOW_CONFIDENCE = 0.4
HEDGED_CONFIDENCE = 0.6
# A runner-up scoring this share of the best answers instead when only it names the places,
# carriers or brands the question names (names_unanswered).
NAME_SWITCH_SHARE = 0.4
# A passage that names what the question names beats any that does not.
NAMED_PASSAGE_BONUS = 10.0
# Under this, the closest article is too far off to be worth naming.
NOT_WORTH_NAMING = 0.2

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

    def __init__(
        self,
        index_source: Callable[[], KnowledgeIndex],
        link_base: Callable[[], str] | None = None,
    ) -> None:
        # Called on every question, so a rebuilt index is picked up without a restart.
        self._index_source = index_source
        # Where an article URL stored as a path ("/help/returns/") points (CHATSY_PUBLIC_URL);
        # None: left as a path.
        self._link_base = link_base

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
        # A follow-up is read with the visitor's last question and with a person's note after
        # it (reading_preferred): "how long does it take?" after "Hi, this is Sarah" is still
        # about the return asked before; "when will I see it?" after "I've issued the refund"
        # is about the refund.
        readings = [
            (query, *_assessed(index, query, visitor_words))
            for query, visitor_words in follow_up_queries(question, history, known=index.knows)
        ]
        query, assessment, missing, names = readings[
            reading_preferred([reading[1].confidence for reading in readings])
        ]
        text = (
            EMPTY_KB_TEXT
            if len(index) == 0
            else reply_text(
                index,
                assessment,
                question,
                link_base=self._link_base() if self._link_base is not None else "",
                names=names,
                missing_names=missing,
            )
        )
        if on_delta is not None:
            await on_delta(text)  # not a streaming responder: one delta with the whole reply
        signals = assessment.signals.as_dict()
        signals["used_history"] = float(query != question)
        signals["names_missing"] = float(len(missing))
        return Answer(
            text=text,
            confidence=assessment.confidence,
            sources=reply_sources(assessment),
            responder=self.name,
            signals=signals,
        )


def follow_up_queries(
    question: str, history: Sequence[Turn], *, known: Callable[[str], bool]
) -> list[tuple[str, str]]:
    """(query, the visitor's words in it) for each way to read the question. A follow-up
    ("and to Canada?", "how long does that take?", "when will I see it?") is prefixed with the
    visitor's last real question, and — read apart — with a person's message after that
    question (an agent's hand-back note: "I've issued the refund"), of which only the words
    the knowledge base `known`s: "Thanks for waiting, Tom" is not what the visitor asks about.
    Feedback, thanks and other follow-ups in between are skipped. Anything else is read as it
    is."""
    if read_act(question).act is not Act.FOLLOW_UP:
        return [(question, question)]
    note: str | None = None
    readings = [(question, question)]
    for turn in reversed(history):
        if turn.role == "agent" and note is None:
            note = turn.text
        elif turn.role == "customer" and read_act(turn.text).act is Act.QUESTION:
            asked = f"{turn.text} {question}"
            readings = [(asked, asked)]
            break
    if note is not None:
        context = [word for word in note.split() if any(map(known, tokenize(word)))]
        if context:
            readings.append((" ".join([*context, question]), question))
    return readings


def reading_preferred(confidences: Sequence[float]) -> int:
    """Which reading of follow_up_queries to answer (their confidences, in order): a person's
    note (the last reading, the newest context) when the knowledge base answers it
    confidently (≥ HEDGED_CONFIDENCE), otherwise the most confident, the visitor's own reading
    on a tie. An agent's small talk ("Hi, this is Sarah") is no context; a note about a
    refund is."""
    if len(confidences) > 1 and confidences[-1] >= HEDGED_CONFIDENCE:
        return len(confidences) - 1
    return max(range(len(confidences)), key=lambda position: confidences[position])


def follow_up_query(question: str, history: Sequence[Turn], *, index: KnowledgeIndex) -> str:
    """The reading of the question (follow_up_queries) to retrieve with (reading_preferred)."""
    readings = [query for query, _ in follow_up_queries(question, history, known=index.knows)]
    if len(readings) == 1:
        return readings[0]
    return readings[reading_preferred([assess(index, query).confidence for query in readings])]


def _assessed(
    index: KnowledgeIndex, query: str, visitor_words: str
) -> tuple[Assessment, list[str], tuple[str, ...]]:
    """The query's assessment, its missing names and the names asked about; a name the
    answer's passage never mentions caps the confidence (NAME_MISSING_CONFIDENCE)."""
    assessment, missing, names = names_unanswered(index, assess(index, query), query, visitor_words)
    if missing:  # the passage matches on the rest but never names what was asked about
        confidence = min(assessment.confidence, NAME_MISSING_CONFIDENCE)
        assessment = replace(assessment, confidence=confidence)
    return assessment, missing, names


def names_unanswered(
    index: KnowledgeIndex, assessment: Assessment, query: str, visitor_words: str
) -> tuple[Assessment, list[str], tuple[str, ...]]:
    """The names in the visitor's words (places, carriers, brands: names.py; of a person's
    note in the query, only the knowledge base's own names) that neither the
    passage the reply would quote nor its article's title mentions. When the top article's
    passage misses one and a close runner-up's (NAME_SWITCH_SHARE of its score) names them
    all, the runner-up answers instead: "shipping to Australia" is the international
    article's, not the US times'."""
    if not assessment.hits or assessment.confidence < LOW_CONFIDENCE:
        return assessment, [], ()
    names_of_kb = _index_names(index)
    asked = question_names(visitor_words, names=names_of_kb, known=index.knows)
    # A person's note adds only the knowledge base's own names ("your order to Japan"), not
    # the words it capitalises ("Thanks for waiting, Tom").
    context_names = question_names(query, names=names_of_kb, known=lambda term: True)
    asked = {**asked, **{t: w for t, w in context_names.items() if t not in asked}}
    if not asked:
        return assessment, [], ()
    terms = tuple(asked)
    best = assessment.hits[0]
    missing: list[str] = []
    for hit in assessment.hits:
        if hit is not best and hit.score < NAME_SWITCH_SHARE * best.score:
            continue
        passages = best_passages(index, hit.doc, query, assessment.parsed.terms, names=terms)
        unmentioned = names_missing(
            asked,
            [term for passage in passages for term in passage.terms],
            tokenize(hit.doc.title),
        )
        if not unmentioned:
            others = [h for h in assessment.hits if h is not hit]
            return replace(assessment, hits=[hit, *others]), [], terms
        if hit is best:
            missing = unmentioned
    return assessment, missing, terms


_names_of: WeakKeyDictionary[KnowledgeIndex, dict[str, str]] = WeakKeyDictionary()


def _index_names(index: KnowledgeIndex) -> dict[str, str]:
    """The knowledge base's names (names.name_forms, from the bodies), once per index."""
    if index not in _names_of:
        _names_of[index] = name_forms(doc.body for doc in index.docs)
    return _names_of[index]


def reply_text(
    index: KnowledgeIndex,
    assessment: Assessment,
    question: str = "",
    *,
    link_base: str = "",
    names: Sequence[str] = (),
    missing_names: Sequence[str] = (),
) -> str:
    """The best passage of the best article, phrased as a reply and linking the article (a
    URL stored as a path made absolute against `link_base`); or an honest "not sure" when
    confidence is low."""
    if not assessment.hits or assessment.confidence < NOT_WORTH_NAMING:
        return NOT_COVERED_TEXT
    article = assessment.hits[0].doc
    if assessment.confidence < LOW_CONFIDENCE:
        return (
            "I'm not sure our help centre covers that. The closest article I found is "
            f"\u201c{article.title}\u201d, but it may not answer your question."
        )
    return reply_compose(
        question=question,
        passages=best_passages(index, article, question, assessment.parsed.terms, names=names),
        title=article.title,
        url=url_absolute(article.url, base=link_base),
        hedged=assessment.confidence < HEDGED_CONFIDENCE,
        missing_names=missing_names,
    )


def url_absolute(url: str, *, base: str) -> str:
    """A path ("/help/returns/") on `base` ("http://127.0.0.1:8000"); a full URL, or a path
    with no base to put it on, as it is."""
    if url.startswith("/") and not url.startswith(("//", "/\\")) and base:
        return f"{base.rstrip('/')}{url}"
    return url


def reply_sources(assessment: Assessment) -> tuple[Source, ...]:
    """The article the reply names, if it names one."""
    if not assessment.hits or assessment.confidence < NOT_WORTH_NAMING:
        return ()
    top = assessment.hits[0]
    return (Source(article_id=top.doc.id, title=top.doc.title, score=round(top.score, 4)),)


def best_passages(
    index: KnowledgeIndex,
    article: ArticleDoc,
    question: str,
    terms: Sequence[str],
    *,
    names: Sequence[str] = (),
) -> list[Passage]:
    """The passage(s) of the article that answer the question best; one naming every name the
    question names (index terms: a place, a carrier, a payment service) first, when there is
    one ("refunds with PayPal": the PayPal line, not the article's lead)."""
    passages = passages_split(article.body)
    shape = question_shape(question)
    if shape is not None:
        terms = [term for term in terms if term not in shape.framing_terms]
    title_terms = tokenize(article.title)
    scores = passage_scores(passages, terms, index.idf, title_terms=title_terms)
    scores = shape_preferred(shape, passages, scores)
    # A name the title carries is the whole article's: no passage needs to repeat it.
    names = [name for name in names if name not in title_terms]
    if names:
        scores = [
            score * NAMED_PASSAGE_BONUS if set(names) <= set(passage.terms) else score
            for passage, score in zip(passages, scores, strict=True)
        ]
    return passages_select(passages, scores)


def load_article_docs(path: Path = DEMO_KB_PATH) -> list[ArticleDoc]:
    """Articles from a kb_articles.json file; ids are 1-based positions in the file."""
    records = json.loads(path.read_text(encoding="utf-8"))
    return [
        ArticleDoc(
            id=position,
            title=record["title"],
            body=record["body"],
            keywords=tuple(record.get("keywords", ())),
            url=record.get("url", ""),
        )
        for position, record in enumerate(records, start=1)
    ]


def load_demo_index() -> KnowledgeIndex:
    """The demo store's knowledge base, for tests, the benchmark and the calibration."""
    return KnowledgeIndex.build(load_article_docs())
