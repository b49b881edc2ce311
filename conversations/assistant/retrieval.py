"""A small multi-field BM25 index over knowledge-base articles, in pure Python.

Each article field (title, keywords, body) is scored with Okapi BM25 using its own idf and
length normalisation, and the field scores are summed with weights. Per-field idf matters
here: "order" is in nearly every body (idf ~ 0) but in few titles, where it tells "change an
order" from "change your account". Postings hold the final per-(term, article) weight, so a
search is a few dictionary look-ups and additions.

Questions are messier than articles, so parsing a question also repairs one-letter typos
("shippinh"), drops misspelt filler ("uhelp") and splits run-together words ("theorder").
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

K1 = 1.2  # BM25 term-frequency saturation
FIELD_WEIGHTS = {"title": 1.0, "keywords": 1.0, "body": 1.0}
FIELD_LENGTH_NORMALISATION = {"title": 0.3, "keywords": 0.3, "body": 0.75}

# Typo repair only for words this long: short words are too close to each other ("cat"/"cart").
MIN_FUZZY_LENGTH = 5

_STOPWORD_TEXT = """
    a an the i me my mine myself you your yours ur u ya we our ours us it its is am are was were
    be been being do does did doing done have has had having got get gets getting to of in on at
    for from with by about into onto as and or but if so than then that this these those there
    here what whats which who whom whose when why how can could would should will shall
    may might must need needs needed want wants wanted wanna gotta gonna like id im ive dont
    doesnt didnt cant cannot couldnt wont isnt arent wasnt please pls plz help helps helping
    assistance assist know try trying tried see look looking find locate tell show let lets
    check checking some any something anything just also very really still yet one ones thing
    things possible way ways able hi hello hey thanks thank ok okay dear not no go going obtain
    he she him her his they them their all few several many much more most other soon now
    someone somebody anyone anybody everyone nobody nothing everything up
    theres heres thats whos hows whens youre youve weve theyre hasnt havent wouldnt
    s t d m ll re ve em damn goddamn bloody fucking fuck fucked freaking shit crap
    hell heck wtf ffs omg ugh lol seriously asap crappy stupid effing frickin again already
    even ever
"""
# Question framing, pronouns, intensifiers and expletives: they say nothing about which
# article fits. "where" is not one: "where is my order" asks for tracking, not cancelling.
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Dates in a question ("my invoice from June") are details, like order numbers: when no
# article mentions them they are dropped rather than counted as an unknown topic.
_DATE_WORD_TEXT = """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday yesterday today tomorrow
    week weeks month months year years ago last
