"""Names in a question — places, carriers, brands, payment services — that an answer must
mention to be the answer. "How long does shipping to Australia take?" matches the US delivery
times on every other word; a passage that never names Australia does not answer it, however
well the rest matches, so the responder is no longer sure (NAME_MISSING_CONFIDENCE) and says
what it did not find.

A name is a word the knowledge base's article bodies only ever write capitalised and at least
once inside a sentence ("Canada", "PayPal", "Klarna") — titles and Title-Case heading lines
("Gift Wrapping Options") do not count, every word is capitalised there — or a word the visitor
capitalised inside a sentence that no article uses at all ("Brazil", "FedEx"); not the first
word of a sentence, not "I", not a word after an introduction ("I'm Anna", "hi Sarah"). Names
are read from the visitor's own words only, never from an agent's ("Thanks for waiting, Tom").
Pure: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from conversations.assistant.retrieval import DATE_WORDS, content_term

# A name the chosen passage does not mention caps the confidence here: inside the band where
# the bot answers, hedged, and offers a person (docs/assistant.md).
NAME_MISSING_CONFIDENCE = 0.5

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['\u2019][A-Za-z]+)?")
# A capitalised word after these opens a sentence, a list item, a menu path ("Account >
# Settings") or a quoted label ("Cancel order"): no name.
_SENTENCE_END = '.!?:;\n\u2022-*>"\u201c(/'
# After these the capitalised words that follow are someone's name: "I'm Anna Lee", "hi
# Sarah", "the bill from Mr. Jones" (a title is a name's first word).
_INTRODUCTIONS = frozenset(
    ["im", "i'm", "i\u2019m", "am", "is", "hi", "hello", "hey", "dear", "thanks", "thank"]
)
_TITLES = frozenset(["mr", "mrs", "ms", "dr"])


def _words_in_sentence(text: str) -> Iterator[tuple[str, bool, str]]:
    """(word, inside a sentence, the word before it) for each word of `text`."""
    previous, last_end = "", 0
    for match in _WORD_RE.finditer(text):
        gap = text[last_end : match.start()]
        starts_sentence = previous == "" or any(c in _SENTENCE_END for c in gap)
        yield match.group(), not starts_sentence, previous.lower()
        previous, last_end = match.group(), match.end()


def _plain(word: str) -> str:
    """As the index reads a word: lowercase, apostrophes dropped ("I'm" is "im")."""
    return word.lower().replace("'", "").replace("\u2019", "")


def _is_heading(line: str) -> bool:
    """A Markdown heading, or a line of two or more words, all capitalised, that does not end
    a sentence ("Gift Wrapping Options", "Return Window:"): Title Case says nothing of names."""
    if line.lstrip().startswith("#"):
        return True
    words = [word for word in _WORD_RE.findall(line) if len(word) > 3]
    return (
        len(words) >= 2
        and all(word[0].isupper() for word in words)
        and not line.rstrip().endswith((".", "!", "?"))
    )


def name_forms(bodies: Iterable[str]) -> dict[str, str]:
    """Index term → how the knowledge base writes it, for the words its article bodies only
    ever write capitalised and at least once inside a sentence (headings skipped). Pass bodies,
    not titles: a Title-Case title would make every word of it a name."""
    written: dict[str, str] = {}
    lowercase: set[str] = set()
    for body in bodies:
        text = "\n".join(line for line in body.splitlines() if not _is_heading(line))
        for word, inside, _ in _words_in_sentence(text):
            term = content_term(_plain(word))
            if term is None:
                continue
            if word[0].islower():
                lowercase.add(term)
            elif inside and word.lower() != "i":
                written.setdefault(term, word)
    return {term: word for term, word in written.items() if term not in lowercase}


def question_names(
    question: str, *, names: Mapping[str, str], known: Callable[[str], bool]
) -> dict[str, str]:
    """The names a question uses (index term → the word to say), given the knowledge base's
    `names` (name_forms) and whether it `known`s a term at all."""
    found: dict[str, str] = {}
    in_a_persons_name = False
    for word, inside, previous in _words_in_sentence(question):
        capitalised = word[0].isupper()
        in_a_persons_name = capitalised and (
            previous in _INTRODUCTIONS or previous in _TITLES or in_a_persons_name
        )
        lower = _plain(word)
        term = content_term(lower)
        if term is None or term in found or lower in DATE_WORDS or lower in _TITLES:
            continue
        if term in names:
            found[term] = names[term]
        elif capitalised and inside and not in_a_persons_name and not known(term):
            found[term] = word
    return found


def names_missing(
    names: Mapping[str, str], passage_terms: Sequence[str], title_terms: Sequence[str] = ()
) -> list[str]:
    """The names (as said) that neither the chosen passages nor their article's title mention
    (a title names what the whole article is about: "Shipping to Canada")."""
    present = {*passage_terms, *title_terms}
    return [word for term, word in names.items() if term not in present]
