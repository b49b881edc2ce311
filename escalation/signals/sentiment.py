"""Category 3: one sentiment score in [-1, 1] with the contribution of each indicator kept.

VADER's compound score is the base; the spec's indicators are added on top: profanity,
frustration words, sarcasm, and (as amplifiers of other negative evidence) ALL CAPS and
runs of "!!!". A shouted "WHERE IS THE NEAREST STORE" is not angry; "THIS IS RIDICULOUS!!!" is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from string import ascii_letters, ascii_uppercase, punctuation
from typing import Any

from escalation.signals import vader
from escalation.signals.patterns import NEGATORS, PhraseSet, occurrences, words_before
from escalation.signals.profanity import ProfanityHits, find_profanity, is_profane_word
from escalation.signals.text import Text, index_words, word_set

# VADER's cost grows faster than linearly with length (worst on emoticon-heavy text), so it
# reads a bounded prefix, about the opening sentence or two, where the mood is usually set;
# the cheap indicators below (profanity, frustration, sarcasm, caps, "!!!") read the whole
# capped message.
VADER_PREFIX_CHARS = 150

# VADER's compound saturates fast on short texts (a lone "hate" scores -0.57): scaled down,
# one negative word acknowledges and offers a human, and escalating takes more evidence.
VADER_WEIGHT = 0.75
PROFANITY_WEIGHTS = {"mild": 0.3, "strong": 0.45, "abusive": 0.75}
PROFANITY_EXTRA_HIT = 0.1
PROFANITY_MAX = 0.9
# A frustration word counts once (VADER no longer scores it), more when intensified ("so
# angry") or aimed at us ("you're useless"); "not frustrated" does not count.
FRUSTRATION_WEIGHT = 0.3
FRUSTRATION_INTENSIFIED = 0.1
FRUSTRATION_AIMED = 0.25
FRUSTRATION_MAX = 0.8
SARCASM_WEIGHT = 0.3
AMPLIFIER_WEIGHT = 0.15  # each of ALL CAPS and "!!!", only on top of other negativity
CAPS_MIN_LETTERS = 8
CAPS_MIN_RATIO = 0.7

FRUSTRATION_PHRASES = (
    "frustrated",
    "frustrating",
    "frustration",
    "angry",
    "furious",
    "livid",
    "fuming",
    "infuriating",
    "ridiculous",
    "unacceptable",
    "useless",
    "pathetic",
    "outrageous",
    "disgraceful",
    "disgusted",
    "incompetent",
    "horrible",
    "awful",
    "worst",
    "terrible",
    "fed up",
    "sick of",
    "sick and tired",
    "tired of",
    "waste of time",
    "wasting my time",
    "what a joke",
    "this is a joke",
    "rip off",
    "ripoff",
    "had enough",
    "never again",
    "i give up",
    "shambles",
    "unbelievable",
    "annoyed",
    "annoying",
    "are you kidding",
    "are you serious",
    "for the last time",
    "how hard is it",
    "disappointed",
    "disappointing",
)
_FRUSTRATION = PhraseSet.of(FRUSTRATION_PHRASES)
_FRUSTRATION_WORDS = frozenset(p for p in FRUSTRATION_PHRASES if " " not in p)
_INTENSIFIERS = word_set("so very really extremely totally absolutely completely super utterly")
_AT_US = word_set("you u youre ya")  # "you're useless"; "your service" is not a person

# Praise said as an interjection next to a complaint reads as sarcasm.
SARCASM_MARKERS = (
    "oh great",
    "oh perfect",
    "oh wonderful",
    "oh fantastic",
    "oh brilliant",
    "oh joy",
    "yeah right",
    "just perfect",
    "just great",
    "just wonderful",
    "just brilliant",
    "thanks for nothing",
    "what a surprise",
    "surprise surprise",
    "big surprise",
    "how convenient",
    "how wonderful",
    "how lovely",
)
_SARCASM_MARKERS = PhraseSet.of(SARCASM_MARKERS)
PRAISE_WORDS = word_set("""
    great perfect wonderful fantastic brilliant awesome lovely amazing excellent splendid
    marvelous marvellous superb nice
    """)
_INTERJECTION_FILLER = word_set("oh wow just so really a lot very well yeah")
_INTERJECTION_WORDS = PRAISE_WORDS | _INTERJECTION_FILLER
index_words(PRAISE_WORDS)
COMPLAINT_CUES = word_set("""
    not no never nothing nobody still again another useless broken wrong doesnt didnt isnt
    wasnt cant wont havent hasnt arent worse worst failed fails waiting lost missing
    """)
# "!!", "?!", "!?" or "???": substring tests, cheaper than a regex over 2,000 characters.
_EXCLAMATION_RUNS = ("!!", "?!", "!?", "???")
_LETTERS = ascii_letters.encode()
_UPPERCASE = ascii_uppercase.encode()


@dataclass(frozen=True)
class Sentiment:
    """The score, clamped to [-1, 1], and each component's contribution to it."""

    score: float
    breakdown: dict[str, float] = field(default_factory=dict)
    profanity: ProfanityHits = ProfanityHits()

    @property
    def label(self) -> str:
        """A word for the handoff card ("Sentiment: frustrated")."""
        if self.score < -0.5:
            return "angry"
        if self.score < -0.2:
            return "frustrated"
        return "positive" if self.score > 0.2 else "neutral"

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "label": self.label, "breakdown": dict(self.breakdown)}