"""
DATE_WORDS = frozenset(_DATE_WORD_TEXT.split())

# Whole phrases folded to one token (or to nothing) before splitting into words.
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\be-?mails?\b", "email"),
        (r"\bsign[\s-]?ups?\b", "signup"),
        (r"\b(?:log|sign)(?:s|ged|ed|ging|ing)?[\s-]?(?:in|into|on)\b", "login"),
        (r"\b(?:log|sign)(?:s|ged|ed|ging|ing)?[\s-]?out\b", "logout"),
        (r"\bpick(?:s|ed|ing)?[\s-]?up\b", "pickup"),
        (r"\bhow much\b", "cost"),
        (r"\bsen(?:d|ds|ding|t)\s+(?:\w+\s+){0,3}?back\b", "return"),
        (r"\bget(?:s|ting)? rid of\b", "delete"),
        (
            r"\bstop (?:send|sending|getting|receiving)(?: me)?(?: \w+)? "
            r"(?:e-?mails?|newsletters?|mails?|messages)\b",
            "unsubscribe",
        ),
        (r"\bmoney[\s-]?back\b", "refund"),
        (r"\bpass[\s-]?words?\b", "password"),
        (r"\bpin[\s-]?codes?\b", "password"),
        (r"\bcheck[\s-]?out\b", "checkout"),
        (r"\bcustomer (?:service|support|care)\b", "customerservice"),
        # A surname after a title ("the bill from Mr. Jones") says nothing about the topic.
        (r"\b(?:mr|mrs|ms|dr)\.?\s+[a-z]+", " "),
    )
)


def _group(canonical: str, variants: str) -> dict[str, str]:
    return dict.fromkeys(variants.split(), canonical)


# Surface word -> canonical word (then stemmed). Applied to articles and questions alike.
SYNONYMS = {
    **_group("package", "parcel parcels packages"),
    **_group("shipping", "delivery deliveries deliver delivers delivered delivering"),
    **_group("invoice", "bill bills receipt receipts"),
    **_group(
        "refund",
        "refunds refunded refunding reimbursement reimbursements reimburse reimbursed rebate "
        "rebates rebating compensation compensations restitution restitutions money",
    ),
    **_group("password", "pw pwd pass passcode pin key"),
    **_group("signup", "register registers registration registering registered enroll"),
    **_group("order", "purchase purchases purchased purchasing stuff"),
    **_group("buy", "acquire acquiring"),
    **_group("item", "items product products article articles"),
    **_group("arrive", "came"),
    **_group("method", "methods option options modality modalities"),
    **_group("account", "profile profiles user users acct"),
    **_group("review", "opinion opinions comment comments rating ratings"),
    **_group("cancel", "cancelation canceling canceled cancels"),
    **_group("fee", "penalty penalties"),
    **_group("change", "modify modifying edit editing update updating"),
    **_group("report", "notify notifying inform informing"),
    **_group("problem", "trouble troubles issue issues"),
    **_group("recover", "retrieve retrieving restore restoring recovering"),
    **_group("information", "info"),
    **_group("remove", "removal"),
    **_group("email", "mail mailed mailing"),
}

# Short words whose suffix the rules below cannot strip without leaving under three letters.
STEM_EXCEPTIONS = {"using": "use", "used": "use", "uses": "use"}

# Suffix -> replacement, longest first; a stem keeps at least three letters.
SUFFIXES = (
    ("ational", "ate"), ("ication", "y"), ("ations", ""), ("ation", ""), ("tions", "t"),
    ("tion", "t"), ("iness", "y"), ("ments", ""), ("ment", ""), ("ness", ""), ("ies", "y"),
    ("ied", "y"), ("ing", ""), ("ers", "er"), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""),
)  # fmt: skip
_UNDOUBLE_AFTER = ("ing", "ed", "ation", "ations")
_KEEP_FINAL_S = ("ss", "us", "is")
# "c++", "c#" and "notepad++" are words too (and no store's): the symbols stay on them.
_WORD_RE = re.compile(r"[a-z0-9]+(?:\+\+|#)?")


def stem(word: str) -> str:
    """A light suffix stripper: folds plurals and -ing/-ed/-ation forms onto one stem."""
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    if len(word) <= 3 or word.endswith(_KEEP_FINAL_S):
        return word
    for suffix, replacement in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= 3:
            base = word[: -len(suffix)] + replacement
            if suffix == "es" and not base.endswith(("s", "x", "z", "ch", "sh")):
                base = word[:-1]  # "changes" -> "change", but "boxes" -> "box"
            if suffix in _UNDOUBLE_AFTER and _ends_in_double(base):
                base = base[:-1]  # "shipping" -> "ship"
            elif suffix in ("ing", "ed") and _is_short_syllable(base):
                base += "e"  # "saved" -> "save", "making" -> "make"
            return _tidy_ending(base)
    return _tidy_ending(word)


def _ends_in_double(word: str) -> bool:
    return len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz"


def _is_short_syllable(word: str) -> bool:
    """Consonant, vowel, consonant (not w/x/y) and nothing more, like "sav" or "mak"."""
    vowels = "aeiou"
    return (
        len(word) == 3
        and word[0] not in vowels
        and word[1] in vowels
        and word[2] not in vowels + "wxy"
    )


def _tidy_ending(word: str) -> str:
    # "change"/"changing" and "cancel"/"cancelling" then meet on one stem; "fill" stays.
    if word.endswith("ll") and len(word) >= 6:
        return word[:-1]
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def words(text: str) -> list[str]:
    """Lowercased word tokens with known phrases folded and apostrophes removed."""
    text = text.lower().replace("\u2019", "'").replace("'", "")
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    return _WORD_RE.findall(text)


@lru_cache(maxsize=16_384)
def normalise(word: str) -> str:
    """Map one lowercase word to its index term: synonym first, then stem."""
    return stem(SYNONYMS.get(word, word))


def content_term(word: str) -> str | None:
    """The index term of one word, or None for a stopword or a number (order id, amount)."""
    if word in STOPWORDS or any(char.isdigit() for char in word):
        return None
    term = normalise(word)
    return None if term in STOPWORDS else term  # "seeing" -> "see"


def analyse(text: str) -> list[tuple[str, str]]:
    """(surface word, index term) pairs of a text's content words."""
    return [(word, term) for word in words(text) if (term := content_term(word))]


def tokenize(text: str) -> list[str]:
    """The index terms of a text, in order, repeats kept."""
    return [term for _, term in analyse(text)]


@dataclass(frozen=True)
class ArticleDoc:
    id: int
    title: str
    body: str
    keywords: tuple[str, ...] = ()
    url: str = ""  # the article on the store's help centre; offline answers link it


