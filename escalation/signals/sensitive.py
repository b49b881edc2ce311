"""Sensitive topics the spec routes to trained specialists: health and safety, harassment
reports, accessibility, and privacy or data concerns. Legal threats are read by
complexity.detect_legal and routed to the legal queue.

Each topic names concrete situations, not bare words: "privacy policy" is a routine question,
"you sold my data" is a concern; "my card is disabled" is not about accessibility.
"""

from __future__ import annotations

from escalation.signals.patterns import GatedPatterns
from escalation.signals.text import Text

_BODY = (
    r"(?:finger|fingers|hand|hands|foot|feet|leg|legs|arm|arms|face|skin|eye|eyes|mouth|lips?|"
    r"head|back|neck|child|son|daughter|kid|kids|baby|dog|cat)"
)

HEALTH_SAFETY = GatedPatterns.build(
    "allergic allergy anaphylaxis anaphylactic injured injury injuries injure hospital "
    "hospitalised hospitalized emergency burn burned burnt burns fire exploded explosion "
    "shock shocked electrocuted choking choke hazard poison poisoned poisoning sick unsafe "
    "dangerous safety health toxic overdose smoke kill killing suicide suicidal harm hurt "
    "life die live cut ill rash rashes hives blister blisters bleeding swelling swollen "
    "itching safe",
    r"\b(?:allergic reaction|anaphyla\w+|injur(?:ed|y|ies|e)|hospitali[sz]ed|"
    r"(?:in|to) (?:the )?hospital|emergency room|electrocuted|food poisoning|poisoned|"
    r"toxic|overdose)\b",
    rf"\b(?:burn(?:ed|t)?|shocked|cut|hurt|injured) (?:me|myself|him|her|(?:my|his|her) {_BODY})\b",
    r"\b(?:caught fire|on fire|exploded|explosion|electric(?:al)? shock|smoke came)\b",
    r"\bchok(?:e|ed|ing)(?: hazard)?\b|\bmade (?:me|us|him|her|my \w+) (?:very |really )?"
    r"(?:sick|ill)\b",
    r"\b(?:rash|rashes|hives|blisters?|bleeding|swelling|swollen|itching)\b",
    r"\bnot safe\b",
    r"\b(?:unsafe|dangerous)\b|\b(?:safety|health) (?:issue|concern|hazard|risk|problem)s?\b",
    r"\b(?:kill(?:ing)? myself|suicid\w+|self harm|hurt(?:ing)? myself|end my life|"
    r"want to die|dont want to live)\b",
)

HARASSMENT = GatedPatterns.build(
    "harass harassed harassing harassment bully bullied bullying stalk stalked stalking "
    "stalker threatened threatening threats intimidated intimidating intimidation "
    "discriminated discrimination discriminating racist racism sexist sexism sexual "
    "sexually inappropriate abused abusive assault assaulted",
    r"\b(?:harass\w*|bull(?:y|ied|ying)|stalk(?:ed|ing|er)|threatened|threatening me|"
    r"intimidat\w+|discriminat\w+|racis[tm]|sexis[tm]|sexual(?:ly)? (?:harass\w*|assault\w*)|"
    r"assault(?:ed)?)\b",
    r"\binappropriate (?:behaviou?r|comments?|messages?|touching|remarks?)\b",
    r"\b(?:abused|abusive) (?:me|by|from|towards|to me)\b|\bverbally abused\b",
)

ACCESSIBILITY = GatedPatterns.build(
    "accessibility accessible screen screenreader wheelchair blind visually vision deaf "
    "hearing disability disabilities disabled dyslexia dyslexic colour color colorblind "
    "colourblind wcag ada captions subtitles sign braille font text keyboard",
    r"\b(?:accessibility|accessible|screen ?reader|wheelchair|blind|visually impaired|"
    r"low vision|deaf|hard of hearing|hearing impaired|disabilit(?:y|ies)|dyslexi\w+|"
    r"colou?r ?blind|wcag|braille|sign language)\b",
    r"\b(?:i am|im|am|being|as a) disabled\b|\bdisabled (?:person|customer|user|people|access)\b",
    r"\bada complian\w+\b|\b(?:no|without|missing) (?:captions|subtitles)\b",
    r"\b(?:text|font) (?:is )?(?:too small|hard to read)\b|\bkeyboard (?:navigation|only)\b",
)

PRIVACY = GatedPatterns.build(
    "privacy private personal data information info details sold shared leaked sell share "
    "selling sharing leak breach access tracking",
    r"\bprivacy\b(?! policy| settings| notice| statement)",
    r"\b(?:personal|private) (?:data|information|info|details)\b(?: \w+){0,3}? "
    r"(?:leaked|exposed|shared|sold|stolen|published|visible|misused)\b",
    r"\b(?:sold|shared|leaked|sell|share|selling|sharing|gave away) (?:my|our) (?:personal )?"
    r"(?:data|information|info|details|email|address|phone number|number)\b",
    r"\bdata (?:breach|leak)\b|\bwho has access to my (?:data|information|account)\b",
    r"\bmy (?:data|information) (?:was|were|has been|have been|is being) (?:leaked|exposed|"
    r"shared|sold|misused)\b",
)

TOPICS = {
    "health_safety": HEALTH_SAFETY,
    "harassment": HARASSMENT,
    "accessibility": ACCESSIBILITY,
    "privacy": PRIVACY,
}


def detect_sensitive(text: Text) -> tuple[str, str] | None:
    """(topic, words) for the first sensitive topic found, or None."""
    for topic, patterns in TOPICS.items():
        found = patterns.find(text)
        if found:
            return topic, found
    return None
