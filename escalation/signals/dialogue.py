"""Dialogue acts: what a visitor's turn does in the conversation, read before any retrieval.

Not every message is a question for the knowledge base. "that didn't help" is feedback on
the last answer (Category 5's "not helpful"), "thanks" and "hi" want a short reply, "what
about express?" continues the previous question, and "asdfgh" or "???" say nothing at all.
`read_act` tells them apart from word classes and the shape of the words, never from whole
example sentences:

1. Cue phrases of each class (negative feedback, thanks, positive feedback, greetings,
   closings, yes/no) are found and taken out of the message.
2. What is left decides. Nothing of substance left: the message is that act ("ok thanks").
   Something left: it is a question ("ok so where is my order"), a follow-up when it leans
   on the previous one ("and for international?", "how long does that take?"), and negative
   feedback inside a question still counts ("that's not what I asked, I asked about returns").
   Weak cues ("this isn't working", "wrong") count only alone: "this isn't working, I want a
   refund" is a request, not a verdict on the bot's answer.
3. Words no vocabulary knows are judged by their shape (vowels, consonant runs, letter pairs
   English never writes, runs along a keyboard row): a message of such words has no content.

Pure: the standard library and escalation.signals only, so the engine's failure counters use
it too (`says_not_helpful`, `no_content_streak`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from escalation.signals.vocabulary import STORE_WORDS

# Acts are short: a message longer than this is read as a question (still searched for
# negative feedback).
MAX_ACT_CHARS = 240
MAX_ACT_WORDS = 24
# A follow-up leans on the previous question: at most this many words of its own.
MAX_FOLLOW_UP_CONTENT = 2
# The engine escalates when this many visitor messages in a row had no content.
NO_CONTENT_IN_A_ROW = 2


class Act(StrEnum):
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    NEGATIVE_FEEDBACK = "negative_feedback"
    POSITIVE_FEEDBACK = "positive_feedback"
    THANKS = "thanks"
    GREETING = "greeting"
    CLOSING = "closing"
    AFFIRM = "affirm"  # a bare "yes": its meaning depends on what the bot asked
    DENY = "deny"  # a bare "no"
    NO_CONTENT = "no_content"


@dataclass(frozen=True)
class DialogueAct:
    act: Act
    cue: str = ""  # the words that decided it, for the record ("didnt help")
    not_helpful: bool = False  # the visitor says the last answer did not help

    @property
    def wants_knowledge(self) -> bool:
        """A question (or follow-up) the knowledge base should answer."""
        return self.act in (Act.QUESTION, Act.FOLLOW_UP)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _alternatives(*phrases: str) -> str:
    return "|".join(phrases)


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^| )(?:{pattern})(?= |$)")


_SUBJECT = (
    r"(?:(?:that|this|it|which|you|u|your|the) "
    r"(?:answer |reply |response |suggestion |article |link |bot |chatbot |info |information )?)"
)
_NEGATED = (
    r"(?:didnt|did not|doesnt|does not|dont|do not|wont|will not|isnt|is not|wasnt|was not|"
    r"havent|have not|hasnt|has not|arent|are not|cant|can not|cannot)"
)
_EVALUATIVE = (
    r"(?:useless|pointless|worthless|hopeless|rubbish|garbage|nonsense|crap|unhelpful|"
    r"no help|no use|not helping|not helpful|not useful|irrelevant|wrong)"
)

# Negative feedback that counts wherever it appears: it can only be about the answer.
STRONG_NEGATIVE = _cue(
    _alternatives(
        r"(?:still |so |very |really )?(?:not|isnt|wasnt|arent|not very|not really|not at all|"
        r"not that|not so|not even|not particularly|hardly) (?:very |really |that |so |at all )?"
        r"(?:helpful|useful|relevant|clear)(?: at all)?",
        r"(?:very |so |really |totally |completely )?(?:unhelpful|irrelevant)",
        r"(?:of )?no (?:help|use)(?: at all| whatsoever)?",
        r"not (?:a |much |any |very much |of much |of any )(?:help|use)",
        rf"{_SUBJECT}?(?:still |really |just )?{_NEGATED} (?:really |actually |even |at all |much "
        r"|quite |exactly |help )?(?:help|helping|helped|answer|answering|answered)"
        r"(?: (?:my|the) question| me| at all| anything| much)*",
        r"(?:thats|that is|this is|its|it is|that was|this was|thats still|its still) not what i "
        r"(?:asked|meant|wanted|said|need|needed|was asking|was asking about|was looking for|"
        r"asked for|mean|want)",
        r"not what i (?:asked|meant|was asking|was looking for|asked for)",
        r"(?:thats|that is|its|it is)? ?not (?:my|the) question",
        r"i (?:didnt|did not|never) ask (?:that|about that|for that|this|about this)",
        r"(?:you|u|it|the bot) (?:dont|do not|didnt|did not|doesnt|does not) "
        r"(?:understand|get it|get me|get what i|read|listen)",
        r"(?:makes|made|making) no sense",
        r"(?:doesnt|does not|didnt|did not|dont|do not) make (?:any )?sense",
        r"not making (?:any )?sense",
        r"(?:wrong|useless|unhelpful|pointless|bad|irrelevant|stupid|generic|canned) "
        r"(?:answer|answers|reply|replies|response|responses|information|info|advice|article)",
        r"(?:thanks|thank you|thank u|thx) for nothing",
        r"(?:you are|youre|ur|u r|you r|this bot is|the bot is|this chatbot is|bot is) "
        r"(?:so |really |totally |completely |absolutely |being )?"
        r"(?:useless|pointless|hopeless|no help|not helping|unhelpful|rubbish|garbage|stupid|dumb)",
        r"(?:youre|you are|you re|ur|this is|its|it is|thats) not (?:helping|helpful)",
        r"(?:keep|keeps|kept) (?:saying|repeating|giving me|sending me) "
        r"(?:the same(?: thing| answer| stuff| link)?|that|this)",
        r"same (?:answer|reply|response|thing) (?:again|as before)",
        r"(?:that|this|it) (?:answer |reply )?(?:was|is) no (?:help|use|good)",
    )
)
# Negative only when it is all the message says: "wrong" or "it doesn't work" alone judges
# the answer; "this isn't working, I want a refund" is a request about something else.
WEAK_NEGATIVE = _cue(
    _alternatives(
        rf"{_SUBJECT}?(?:still )?{_NEGATED} (?:really |even )?(?:work|working|solve|fix)"
        r"(?: it| anything| my problem| the problem)?",
        r"(?:still )?not (?:working|solved|fixed|it|right|correct|true|good)",
        r"(?:thats|that is|its|it is|this is|you are|youre|thats so|so)? ?"
        r"(?:still |so |very |totally |completely )?" + _EVALUATIVE,
        r"no good|still (?:the same|broken|nothing)|same (?:problem|issue|thing)|try again",
        r"not really|nope not it|not quite|meh",
    )
)
THANKS = _cue(
    _alternatives(
        r"(?:many |thanks a |thanks so |thanks very )?(?:thanks|thank you|thank u|thank ya|"
        r"thankyou|thanx|thnx|thx|tnx|tks|ty|tysm|tyvm|cheers|ta)"
        r"(?: (?:so|very) much| a lot| a bunch| a million| kindly| again| loads| heaps)?"
        r"(?: for (?:the |your |all the |all your |all )?(?:help|info|information|"
        r"assistance|answer|answers|reply|support|quick reply|time|tip))?",
        r"(?:much |really |greatly )?appreciated",
        r"(?:i |really |i really )?appreciate (?:it|that|this|the help|your help|you)",
    )
)
# Before "i see" / "i understand" these make a question of it ("when will i see it?").
_AUXILIARIES = (
    "will",
    "would",
    "can",
    "could",
    "do",
    "did",
    "does",
    "should",
    "shall",
    "may",
    "might",
    "must",
    "when",
    "where",
    "how",
    "why",
)
_NOT_ASKED = "".join(rf"(?<!{word} )" for word in _AUXILIARIES)
POSITIVE = _cue(
    _alternatives(
        r"ok|okay|okey|okie|okey dokey|k|kk|alright|all right|fine|great|perfect|awesome|cool|"
        r"nice|brilliant|excellent|super|wonderful|amazing|lovely|good|very good|sweet|fab|"
        r"fantastic|splendid|ace|neat|yay|wow",
        # "i see" is feedback, "when will i see it" a question: not after an auxiliary.
        rf"got it|gotcha|understood|{_NOT_ASKED}i see|{_NOT_ASKED}i understand|makes sense|"
        r"that makes sense|"
        r"fair enough|good to know|sounds good|sounds great|will do|noted|all good|"
        r"no worries|no problem|np|sorted|solved|fixed|done",
        r"(?:that|it|this|which|the link|the article|your answer)? ?(?:really |totally "
        r"|definitely )?(?:worked|works|helped|helps|did it|did the trick|fixed it|solved it|"
        r"answers it|answered it|answers my question|answered my question|was helpful|"
        r"is helpful|was useful|is useful)",
        r"(?:very |really |super |so |most )?(?:helpful|useful)",
    )
)
GREETING = _cue(
    _alternatives(
        r"h+i+|h+e+l+o+|hel+o+ there|he+y+|hiya|heya|howdy|hallo|hola|yo|greetings|sup",
        r"(?:hi|hello|hey) (?:there|all|team|guys|folks|everyone|bot|chatbot|friend)",
        r"good (?:morning|afternoon|evening|day)|morning|afternoon|evening",
        r"how are (?:you|u)(?: doing| today)?|hows it going|how is it going|whats up|wassup",
        r"(?:is )?(?:any(?:one|body)|someone|somebody) (?:there|here|around)",
        r"are (?:you|u) there",
    )
)
CLOSING = _cue(
    _alternatives(
        r"b+y+e+|bye bye|goodbye|good bye|bye now|cya|laters|take care|good night|gnight",
        r"see (?:you|ya|u)(?: later| soon| around)?|talk (?:to you )?(?:later|soon)",
        r"have a (?:nice|good|great|lovely|wonderful) (?:day|evening|weekend|one|night)",
        r"(?:thats|that is|thats really) (?:all|it|everything)(?: for (?:now|today))?",
        r"nothing else|no more questions|(?:im|i am) (?:done|good|all set|fine|sorted)"
        r"(?: now| for now| thanks)?|all (?:done|set)",
        r"no (?:thanks|thank you|thx|ty)",
    )
)
AFFIRM = _cue(r"yes|yeah|yea|yep|yup|ya|sure|please|please do|yes please|of course|definitely")
DENY = _cue(r"no|nope|nah|no way|not now|negative")
FOLLOW_UP_START = re.compile(
    r"^(?:and|also|or|plus|then|but (?:what|how|why|when|where|if|can|is|does|do)|"
    r"what about|how about|what if|and if|and for|and what|and how|and when|and where|"
    r"and is|and does|and can|same (?:for|with|question for)|so (?:what|how|why|when))\b"
)

# Words that carry no content of their own: framing, pronouns, fillers and interjections.
FILLER = _words(
    """
    a an the i me my mine we us our you your yours u ur he she it its they them their this
    that these those there here is am are was were be been being do does did doing have
    has had having will would shall should can could may might must to of in on at by for
    with about from into over under again then once so than too very just and but if or as
    until while please pls plz kindly well oh ah uh um umm er erm hmm hmmm mm huh ugh sigh
    lol lmao haha hahaha hehe omg wow really actually anyway anyways seriously honestly
    still though either also now bot chatbot mate man dude sir madam guys buddy bro
    lot bit much quite some any all what where when why how which who whom whose im ive id
    youre dont doesnt didnt cant isnt wasnt arent hey yo
    """
)
QUESTION_WORDS = _words("what where when why how which who whose whom")
ANAPHORS = _words("it that this those these them they there one ones same")

_POSITIVE_SYMBOLS = frozenset("👍👌🙂😊😀😃😄🙏❤♥💯✅☺🥰😍🤗🆗")
_NEGATIVE_SYMBOLS = frozenset("👎😡😠🤬")
_WORD = re.compile(r"[^\W_]+")
_REPEATED_LETTERS = re.compile(r"(\w)\1{2,}")
_VOWELS = frozenset("aeiouy")
# Letter pairs that English words (almost) never contain: typed by accident, not spelt.
_RARE_PAIRS = _words(
    """
    bx cj cv cx dx fq fx fz gq gx hx jb jc jd jf jg jh jj jk jl jm jn jp jq jr js jt jv jw
    jx jy jz kq kx kz mx mz pq px pz qb qc qd qe qf qg qh qj qk ql qm qn qo qp qq qr qs qt
    qv qw qx qy qz sx sz tq tx vb vc vd vf vg vh vj vk vm vn vp vq vt vw vx vz wq wv wx wz
    xd xg xj xk xr xv xz yq yx zb zc zd zf zg zj zk zm zn zp zq zr zs zt zv zw zx
    """
)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Letter pairs typed with neighbouring keys of one row, either way round: "as", "sa", "df".
_NEIGHBOUR_KEYS = frozenset(
    pair
    for row in _KEYBOARD_ROWS
    for left, right in zip(row, row[1:], strict=False)
    for pair in (left + right, right + left)
)


def read_act(message: str) -> DialogueAct:
    """The dialogue act of one visitor message (see the module docstring)."""
    return _read_act(message[:MAX_ACT_CHARS])


@lru_cache(maxsize=1024)
def _read_act(message: str) -> DialogueAct:
    tokens = _tokens(message)
    if not tokens:
        return _symbols_only(message)
    plain = [token for token in tokens if token not in FILLER and token not in _CUE_WORDS]
    if len(tokens) > MAX_ACT_WORDS or len(plain) > MAX_FOLLOW_UP_CONTENT + 1:
        # Too much said for an act or a follow-up: a question (or noise), and only the
        # feedback that counts anywhere is looked for.
        if _no_content(plain):
            return DialogueAct(Act.NO_CONTENT, " ".join(plain[:5]))
        strong = _strong_feedback(tokens)
        return DialogueAct(Act.QUESTION, strong, not_helpful=bool(strong))
    text = " ".join(tokens)
    present = _with_letters_collapsed(tokens, text)
    found: dict[str, str] = {}
    rest = text
    for name, gate, pattern in _CUE_CLASSES:
        if present.isdisjoint(gate):
            continue
        matches = [match.group().strip() for match in pattern.finditer(rest)]
        if matches:
            found[name] = " ".join(matches)
            rest = pattern.sub(" ", rest)
    remaining = rest.split()
    content = [word for word in remaining if word not in FILLER]
    if not content or _no_content(content):  # "ok thanks", "hi asdfgh", "asdfgh"
        return _pure_act(found, remaining, tokens)
    not_helpful = "strong" in found
    cue = found.get("strong", "")
    if _leans_on_previous(rest.strip(), remaining, content):
        return DialogueAct(Act.FOLLOW_UP, cue, not_helpful=not_helpful)
    return DialogueAct(Act.QUESTION, cue, not_helpful=not_helpful)


# Searched in this order; each class's words are taken out before the next looks. A class's
# regex runs only when the message holds one of its gate words (a set test): most messages
# are questions with none of them, and the engine reads every message.
_CUE_CLASSES = (
    ("strong", _words("""
        helpful useful relevant clear unhelpful irrelevant help helping helped answer answers
        answering answered asked meant wanted said asking looking mean question ask
        understand listen sense reply replies response responses information info advice
        article nothing useless pointless hopeless rubbish garbage stupid dumb saying
        repeating same
        """), STRONG_NEGATIVE),
    ("weak", _words("""
        work working solve fix not wrong useless pointless worthless hopeless rubbish garbage
        nonsense crap unhelpful no good still same try really quite meh nope irrelevant
        helping helpful useful
        """), WEAK_NEGATIVE),
    ("closing", _words("""
        bye byebye goodbye cya laters take good night gnight see talk have thats that nothing
        no im all
        """), CLOSING),
    ("thanks", _words("""
        thanks thank thankyou thanx thnx thx tnx tks ty tysm tyvm cheers ta many appreciated
        appreciate
        """), THANKS),
    ("greeting", _words("""
        hi hello helo hey hiya heya howdy hallo hola yo greetings sup good morning afternoon
        evening how hows whats wassup anyone anybody someone somebody are
        """), GREETING),
    ("positive", _words("""
        ok okay okey okie k kk alright all fine great perfect awesome cool nice brilliant
        excellent super wonderful amazing lovely good sweet fab fantastic splendid ace neat
        yay wow got gotcha understood see understand makes fair sounds will noted no np
        sorted solved fixed done worked works helped helps did answers answered helpful useful
        """), POSITIVE),
    ("affirm", _words("yes yeah yea yep yup ya sure please of definitely"), AFFIRM),
    ("deny", _words("no nope nah not negative"), DENY),
)  # fmt: skip
_STRONG_GATE = _CUE_CLASSES[0][1]
_CUE_WORDS = frozenset().union(*(gate for _, gate, _ in _CUE_CLASSES))
# With nothing else said, the first class found here names the act.
_PURE_ACTS = (
    ("strong", Act.NEGATIVE_FEEDBACK),
    ("weak", Act.NEGATIVE_FEEDBACK),
    ("closing", Act.CLOSING),
    ("thanks", Act.THANKS),
    ("positive", Act.POSITIVE_FEEDBACK),
    ("affirm", Act.AFFIRM),
    ("deny", Act.DENY),
    ("greeting", Act.GREETING),
)


def _strong_feedback(tokens: list[str]) -> str:
    """Negative feedback anywhere in a longer message, searched only around its gate words
    (a regex over every position of a long message costs more than the rest of the act)."""
    for position, token in enumerate(tokens):
        if token in _STRONG_GATE:
            window = " ".join(tokens[max(0, position - 7) : position + 5])
            if found := STRONG_NEGATIVE.search(window):
                return found.group().strip()
    return ""


def _pure_act(found: dict[str, str], remaining: list[str], tokens: list[str]) -> DialogueAct:
    """A message with nothing of substance beyond its cues (and filler words)."""
    for name, act in _PURE_ACTS:
        if name in found:
            negative = act is Act.NEGATIVE_FEEDBACK
            return DialogueAct(act, found[name], not_helpful=negative)
    if remaining and set(remaining) <= FILLER and not QUESTION_WORDS.isdisjoint(remaining):
        return DialogueAct(Act.FOLLOW_UP, " ".join(remaining))  # "why?", "how come?"
    return DialogueAct(Act.NO_CONTENT, " ".join(tokens))


def _leans_on_previous(rest: str, remaining: list[str], content: list[str]) -> bool:
    """A short question that only makes sense with the one before it."""
    if FOLLOW_UP_START.match(rest):
        return len(content) <= MAX_FOLLOW_UP_CONTENT + 1
    return len(content) <= MAX_FOLLOW_UP_CONTENT and bool(ANAPHORS.intersection(remaining))


def _symbols_only(message: str) -> DialogueAct:
    """No letters or digits: an emoji, "???", "....". A thumbs up still says something."""
    symbols = set(message)
    if symbols & _POSITIVE_SYMBOLS:
        return DialogueAct(Act.POSITIVE_FEEDBACK, message.strip())
    if symbols & _NEGATIVE_SYMBOLS:
        return DialogueAct(Act.NEGATIVE_FEEDBACK, message.strip(), not_helpful=True)
    return DialogueAct(Act.NO_CONTENT, message.strip())


def _tokens(message: str) -> list[str]:
    lower = message.lower()
    for apostrophe in ("'", "\u2019", "\u2018", "`", "\u00b4"):
        lower = lower.replace(apostrophe, "")
    return _WORD.findall(lower)


def _with_letters_collapsed(tokens: list[str], text: str) -> set[str]:
    """The tokens, plus each with its long letter runs squeezed ("heyyy" -> "hey")."""
    present = set(tokens)
    if _REPEATED_LETTERS.search(text):  # rare: skip the per-token work
        present.update(_REPEATED_LETTERS.sub(r"\1", token) for token in tokens)
    return present


def _no_content(words: list[str]) -> bool:
    """Whether the words left say nothing: most of them are typed noise."""
    if not STORE_WORDS.isdisjoint(words):
        return False
    allowed = (len(words) - 1) // 2  # words that may look real while most are noise
    for word in words:
        if not looks_like_noise(word):
            allowed -= 1
            if allowed < 0:
                return False
    return True


def looks_like_noise(word: str) -> bool:
    """A lowercase token shaped like no English word: "asdfgh", "zxmcnv", "qwpoeiru", "aaaa".

    Only Latin letters are judged; other scripts and anything with a digit pass.
    """
    if not word.isascii() or not word.isalpha() or len(word) < 3:
        return False
    if _VOWELS.isdisjoint(word) or len(set(word)) == 1:
        return True
    if _longest_consonant_run(word) >= 6:  # "strengths" has five
        return True
    if any(word[i : i + 2] in _RARE_PAIRS for i in range(len(word) - 1)):
        return True
    return _keyboard_run(word) >= max(4, len(word) * 3 // 4) or _repeats_a_chunk(word)


def _longest_consonant_run(word: str) -> int:
    longest = run = 0
    for char in word:
        run = 0 if char in _VOWELS else run + 1
        longest = max(longest, run)
    return longest


def _keyboard_run(word: str) -> int:
    """The longest stretch of neighbouring keys typed along one row ("asdf", "poiu")."""
    longest = run = 1
    for i in range(len(word) - 1):
        run = run + 1 if word[i : i + 2] in _NEIGHBOUR_KEYS else 1
        longest = max(longest, run)
    return longest


def _repeats_a_chunk(word: str) -> bool:
    """ "asdasdasd", "jkjkjk": one short chunk typed again and again."""
    return any(
        len(word) >= size * 3 and word == (word[:size] * (len(word) // size + 1))[: len(word)]
        for size in (2, 3)
    )


def says_not_helpful(message: str) -> bool:
    """True for "that didn't help", "not helpful", "thanks for nothing" and the like."""
    return read_act(message).not_helpful


def no_content_streak(messages: Sequence[str]) -> int:
    """How many of the latest messages (oldest first) in a row had no content."""
    streak = 0
    for message in reversed(messages):
        if read_act(message).act is not Act.NO_CONTENT:
            break
        streak += 1
    return streak


def mentions_store(message: str) -> bool:
    """Whether the message names anything a web shop deals in (orders, delivery, money, the
    account): without such a word, and with no knowledge-base match, it is not for us."""
    return not STORE_WORDS.isdisjoint(_tokens(message[:MAX_ACT_CHARS]))
