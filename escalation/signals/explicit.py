"""Category 1: the visitor explicitly asks for a human.

Three shapes are recognised, each negation-aware ("I don't need an agent" is not a request):
  * a contact verb aimed at a person:  "can I speak to your manager", "chat with a live agent";
  * a want/need verb with a role noun: "I want a real person", "need a human";
  * a message that is nothing but the ask: "agent", "representative please!!";
plus the policy's multi-word phrases anywhere ("someone who can help", "this isn't working").
A role noun owned by the visitor or qualified as another trade ("my travel agent", "password
manager") is a false friend, and past tense ("I spoke to an agent") reports rather than asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from escalation.signals.patterns import NEGATORS, find_phrase
from escalation.signals.text import Text, index_words, word_set

# Who a visitor may ask for. Single-word phrases of the policy's rule are added to these.
PERSON_WORDS = word_set("human humans person someone somebody anyone anybody staff employee")
ROLE_WORDS = word_set("""
    agent agents representative representatives rep operator operators manager managers
    supervisor advisor adviser assistant specialist consultant executive executives expert
    experts associate associates officer
    """)
_TEAM_HEADS = word_set("service services support care team department desk helpdesk")
_TEAM_MODIFIERS = word_set("customer client support billing help sales your the")

# Verbs that aim straight at a person: "speak to", "chat with", "reach", "contact".
CONTACT_VERBS = word_set("""
    talk talking speak speaking chat chatting contact contacting reach reaching connect
    connecting escalate escalating call calling phone ring message messaging email
    """)
# Verbs that hand the visitor over only with "me"/"us" next: "transfer me to an agent",
# never "transfer money to someone".
HANDOVER_VERBS = word_set("transfer transferring put pass hand forward route send get")
_HANDOVER_OBJECTS = word_set("me us")
# Between "call" and the person, these mean the person is the sender, not the one asked for:
# "an email from someone", "a message about the agent".
_GAP_BREAKERS = word_set("from about by for of on")
WANT_VERBS = word_set("want wanna need needs like request requesting demand prefer")

# A word right before the role that makes it somebody else's trade, not the shop's staff.
FALSE_FRIEND_QUALIFIERS = word_set("""
    travel estate insurance booking shipping freight customs user secret free cleaning
    leasing rental literary talent sports property tour password download task package
    file window project ad mobile network virtual ai digital voice google chatbot bot
    transfer
    """)
FALSE_FRIEND_FOLLOWERS = word_set("resources rights error trafficking nature")
POSSESSIVES = word_set("my our his her their mine")

# "I don't know how to reach an agent" and "I could not reach an agent" still ask for one.
_NEGATION_RELEASES = word_set("know understand able sure seem find see")
_INABILITY = word_set("can could was were been")

# Words that can surround the ask in a message that is nothing else ("a live agent please").
_BARE_REQUEST_FILLER = word_set("""
    a an the to i im me want wanna need please pls plz now asap just real live actual human
    talk speak chat with give get let can could may hi hello hey one some your you ok yes
    yeah
    """)
# "can I get a human?", "could we have a manager?"
_POLITE_GETS = word_set("get have")
_MAY_I = {("can", "i"), ("could", "i"), ("may", "i"), ("can", "we"), ("could", "we")}
_ASKING_VERBS = CONTACT_VERBS | HANDOVER_VERBS | WANT_VERBS | _POLITE_GETS | {"switch"}
_CONTACT_STARTS = CONTACT_VERBS | HANDOVER_VERBS | {"switch"}
_ROLE_LINKS = word_set("who that i we can could will would to")
_MODALS = word_set("can could will would please")
_AFTER_ROLE = word_set("can could will would to please")
_MAX_GAP = 4  # tokens allowed between "speak" and "to a bloody live agent"
_STOP_SCAN = POSSESSIVES | _GAP_BREAKERS


def detect_human_request(text: Text, phrases: Sequence[str] = ()) -> str | None:
    """The words asking for a human, or None. `phrases` come from the policy's rule."""
    roles, wanted, multi_word, targets = _vocabulary(tuple(phrases))
    # Every shape but the policy's phrases needs a person or a team in the clause: clauses
    # without one are skipped by a set test instead of being walked word by word.
    present = text.words & targets
    if present:
        asking = [text.clauses[number] for number in sorted(text.clause_numbers(present))]
        for clause in asking:
            if _ASKING_VERBS.isdisjoint(clause):
                continue
            found = _contact_request(clause, roles) or _want_request(clause, wanted)
            if found:
                return found
        if text.has_any(_AFTER_ROLE):
            for clause in asking:
                found = None if roles.isdisjoint(clause) else _role_then_verb(clause, roles)
                if found:
                    return found
    return _bare_request(text, roles) or find_phrase(text, multi_word)


@lru_cache(maxsize=64)
def _vocabulary(
    phrases: tuple[str, ...],
) -> tuple[frozenset[str], frozenset[str], tuple[str, ...], frozenset[str]]:
    """(roles to contact, roles to want, multi-word phrases, the words any shape but the
    phrases needs) for a rule's phrases."""
    single_words = {p.strip().lower() for p in phrases if " " not in p.strip()}
    roles = ROLE_WORDS | PERSON_WORDS | single_words
    targets = roles | _TEAM_HEADS
    index_words(targets)  # the clauses holding them are looked up, not scanned
    # "I need someone to..." is too loose; only named roles and humans count after "want".
    wanted = roles - {"someone", "somebody", "anyone", "anybody"}
    return roles, wanted, tuple(p for p in phrases if " " in p.strip()), targets