# In a support chat these words name the issue ("my transfer failed", "a wrong charge",
# "problems with my PIN") or are politeness ("please help"), not the visitor's mood; the
# rules read the issue itself. VADER's lexicon scores them, so they are taken out of it.
ISSUE_WORDS = word_set("""
    problem problems fail failed failure fails failing reject rejected rejecting rejection
    error errors wrong mistake mistakes lost lose loss losing stolen steal fraud fraudulent
    hacked dispute disputed block blocked stuck cancel cancelled cancelling broken broke
    damage damaged missing delay delayed emergency trouble difficult denied deny risk victim
    crime criminal suspicious scam debt penalty limited charged charge charges charging pay
    forgotten forget urgent stop stopped no leave troubles disappeared disappear accident
    accidentally low unsupported refuse refused denying difficulty difficulties unsuccessful
    unsuccessfully empty warning demand weird help please thanks thank like want support
    free fine
    """)


@lru_cache(maxsize=1)
def _vader() -> tuple[Any, frozenset[str]]:
    """VADER's analyser and its vocabulary. It loads its lexicon from disk, so it is created
    once, on first use. Issue words (above), frustration words and profanity (scored by
    their own components, so counted once) are removed from its lexicon."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    for word in list(analyzer.lexicon):
        if word in ISSUE_WORDS or word in _FRUSTRATION_WORDS or is_profane_word(word):
            del analyzer.lexicon[word]
    return analyzer, frozenset(analyzer.lexicon)


def vader_compound(message: str, words: frozenset[str] | None = None) -> float:
    """VADER's compound score of the message's first VADER_PREFIX_CHARS characters.

    `words` (the message's normalised tokens, if known) lets it skip VADER when no lexicon
    word is present: the compound is then 0, and most support messages are like that."""
    prefix = message[:VADER_PREFIX_CHARS]
    if len(message) > VADER_PREFIX_CHARS:
        if " " in prefix:
            prefix = prefix.rsplit(" ", 1)[0]
        words = None  # the message's words are not the prefix's: look at the prefix's own
    analyzer, vocabulary = _vader()
    if prefix.isascii() and _no_lexicon_word(prefix, words, vocabulary):
        return 0.0
    return vader.compound(analyzer, prefix)


def _no_lexicon_word(prefix: str, words: frozenset[str] | None, vocabulary: frozenset[str]) -> bool:
    # VADER scores lexicon words and whitespace-separated emoticons (emoji are non-ASCII).
    raw = prefix.lower().split()
    if not vocabulary.isdisjoint(raw):
        return False
    stripped = words if words is not None else {word.strip(punctuation) for word in raw}
    return vocabulary.isdisjoint(stripped)


def score_sentiment(text: Text) -> Sentiment:
    """Score a prepared message; see the module docstring for the components."""
    if not text.clauses:
        return Sentiment(0.0, _empty_breakdown())
    compound = vader_compound(text.original, text.words)
    profanity = find_profanity(text)
    frustration = _frustration(text)
    sarcasm = SARCASM_WEIGHT if _is_sarcastic(text) else 0.0
    negative_evidence = bool(profanity) or frustration > 0 or sarcasm > 0
    amplify = negative_evidence or compound < -0.05
    shouting = amplify and is_shouting(text.original)
    exclaiming = amplify and any(run in text.original for run in _EXCLAMATION_RUNS)
    breakdown = {
        # Positive words beside profanity or complaints are politeness or irony, not mood.
        "vader": 0.0 if negative_evidence and compound > 0 else VADER_WEIGHT * compound,
        "profanity": -_profanity_weight(profanity),
        "frustration": -frustration,
        "sarcasm": -sarcasm,
        "caps": -AMPLIFIER_WEIGHT if shouting else 0.0,
        "exclamation": -AMPLIFIER_WEIGHT if exclaiming else 0.0,
    }
    score = max(-1.0, min(1.0, sum(breakdown.values())))
    return Sentiment(round(score, 4), {k: round(v, 4) for k, v in breakdown.items()}, profanity)


def _empty_breakdown() -> dict[str, float]:
    keys = ("vader", "profanity", "frustration", "sarcasm", "caps", "exclamation")
    return dict.fromkeys(keys, 0.0)


def _profanity_weight(hits: ProfanityHits) -> float:
    tiers = [tier for tier in ("abusive", "strong", "mild") if getattr(hits, tier)]
    if not tiers:
        return 0.0
    count = len(hits.mild) + len(hits.strong) + len(hits.abusive)
    weight = PROFANITY_WEIGHTS[tiers[0]] + PROFANITY_EXTRA_HIT * (count - 1)
    return min(PROFANITY_MAX, weight)


def _frustration(text: Text) -> float:
    """Each frustration phrase counts once, at its first occurrence no negator denies."""
    total, norm = 0.0, text.norm
    for phrase in _FRUSTRATION.present(text):
        for position in occurrences(norm, phrase):
            before = words_before(norm, position, 3)
            if not NEGATORS.isdisjoint(before):
                continue
            total += FRUSTRATION_WEIGHT
            if before and before[-1] in _INTENSIFIERS:
                total += FRUSTRATION_INTENSIFIED
            if not _AT_US.isdisjoint(_clause_at(norm, position).split()):
                total += FRUSTRATION_AIMED
            break
    return min(FRUSTRATION_MAX, total)


def _clause_at(norm: str, position: int) -> str:
    start = norm.rfind(" . ", 0, position)
    end = norm.find(" . ", position)
    return norm[start + 3 if start != -1 else 0 : end if end != -1 else len(norm)]


def _is_sarcastic(text: Text) -> bool:
    """A sarcasm marker ("oh great", "thanks for nothing"), or praise said as an aside
    ("Perfect.", "Great,") in a message that otherwise complains."""
    if _SARCASM_MARKERS.find(text):
        return True
    if not text.has_any(PRAISE_WORDS) or not text.has_any(COMPLAINT_CUES):
        return False
    for number in text.clause_numbers(text.words & PRAISE_WORDS):
        tokens = text.clauses[number]
        if len(set(tokens)) <= 3 and _INTERJECTION_WORDS.issuperset(tokens):
            return True
    return False


def is_shouting(original: str) -> bool:
    # bytes.translate counts in C; str.translate would look each character up in a dict.
    ascii_text = original.encode("ascii", "ignore")
    letters = len(ascii_text) - len(ascii_text.translate(None, _LETTERS))
    if letters < CAPS_MIN_LETTERS:
        return False
    upper = len(ascii_text) - len(ascii_text.translate(None, _UPPERCASE))
    return upper / letters >= CAPS_MIN_RATIO
