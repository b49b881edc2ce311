"""Offline answers that read like a reply: the article's best passage, not the whole article.

An article splits into passages: paragraphs, and list blocks together with the line that
introduces them ("What you can return:" and its "- " items). Passages are scored with BM25
against the question, with the knowledge base's idf (a passage-local idf is noise over a
handful of passages). The best passage, with a neighbour when that scores nearly as well or
the best is only a lead-in line, becomes the reply, capped in length. Pure: no Django.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from conversations.assistant.retrieval import K1, tokenize

# Replies longer than this are cut at a line or sentence: a chat bubble, not a page.
MAX_REPLY_WORDS = 90
# A neighbouring passage joins the best one when it scores at least this share of the best...
NEIGHBOUR_SHARE = 0.8
# ...or when the best is this short (a lead-in line like "Here's how to do it:").
LEAD_IN_WORDS = 12
PASSAGE_LENGTH_NORMALISATION = 0.5
ANSWER_BONUS = 2.0
# Each of the title's terms counts as one more occurrence in the lead passage.
TITLE_WEIGHT = 1
# Later passages are asides more often than answers ("see also", exceptions).
POSITION_DECAY = 0.1

_BULLET_RE = re.compile(r"^\s*(?:[-*\u2022\u2013])\s+")
_NUMBERED_RE = re.compile(r"^\s*\d+[.)]\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'\u201c])")
# "how do I …", "how can I …", "how to …": the visitor wants steps.
_HOW_TO_RE = re.compile(r"^\s*how\s+(?:do|can|could|should|would|to)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Passage:
    text: str
    terms: tuple[str, ...]  # index terms, repeats kept

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def is_list(self) -> bool:
        return any(_is_list_line(line) for line in self.text.splitlines())


def _is_list_line(line: str) -> bool:
    return bool(_BULLET_RE.match(line) or _NUMBERED_RE.match(line))


def _tidy(block: str) -> str:
    """Bullets of any kind become "- " (the widget shows those lines as a list)."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    return "\n".join(_BULLET_RE.sub("- ", line) for line in lines)


@lru_cache(maxsize=1024)
def passages_split(body: str) -> tuple[Passage, ...]:
    """Blocks between blank lines; a heading alone ("Returns:", "## Returns") joins the block
    after it, so a list keeps the line that introduces it. Cached: articles come up again."""
    blocks = [_tidy(block) for block in re.split(r"\n\s*\n", body) if block.strip()]
    merged: list[str] = []
    for block in blocks:
        if merged and _is_heading(merged[-1]):
            merged[-1] = f"{merged[-1].lstrip('# ')}\n{block}"
        else:
            merged.append(block)
    return tuple(Passage(text=text, terms=tuple(tokenize(text))) for text in merged)


def _is_heading(block: str) -> bool:
    return "\n" not in block and (block.startswith("#") or block.endswith(":"))


def passage_scores(
    passages: Sequence[Passage],
    query_terms: Sequence[str],
    idf: Callable[[str], float],
    title_terms: Sequence[str] = (),
) -> list[float]:
    """BM25 of each passage for the question's terms, with the caller's idf. The title's terms
    count for the first passage (an article's lead answers its title: "opening hours"), and
    later passages count a little less."""
    if not passages:
        return []
    average = sum(len(p.terms) for p in passages) / len(passages) or 1.0
    wanted = set(query_terms)
    scores = []
    for position, passage in enumerate(passages):
        counts: Counter[str] = Counter(term for term in passage.terms if term in wanted)
        if position == 0:
            for term in set(title_terms) & wanted:
                counts[term] += TITLE_WEIGHT
        norm = (
            1
            - PASSAGE_LENGTH_NORMALISATION
            + PASSAGE_LENGTH_NORMALISATION * (len(passage.terms) / average)
        )
        bm25 = sum(idf(t) * n * (K1 + 1) / (n + K1 * norm) for t, n in counts.items())
        scores.append(bm25 / (1 + POSITION_DECAY * position))
    return scores


@dataclass(frozen=True)
class QuestionShape:
    """What kind of answer a question asks for: a passage holding one counts half as much
    again, and the words that only frame the question are not matched against passages
    ("take" in "how long does shipping take" is no topic)."""

    name: str
    question: re.Pattern[str]
    answer: re.Pattern[str]
    framing_terms: frozenset[str] = frozenset()


