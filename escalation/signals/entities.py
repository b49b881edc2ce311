"""Facts to hand a human agent: order numbers, invoice ids, amounts, emails, phones, dates.

Amounts are taken at face value in their own currency (no exchange rates: the engine is
pure, and a threshold of 100 reads the same in dollars, euros or pounds to a human).
Numeric dates are read month-first ("03/04/2025" is 4 March) unless the first number is
over 12; a date with no year is its latest occurrence on or before `now`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from typing import Any

from escalation.signals.text import Text, word_set

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CURRENCY_WORDS = {
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "jpy": "JPY",
    "yen": "JPY",
    "inr": "INR",
    "rupees": "INR",
    "cad": "CAD",
    "aud": "AUD",
    "chf": "CHF",
}
_CODES = "usd|eur|gbp|cad|aud|chf|jpy|inr"
_WORDS = "|".join(sorted(_CURRENCY_WORDS, key=len, reverse=True))
_MONEY = re.compile(
    rf"(?P<before>[$€£¥₹]|\b(?:{_CODES}))\s?(?P<number>{_NUMBER})(?![\d])"
    rf"|(?<![\w.,])(?P<amount>{_NUMBER})\s?(?P<after>[$€£¥₹]|(?:{_WORDS})\b)"
)

_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC_DATE = re.compile(
    r"\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})\b"
    r"|\b(?P<na>\d{1,2})[/.](?P<nb>\d{1,2})[/.](?P<ny>\d{4}|\d{2})\b"
)
_NAMED_DATE = re.compile(
    rf"\b(?P<mm>{_MONTH})\.? (?P<md>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (?P<my>\d{{4}}))?"
    rf"|\b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<dm>{_MONTH})\b\.?(?:,? (?P<dy>\d{{4}}))?"
)
_RELATIVE_DATE = re.compile(
    r"\b(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"several|few|couple of) (?P<unit>day|week|month|year)s? (?P<kind>ago|old)\b"
)
# Small numbers written as words: "a pound", "three weeks ago", "nineteen dollars".
_UNITS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
# The counts a relative date is written with ("two weeks ago", "a couple of months old").
_NUMBER_WORDS = {
    **{word: value for word, value in _UNITS.items() if value <= 12},
    "several": 3,
    "few": 3,
    "couple of": 2,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}

_ID = r"(?P<id>(?=[a-z]{0,4}-?\d)[a-z0-9][\w-]{2,})"  # starts alphanumeric, holds a digit
_ORDER_ID = re.compile(
    r"\b(?:order|purchase)(?:\s*(?:number|no\.?|num|id|#))?\s*[:#]?\s*#?\s*"
    + _ID
    + r"|\b(?P<code>ord-?\d[\w-]{3,})"
)
_HASH_ID = re.compile(r"(?<![\w&])#(?P<id>\d{4,})\b")
_INVOICE_ID = re.compile(
    r"\b(?:invoice|receipt|bill)(?:\s*(?:number|no\.?|num|id|#))?\s*[:#]?\s*#?\s*"
    + _ID
    + r"|\b(?P<code>inv-?\d[\w-]{2,})"
)
_DIGITS = b"0123456789"
_ORDER_WORDS = word_set("order purchase ord")
_INVOICE_WORDS = word_set("invoice inv receipt bill")
_RELATIVE_WORDS = word_set("ago old")
_MONTH_WORDS = frozenset(_MONTHS)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w/.-])\+?\(?\d[\d\s().-]{6,}\d(?![\w/])")


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str  # ISO 4217 code
    text: str  # as written


@dataclass(frozen=True)
class Entities:
    """Everything worth copying onto the handoff card, in the order found."""

    order_numbers: tuple[str, ...] = ()
    invoice_ids: tuple[str, ...] = ()
    amounts: tuple[Money, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_numbers": list(self.order_numbers),
            "invoice_ids": list(self.invoice_ids),
            "amounts": [
                {"amount": m.amount, "currency": m.currency, "text": m.text} for m in self.amounts
            ],
            "emails": list(self.emails),
            "phones": list(self.phones),
            "dates": list(self.dates),
        }


def extract_entities(text: Text, amounts: tuple[Money, ...] | None = None) -> Entities:
    """Pull handoff facts out of a prepared message (ids keep the visitor's spelling).
    `amounts` saves a second scan when the caller already ran `find_amounts`.

    Each pattern runs only when a cheap check (a digit, an "@", a keyword) says it can match.
    """
    original, lower = text.original, text.lower
    digits = count_digits(lower)
    orders: tuple[str, ...] = ()
    invoices: tuple[str, ...] = ()
    if digits:
        orders = _ids(_ORDER_ID, text, sorted(text.words & _ORDER_WORDS))
        if "#" in original:
            orders += tuple(i for i in _ids(_HASH_ID, text, ("#",)) if i not in orders)
        invoices = _ids(_INVOICE_ID, text, sorted(text.words & _INVOICE_WORDS))
    dates = _date_texts(text, digits > 0)
    return Entities(
        order_numbers=orders,
        invoice_ids=invoices,
        amounts=find_amounts(lower, text.words) if amounts is None else amounts,
        emails=_unique(m.group(0) for m in _around(original, ("@",), _EMAIL, 64, 64)),
        phones=_phones(original, set(orders) | set(invoices), dates) if digits >= 7 else (),
        dates=dates,
    )


def _around(
    lower: str,
    markers: Iterable[str],
    pattern: re.Pattern[str],
    before: int,
    after: int,
    needs_digit: bool = False,
) -> list[re.Match[str]]:
    """Matches of `pattern` within a few characters of each marker ("$", "ago", "order"):
    a handful of str.find calls instead of a regex pass over the whole message. With
    `needs_digit`, windows without a digit (an "order" with no number after it) are skipped
    by a bytes.find on a digit mask instead of a regex search."""
    mask = lower.encode().translate(_DIGIT_MASK) if needs_digit and lower.isascii() else None
    found: dict[tuple[int, int], re.Match[str]] = {}
    for marker in markers:
        position = lower.find(marker)
        while position != -1:
            window = (max(0, position - before), position + len(marker) + after)
            if mask is None or mask.find(b"0", *window) != -1:
                for match in pattern.finditer(lower, *window):
                    found.setdefault(match.span(), match)
            position = lower.find(marker, position + 1)
    return [found[span] for span in sorted(found)]


def count_digits(text: str) -> int:
    """Digits in `text`, counted in C (bytes.translate), not per character in Python."""
    encoded = text.encode("ascii", "ignore")
    return len(encoded) - len(encoded.translate(None, _DIGITS))


def _ids(pattern: re.Pattern[str], text: Text, markers: Iterable[str]) -> tuple[str, ...]:
    """Ids found after their keyword in the lower-cased text, spelled as the visitor typed."""
    original, lower = text.original, text.lower
    same_length = len(original) == len(lower)  # lower() can change length outside ASCII
    matches = _around(lower, markers, pattern, 0, 40, needs_digit=True)  # an id has a digit
    spans = (m.span("id") if m.group("id") else m.span() for m in matches)
    return _unique(original[a:b] if same_length else lower[a:b] for a, b in spans)


def _date_texts(text: Text, has_digits: bool) -> tuple[str, ...]:
    return tuple(match.group(0) for match in _date_matches(text, has_digits))


def _date_matches(text: Text, has_digits: bool) -> list[re.Match[str]]:
    """Calendar dates around a "/" or "-" or a month name, ages before "ago" or "old"."""
    lower, matches = text.lower, []
    if has_digits:
        matches += _around(lower, ("/", "-"), _NUMERIC_DATE, 5, 6)
        months = sorted(text.words & _MONTH_WORDS)
        matches += _around(lower, months, _NAMED_DATE, 12, 14)
    if text.has_any(_RELATIVE_WORDS):
        matches += _relative_dates(lower)
    return matches


_UNITS_OF_TIME = word_set("day days week weeks month months year years")


def _relative_dates(lower: str) -> list[re.Match[str]]:
    """ "4 months ago", "a few weeks old": the pattern is tried where the words before "ago"
    or "old" could start it (a unit of time just before), not at every character."""
    found: dict[tuple[int, int], re.Match[str]] = {}
    for marker in (" ago", " old"):
        end = lower.find(marker)
        while end != -1:
            unit_start = lower.rfind(" ", 0, end) + 1
            if lower[unit_start:end] in _UNITS_OF_TIME:
                match = _relative_date_before(lower, unit_start, end + len(marker))
                if match:
                    found.setdefault(match.span(), match)
            end = lower.find(marker, end + 1)
    return [found[span] for span in sorted(found)]


def _relative_date_before(lower: str, unit_start: int, end: int) -> re.Match[str] | None:
    # The count is the word before the unit ("4", "a", "several"), or the two before it
    # ("couple of"); anything else falls back to a search of the few characters before.
    start = unit_start - 1
    for _ in range(2):
        start = lower.rfind(" ", 0, start) + 1
        match = _RELATIVE_DATE.match(lower, start, end)
        if match:
            return match
        start -= 1
        if start <= 0:
            break
    return _RELATIVE_DATE.search(lower, max(0, unit_start - 24), end)


# A handoff card needs a few amounts, not the 600 of a pasted "$1 $1 $1 ...", and a message
# with more numbers than MAX_NUMBERS is a table or a bomb: the rest are not looked at.
MAX_AMOUNTS = 32
MAX_NUMBERS = 256


def find_amounts(lower: str, words: frozenset[str] | None = None) -> tuple[Money, ...]:
    """Money amounts written with a currency: "$150", "150 dollars", "€1,200.50", "USD 99",
    and spelled out: "a pound", "twenty-five dollars". `words` (the message's normalised
    tokens, if known) saves looking for the spelled-out currency words in the text."""
    matches = islice(_near_numbers(lower), MAX_AMOUNTS)
    found = [(match.start(), _money(match)) for match in matches]
    found += _spelled_amounts(lower, words)
    return tuple(money for _, money in sorted(found, key=lambda item: item[0])[:MAX_AMOUNTS])


def _money(match: re.Match[str]) -> Money:
    number = match.group("number") or match.group("amount")
    unit = match.group("before") or match.group("after")
    currency = _SYMBOLS.get(unit) or _CURRENCY_WORDS.get(unit, unit.upper())
    return Money(float(number.replace(",", "")), currency, match.group(0).strip())


# Spelled-out amounts ("charged a pound", "only got twenty dollars") are the same amounts as
# "£1" and "$20": the billing threshold must read them alike (units: _UNITS above).
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
_SPELLED_UNITS = {
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "euro": "EUR",
    "euros": "EUR",
}
_SPELLED_UNIT_WORDS = frozenset(_SPELLED_UNITS)
_SPELLED = re.compile(
    rf"\b(?P<spelled>(?:(?:{'|'.join(_TENS)})(?:[ -](?:{'|'.join(_UNITS)}))?|"
    rf"(?:{'|'.join(_UNITS)}))(?: (?:{'|'.join(_SCALES)}))?|{'|'.join(_SCALES)}) "
    rf"(?P<unit>{'|'.join(_SPELLED_UNITS)})\b"
    # "a pound of flour", "a dollar amount", "the pound sign" are not sums of money
    r"(?! (?:amount|sign|symbol|store|shop|coin|note|bill|value|weight|heavier|lighter)\b)"
    r"(?<!pound(?= of))(?<!pounds(?= of))"
)


def _spelled_amounts(lower: str, words: frozenset[str] | None) -> list[tuple[int, Money]]:
    units = (
        sorted(words & _SPELLED_UNIT_WORDS)
        if words is not None
        else [unit for unit in _SPELLED_UNITS if unit in lower]
    )
    if not units:
        return []
    found, covered = [], -1
    for match in _around(lower, [f" {unit}" for unit in units], _SPELLED, 30, 24):
        if match.end() <= covered:
            continue  # "five dollars" inside "twenty-five dollars", seen from a later window
        covered = match.end()
        value = _spelled_value(match.group("spelled"))
        currency = _SPELLED_UNITS[match.group("unit")]
        found.append((match.start(), Money(float(value), currency, match.group(0))))
    return found


def _spelled_value(spelled: str) -> int:
    value = 0
    for word in spelled.replace("-", " ").split():
        if word in _SCALES:
            value = max(value, 1) * _SCALES[word]
        else:
            value += _UNITS.get(word, 0) + _TENS.get(word, 0)
    return value


# An amount is a number with a currency just before ("usd ", "$") or after (" dollars"):
# the money pattern runs only in windows around the runs of digits (found with bytes.find on
# a digit mask) that have a currency sign or word right beside them, checked with str
# methods. Most numbers in a message (order numbers, dates, times) have none.
_BEFORE_NUMBER, _AFTER_NUMBER = 5, 10
_DIGIT_RUN = re.compile(r"\d+")
_DIGIT_MASK = bytes(ord("0") if chr(byte).isdigit() else ord(" ") for byte in range(256))
_SYMBOL_SET = frozenset(_SYMBOLS)
_UNITS_AFTER = tuple(f"{space}{word}" for word in _CURRENCY_WORDS for space in ("", " "))
_CODES_BEFORE = tuple(f"{code}{space}" for code in _CODES.split("|") for space in ("", " "))


def _near_numbers(lower: str) -> Iterator[re.Match[str]]:
    windows: list[list[int]] = []  # [start, end, has a currency beside a number]
    for start, end in islice(_digit_runs(lower), MAX_NUMBERS):
        priced = int(
            not _SYMBOL_SET.isdisjoint(lower[max(0, start - 2) : end + 2])
            or lower.startswith(_UNITS_AFTER, end)
            or lower.endswith(_CODES_BEFORE, max(0, start - 4), start)
        )
        start, end = max(0, start - _BEFORE_NUMBER), end + _AFTER_NUMBER
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end  # overlapping windows merge: each match is found once
            windows[-1][2] |= priced
        else:
            windows.append([start, end, priced])
    return (
        match
        for start, end, priced in windows
        if priced
        for match in _MONEY.finditer(lower, start, end)
    )


def _digit_runs(lower: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of digits."""
    if not lower.isascii():  # byte offsets would not be character offsets
        yield from (run.span() for run in _DIGIT_RUN.finditer(lower))
        return
    mask = lower.encode().translate(_DIGIT_MASK)
    start = mask.find(b"0")
    while start != -1:
        end = mask.find(b" ", start)
        if end == -1:
            end = len(mask)
        yield start, end
        start = mask.find(b"0", end)


def find_dates(text: Text, now: date) -> tuple[date, ...]:
    """Calendar dates ("2025-01-05", "Jan 5th", "5/1/2025") and "4 months ago" style ages."""
    has_digits = count_digits(text.lower) > 0
    found = []
    for match in _date_matches(text, has_digits):
        if match.re is _RELATIVE_DATE:
            count = _NUMBER_WORDS.get(match.group("n")) or int(match.group("n"))
            found.append(now - timedelta(days=count * _UNIT_DAYS[match.group("unit")]))
        elif parsed := _parse_date(match, now):
            found.append(parsed)
    return tuple(found)


def _parse_date(match: re.Match[str], now: date) -> date | None:
    found = {name: value for name, value in match.groupdict().items() if value}
    if "iy" in found:
        return _safe_date(int(found["iy"]), int(found["im"]), int(found["id"]))
    if "na" in found:
        first, second, year = int(found["na"]), int(found["nb"]), int(found["ny"])
        month, day = (second, first) if first > 12 else (first, second)
        return _safe_date(year + 2000 if year < 100 else year, month, day)
    month = _MONTHS[found.get("mm") or found["dm"]]
    day = int(found.get("md") or found["dd"])
    written_year = found.get("my") or found.get("dy")
    if written_year:
        return _safe_date(int(written_year), month, day)
    this_year = _safe_date(now.year, month, day)
    if this_year is not None and this_year > now:
        return _safe_date(now.year - 1, month, day)  # no year: the latest such day so far
    return this_year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _phones(original: str, taken: set[str], dates: tuple[str, ...]) -> tuple[str, ...]:
    phones = []
    for match in _phone_matches(original):
        candidate = match.group(0).strip()
        digits = count_digits(candidate)
        inside_an_id = any(candidate in other or other in candidate for other in taken)
        if 7 <= digits <= 15 and candidate not in dates and not inside_an_id:
            phones.append(candidate)
    return _unique(phones)


def _phone_matches(original: str) -> Iterator[re.Match[str]]:
    """The phone pattern's matches, searched only where at least 7 digits stand together,
    separated by nothing but spaces, dots, dashes and brackets (a regex pass over the whole
    message cost more than the rest of the entities)."""
    clusters: list[list[int]] = []  # [start, end, digits]
    for start, end in islice(_digit_runs(original), MAX_NUMBERS):
        gap = original[clusters[-1][1] : start] if clusters else "x"
        if all(char in "().-" or char.isspace() for char in gap):
            clusters[-1][1:] = [end, clusters[-1][2] + end - start]
        else:
            clusters.append([start, end, end - start])
    for start, end, digits in clusters:
        if digits >= 7:  # fewer make no phone number (see _phones)
            yield from _PHONE.finditer(original, max(0, start - 2), end + 1)


def _unique(items: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# --- the disputed amount ---------------------------------------------------------------------

# Words that set two sums against each other, the one expected and the one got or charged:
# "$20 instead of $100", "only got 20 of the 100 I asked for", "charged 150, quoted 50".
_CONTRAST_WORDS = word_set(
    "instead rather only should shouldve supposed expected quoted told requested asked wanted "
    "tried trying attempted less short than"
)


def disputed_amount(amounts: tuple[Money, ...], text: Text | None = None) -> Money | None:
    """The sum in dispute. Two sums set against each other ("only got $20 of the $100 I
    asked for", "charged $150 instead of $50") dispute their difference: the $80 that never
    came out, the $100 charged too much. Otherwise the largest sum mentioned: "charged $150
    twice" disputes $150, not $300."""
    if not amounts:
        return None
    largest = max(amounts, key=lambda money: money.amount)
    if text is None or not text.has_any(_CONTRAST_WORDS):
        return largest
    sums = sorted({m.amount for m in amounts if m.currency == largest.currency})
    if len(sums) != 2:
        return largest  # one sum (repeated or alone), or too many to pair up
    low = next(m for m in amounts if m.currency == largest.currency and m.amount == sums[0])
    difference = round(largest.amount - low.amount, 2)
    described = (
        f"{difference:g} {largest.currency} (the difference between {low.text} and {largest.text})"
    )
    return Money(difference, largest.currency, described)