def _contact_request(clause: Sequence[str], roles: frozenset[str]) -> str | None:
    for index, word in enumerate(clause):
        if word not in _CONTACT_STARTS:  # a set test first: most words are not verbs
            continue
        if not _is_contact_verb(clause, index) or _negated(clause, index):
            continue
        for gap in range(1, _MAX_GAP + 2):
            if _role_at(clause, index + gap, roles):
                return " ".join(clause[index : index + gap + 1])
            if index + gap < len(clause) and clause[index + gap] in _STOP_SCAN:
                break
    return None


def _is_contact_verb(clause: Sequence[str], index: int) -> bool:
    word = clause[index]
    if word in CONTACT_VERBS:
        return True
    following = clause[index + 1] if index + 1 < len(clause) else ""
    return (
        word in HANDOVER_VERBS
        and following in _HANDOVER_OBJECTS
        or (word == "switch" and following == "to")
    )


def _want_request(clause: Sequence[str], wanted: frozenset[str]) -> str | None:
    for index, word in enumerate(clause):
        asking = word in WANT_VERBS or (
            word in _POLITE_GETS and tuple(clause[max(0, index - 2) : index]) in _MAY_I
        )
        if not asking or _negated(clause, index):
            continue
        for gap in range(1, 4):
            if _role_at(clause, index + gap, wanted):
                return " ".join(clause[index : index + gap + 1])
    return None


def _role_then_verb(clause: Sequence[str], roles: frozenset[str]) -> str | None:
    """The person first, the verb after: "someone I can call", "anyone who can call me
    back", "someone to talk to". ("did someone call me?" has no link word: not a request.)"""
    for index, word in enumerate(clause):
        if word not in roles:
            continue
        asked = index > 0 and clause[index - 1] in _MODALS  # "can someone (from x) call me"
        for gap in range(2, 6):
            link = clause[index + 1 : index + gap]
            verb = clause[index + gap] if index + gap < len(clause) else ""
            after = clause[index + gap + 1] if index + gap + 1 < len(clause) else ""
            linked = gap < 5 and all(token in _ROLE_LINKS for token in link)
            if verb in CONTACT_VERBS and (linked or (asked and after in _HANDOVER_OBJECTS)):
                return " ".join(clause[index : index + gap + 1])
    return None


def _role_at(clause: Sequence[str], index: int, roles: frozenset[str]) -> str | None:
    """The role noun at `index` if it names the shop's people (not a false friend)."""
    if index >= len(clause):
        return None
    word = clause[index]
    before = clause[index - 1] if index > 0 else ""
    after = clause[index + 1] if index + 1 < len(clause) else ""
    # "service" or "team" alone is not a person; "customer service", "your team" are.
    is_role = word in roles or (word in _TEAM_HEADS and before in _TEAM_MODIFIERS)
    if not is_role or after in FALSE_FRIEND_FOLLOWERS:
        return None
    if before in FALSE_FRIEND_QUALIFIERS or before in POSSESSIVES or before in NEGATORS:
        return None
    return word


def _negated(clause: Sequence[str], verb_index: int) -> bool:
    """True when a negator governs the verb: "don't need", "no need to", "without talking"."""
    start = max(0, verb_index - 3)
    for index in range(start, verb_index):
        word = clause[index]
        following = clause[index + 1]
        preceding = clause[index - 1] if index > 0 else ""
        if word not in NEGATORS or following in _NEGATION_RELEASES:
            continue
        if not (word == "not" and preceding in _INABILITY):
            return True
    return False


def declines_human(text: Text) -> bool:
    """True when the visitor says they do not want a person: "I don't need an agent",
    "no need for a human", "not looking to talk to anyone". Mutes the implicit-request
    classifier, which reads words, not their negation."""
    wanted = PERSON_WORDS | ROLE_WORDS
    if text.words.isdisjoint(wanted) or text.words.isdisjoint(NEGATORS):
        return False
    for clause in text.clauses:
        for index, word in enumerate(clause):
            if word in wanted and NEGATORS.intersection(clause[max(0, index - 8) : index]):
                return True
    return False


def _bare_request(text: Text, roles: frozenset[str]) -> str | None:
    """A message that is only the ask: "agent", "a real person please", "customer service"."""
    if not text.words or len(text.words) > 6 or len(text.tokens) > 6:
        return None
    tokens = text.tokens
    asked = [t for t in tokens if t in roles or t in _TEAM_HEADS]
    rest = [t for t in tokens if t not in roles and t not in _TEAM_HEADS]
    teams_only = all(t in _TEAM_HEADS for t in asked)
    if not asked or any(t not in _BARE_REQUEST_FILLER and t != "customer" for t in rest):
        return None
    if teams_only and "customer" not in tokens:
        return None
    return " ".join(tokens)