QUESTION_SHAPES = (
    QuestionShape("steps", _HOW_TO_RE, re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)),
    QuestionShape(
        "time",
        re.compile(r"^\s*(?:how\s+(?:long|soon|quickly|fast)|when)\b", re.IGNORECASE),
        re.compile(
            r"\b\d+(?:\s*(?:[\u2013-]|to)\s*\d+)?\s*(?:business\s+|working\s+)?"
            r"(?:days?|hours?|minutes?|weeks?|months?)\b|\bnext\s+(?:business\s+)?day\b"
            r"|\b\d{1,2}(?::\d\d)?\s*(?:am|pm)\b",
            re.IGNORECASE,
        ),
        frozenset({"long", "soon", "quick", "fast", "take"}),
    ),
    QuestionShape(
        "amount",
        re.compile(r"\bhow\s+much\b|\b(?:cost|costs|price|prices)\b", re.IGNORECASE),
        re.compile(r"[$\u20ac\u00a3]\s?\d|\bfree\b", re.IGNORECASE),
    ),
)


def question_shape(question: str) -> QuestionShape | None:
    return next((shape for shape in QUESTION_SHAPES if shape.question.search(question)), None)


def shape_preferred(
    shape: QuestionShape | None, passages: Sequence[Passage], scores: Sequence[float]
) -> list[float]:
    """Passages holding the kind of answer asked for (steps, a duration, an amount) count
    ANSWER_BONUS times: every passage of the article mentions its topic, few answer."""
    if shape is None:
        return list(scores)
    return [
        score * ANSWER_BONUS if shape.answer.search(passage.text) else score
        for passage, score in zip(passages, scores, strict=True)
    ]


def passages_select(passages: Sequence[Passage], scores: Sequence[float]) -> list[Passage]:
    """The best passage (the article's first when none matches: its lead says what it is
    about), with one adjacent passage when that scores nearly as well or the best is a lead-in
    line, in the article's order."""
    if not passages:
        return []
    best = max(range(len(passages)), key=lambda i: (scores[i], -i)) if any(scores) else 0
    neighbours = [i for i in (best - 1, best + 1) if 0 <= i < len(passages)]
    chosen = [best]
    for i in sorted(neighbours, key=lambda i: -scores[i]):
        joins = scores[i] > 0 and scores[i] >= NEIGHBOUR_SHARE * scores[best]
        if i == best + 1 and passages[best].word_count < LEAD_IN_WORDS:
            joins = True
        words = passages[best].word_count + passages[i].word_count
        if joins and words <= MAX_REPLY_WORDS:
            chosen.append(i)
            break
    return [passages[i] for i in sorted(chosen)]


def text_cap(text: str, max_words: int = MAX_REPLY_WORDS) -> str:
    """The text cut after the last whole sentence or list item that fits in max_words (at
    least the first sentence, so a reply is never empty)."""
    if len(text.split()) <= max_words:
        return text
    kept: list[str] = []
    used = 0
    for line in text.splitlines():
        pieces = [line] if _is_list_line(line) or not line else _SENTENCE_END_RE.split(line)
        fitting: list[str] = []
        for piece in pieces:
            if used and used + len(piece.split()) > max_words:
                break
            fitting.append(piece)
            used += len(piece.split())
        if fitting:
            kept.append(" ".join(fitting))
        if len(fitting) < len(pieces):
            break
    # A lead-in line whose list was cut away ("What you can return:") goes too.
    while len(kept) > 1 and (not kept[-1] or kept[-1].endswith(":")):
        kept.pop()
    return "\n".join(kept)


def lead_in(
    question: str, passages: Sequence[Passage], *, hedged: bool, missing_names: Sequence[str] = ()
) -> str:
    """A short opener chosen by the question's shape; empty when the passage speaks for
    itself (it is written in the store's voice: "You can return most items within 30 days").
    Names the passage does not mention are said first: the visitor reads what is missing."""
    if missing_names:
        named = " or ".join(missing_names)
        return f"I'm not sure this covers {named}. The closest I found in our help centre:"
    if hedged:
        return "I think this is what you're after:"
    # Bare steps get an opener; steps with their own lead-in line ("To unsubscribe:") don't.
    bare_list = bool(passages) and _is_list_line(passages[0].text.splitlines()[0])
    return "Here's how:" if bare_list and _HOW_TO_RE.match(question) else ""


def reply_compose(
    *,
    question: str,
    passages: Sequence[Passage],
    title: str,
    url: str,
    hedged: bool,
    missing_names: Sequence[str] = (),
) -> str:
    """The reply: an opener by question shape, the passage(s), and where to read more."""
    body = text_cap("\n\n".join(passage.text for passage in passages))
    more = f"Read more: {url}" if url else f"More in our help centre: \u201c{title}\u201d."
    opener = lead_in(question, passages, hedged=hedged, missing_names=missing_names)
    return "\n\n".join(part for part in (opener, body, more) if part)