@dataclass(frozen=True)
class Hit:
    doc: ArticleDoc
    score: float
    # Query terms this article contains (after typo repair); feeds the confidence.
    matched_terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ParsedQuery:
    """A question as the index sees it: distinct terms, split into known and unknown."""

    terms: tuple[str, ...]
    unknown_terms: frozenset[str]
    # Words the parser read differently: typo -> word, or run-together -> "two words".
    corrected: dict[str, str] = field(default_factory=dict)

    @property
    def known_terms(self) -> tuple[str, ...]:
        return tuple(term for term in self.terms if term not in self.unknown_terms)


class KnowledgeIndex:
    """Immutable index; build it once per knowledge-base version."""

    def __init__(
        self,
        docs: tuple[ArticleDoc, ...],
        postings: dict[str, dict[int, float]],
        surface_words: dict[str, str],
    ) -> None:
        self.docs = docs
        # term -> {article position: that term's BM25 weight in that article}
        self._postings = postings
        self._idf = {term: _idf(len(docs), len(rows)) for term, rows in postings.items()}
        self._unseen_idf = _idf(len(docs), 0)
        self._best_weight = {term: max(rows.values()) for term, rows in postings.items()}
        self._unseen_best_weight = max(self._best_weight.values(), default=0.0)
        self._surface_words = surface_words
        self._deletions = _deletion_neighbours(surface_words)

    @classmethod
    def build(cls, docs: Iterable[ArticleDoc]) -> KnowledgeIndex:
        docs = tuple(docs)
        field_pairs = [_field_pairs(doc) for doc in docs]
        field_terms = [
            {name: [term for _, term in pairs] for name, pairs in fields.items()}
            for fields in field_pairs
        ]
        field_stats = [_FieldStats.of(name, field_terms) for name in FIELD_WEIGHTS]
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        for position, terms in enumerate(field_terms):
            for stats in field_stats:
                for term, weight in stats.weights(terms[stats.name]).items():
                    postings[term][position] = postings[term].get(position, 0.0) + weight
        surface_words = {
            word: term
            for fields in field_pairs
            for pairs in fields.values()
            for word, term in pairs
        }
        # Synonyms are known words too, so a misspelt "reimbursment" can still be repaired.
        surface_words.update(
            {word: normalise(word) for word in SYNONYMS if normalise(word) in postings}
        )
        return cls(docs, dict(postings), surface_words)

    def __len__(self) -> int:
        return len(self.docs)

    @property
    def vocabulary_size(self) -> int:
        return len(self._postings)

    def knows(self, term: str) -> bool:
        """Whether any article uses this term."""
        return term in self._postings

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term no article has gets the highest possible."""
        return self._idf.get(term, self._unseen_idf)

    def best_weight(self, term: str) -> float:
        """The most any article gets for this term; for unknown terms, the most for any term."""
        return self._best_weight.get(term, self._unseen_best_weight)

    def parse(self, query: str) -> ParsedQuery:
        """Distinct terms of a question, with typos and run-together words repaired."""
        terms: list[str] = []
        corrected: dict[str, str] = {}
        for word in words(query):
            for term in self._query_terms(word, corrected):
                if term not in terms:
                    terms.append(term)
        unknown = frozenset(term for term in terms if term not in self._postings)
        return ParsedQuery(terms=tuple(terms), unknown_terms=unknown, corrected=corrected)

    def search(self, query: str, limit: int = 3) -> list[Hit]:
        """Best articles for a question, highest score first; only articles sharing a term."""
        return self.search_parsed(self.parse(query), limit)

    def search_parsed(self, parsed: ParsedQuery, limit: int = 3) -> list[Hit]:
        known_terms = parsed.known_terms
        scores: dict[int, float] = defaultdict(float)
        for term in known_terms:
            for position, weight in self._postings[term].items():
                scores[position] += weight
        # Ties broken by article order so results are deterministic.
        best = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
        return [
            Hit(
                doc=self.docs[position],
                score=score,
                matched_terms=frozenset(t for t in known_terms if position in self._postings[t]),
            )
            for position, score in best
        ]

    def _query_terms(self, word: str, corrected: dict[str, str]) -> list[str]:
        """Zero or more index terms for one word of a question (noting any repair made)."""
        term = content_term(word)
        if term is None:
            return []
        if term in self._postings:
            return [term]
        if repaired := self._repair_typo(word):
            corrected[word] = repaired
            return [self._surface_words[repaired]]
        if word in DATE_WORDS or (len(word) <= 2 and word.isalnum()) or _is_misspelt_stopword(word):
            return []  # a detail, a stray letter pair ("ot", "ij") or misspelt filler
        if parts := self._split_run_together(word):
            corrected[word] = " ".join(parts)
            return [term for part in parts if (term := content_term(part))]
        return [term]

    def _repair_typo(self, word: str) -> str | None:
        """The most used article word one edit (insert, delete, replace, swap) away from word."""
        if len(word) < MIN_FUZZY_LENGTH:
            return None
        candidates = {
            candidate
            for variant in (word, *_single_deletions(word))
            for candidate in self._deletions.get(variant, ())
            if candidate != word and _one_edit_apart(word, candidate)
        }
        return max(
            candidates,
            key=lambda candidate: (len(self._postings[self._surface_words[candidate]]), candidate),
            default=None,
        )

    def _split_run_together(self, word: str) -> tuple[str, str] | None:
        """A filler word and a known word typed without a space ("theorder", "needhelp").

        Both parts have three letters or more and one is a stopword: two topic words
        ("homework") or a short prefix ("be" + "come") usually make a real word.
        """
        for cut in range(3, len(word) - 2):
            kinds = {self._word_kind(word[:cut]), self._word_kind(word[cut:])}
            if "stop" in kinds and "unknown" not in kinds:
                return word[:cut], word[cut:]
        return None

    def _word_kind(self, word: str) -> str:
        if word in STOPWORDS:
            return "stop"
        return "article" if normalise(word) in self._postings else "unknown"


def _idf(document_count: int, document_frequency: int) -> float:
    # The "1 +" keeps idf positive even for terms in most articles.
    return math.log(1 + (document_count - document_frequency + 0.5) / (document_frequency + 0.5))


def _field_pairs(doc: ArticleDoc) -> dict[str, list[tuple[str, str]]]:
    return {
        "title": analyse(doc.title),
        "keywords": analyse(" ".join(doc.keywords)),
        "body": analyse(doc.body),
    }


@dataclass(frozen=True)
class _FieldStats:
    """What one field's BM25 needs across the collection: its weight, idf and mean length."""

    name: str
    weight: float
    idf: dict[str, float]
    average_length: float

    @classmethod
    def of(cls, name: str, field_terms: list[dict[str, list[str]]]) -> _FieldStats:
        document_frequency: Counter[str] = Counter()
        for terms in field_terms:
            document_frequency.update(set(terms[name]))
        count = len(field_terms)
        return cls(
            name=name,
            weight=FIELD_WEIGHTS[name],
            idf={term: _idf(count, df) for term, df in document_frequency.items()},
            average_length=sum(len(terms[name]) for terms in field_terms) / max(count, 1) or 1.0,
        )

    def weights(self, terms: list[str]) -> dict[str, float]:
        """Each term's weighted, saturated, length-normalised BM25 contribution in this field."""
        b = FIELD_LENGTH_NORMALISATION[self.name]
        length_norm = 1 - b + b * len(terms) / self.average_length
        return {
            term: self.weight * self.idf[term] * count * (K1 + 1) / (count + K1 * length_norm)
            for term, count in Counter(terms).items()
        }


def _single_deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletion_neighbours(vocabulary: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Map each word, and each of its one-letter deletions, to the vocabulary words behind it."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        if len(word) < MIN_FUZZY_LENGTH - 1:
            continue
        neighbours[word].add(word)
        for deletion in _single_deletions(word):
            neighbours[deletion].add(word)
    return {key: tuple(sorted(found)) for key, found in neighbours.items()}


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether one insertion, deletion, neighbour swap or (long words) replacement turns a to b."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    prefix = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) < len(b):
        return a[prefix:] == b[prefix + 1 :]
    # Substitutions only in longer words: "bulls" is not a typo of "bills".
    substituted = len(a) >= MIN_FUZZY_LENGTH + 1 and a[prefix + 1 :] == b[prefix + 1 :]
    return substituted or (
        a[prefix + 2 :] == b[prefix + 2 :]
        and a[prefix : prefix + 2] == b[prefix : prefix + 2][::-1]
    )


# Long filler words, for recognising them misspelt ("uhelp", "assistnce", "ehlp").
_LONG_STOPWORD_DELETIONS = _deletion_neighbours(word for word in STOPWORDS if len(word) >= 4)


def _is_misspelt_stopword(word: str) -> bool:
    """Whether word is a stopword with one letter added, dropped or swapped ("acn", "uhelp").

    A replaced letter does not count: "bike" is no typo of "like".
    """
    if len(word) == 3:
        return any(word[:i] + word[i + 1] + word[i] + word[i + 2 :] in STOPWORDS for i in (0, 1))
    candidates = {
        candidate
        for variant in (word, *_single_deletions(word))
        for candidate in _LONG_STOPWORD_DELETIONS.get(variant, ())
    }
    return len(word) > 3 and any(
        len(candidate) != len(word) or sorted(candidate) == sorted(word)
        for candidate in candidates
        if _one_edit_apart(word, candidate)
    )
