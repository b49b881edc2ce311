"""Facts to hand a human agent: order numbers, invoice ids, amounts, emails, phones, dates.

Amounts are taken at face value in their own currency (no exchange rates: the engine is
pure, and a threshold of 100 reads the same in dollars, euros or pounds to a human).
Numeric dates are read month-first ("03/04/2025" is 4 March) unless the first number is
over 12; a date with no year is its latest occurrence on or before `now`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from escalation.signals.text import Text

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CURRENCY_WORDS = {
    "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "eur": "EUR",
    "euro": "EUR", "euros": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "quid": "GBP", "jpy": "JPY", "yen": "JPY", "inr": "INR", "rupees": "INR",
    "cad": "CAD", "aud": "AUD", "chf": "CHF",
}
_CODES = "usd|eur|gbp|cad|aud|chf|jpy|inr"
_CURRENCY_STEMS = ("usd", "eur", "gbp", "cad", "aud", "chf", "jpy", "inr", "dollar", "buck",
                   "pound", "quid", "yen", "rupee")
_WORDS = "|".join(sorted(_CURRENCY_WORDS, key=len, reverse=True))
_NUMBER_RE = re.compile(rf"(?<![\w.,])(?:{_NUMBER})(?![\d])")
_CURRENCY_BEFORE = re.compile(rf"(?P<unit>[$€£¥₹]|\b(?:{_CODES}))\s?$")
_CURRENCY_AFTER = re.compile(rf"\s?(?P<unit>[$€£¥₹]|(?:{_WORDS})\b)")

_MONTHS = {
    name: index
    for index, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
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
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "several": 3, "few": 3, "couple of": 2,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}

_ORDER_ID = re.compile(
    r"\b(?:order|purchase)(?:\s*(?:number|no\.?|num|id|#))?\s*[:#]?\s*#?\s*"
    r"(?P<id>[a-z]{0,4}-?\d[\w-]{3,})"
    r"|\b(?P<code>ord-?\d[\w-]{3,})"
)
_HASH_ID = re.compile(r"(?<![\w&])#(?P<id>\d{4,})\b")
_INVOICE_ID = re.compile(
    r"\b(?:invoice|inv|receipt|bill)(?:\s*(?:number|no\.?|num|id|#))?\s*[:#]?\s*#?\s*"
    r"(?P<id>[a-z]{0,4}-?\d[\w-]{2,})"
)
_DIGITS = b"0123456789"
_ORDER_WORDS = frozenset("order purchase ord".split())
_INVOICE_WORDS = frozenset("invoice inv receipt bill".split())
_RELATIVE_WORDS = frozenset("ago old".split())
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
        orders = _ids(_ORDER_ID, text) if text.has_any(_ORDER_WORDS) else ()
        if "#" in original:
            orders += tuple(i for i in _ids(_HASH_ID, text) if i not in orders)
        invoices = _ids(_INVOICE_ID, text) if text.has_any(_INVOICE_WORDS) else ()
    dates = _date_texts(text, digits > 0)
    return Entities(
        order_numbers=orders,
        invoice_ids=invoices,
        amounts=find_amounts(lower) if amounts is None else amounts,
        emails=_unique(_EMAIL.findall(original)) if "@" in original else (),
        phones=_phones(original, set(orders) | set(invoices), dates) if digits >= 7 else (),
        dates=dates,
    )


def _has_currency(lower: str) -> bool:
    return any(symbol in lower for symbol in _SYMBOLS) or any(
        word in lower for word in _CURRENCY_STEMS
    )


def count_digits(text: str) -> int:
    """Digits in `text`, counted in C (bytes.translate), not per character in Python."""
    encoded = text.encode("ascii", "ignore")
    return len(encoded) - len(encoded.translate(None, _DIGITS))


def _ids(pattern: re.Pattern[str], text: Text) -> tuple[str, ...]:
    """Matches found in the lower-cased text, spelled as the visitor typed them."""
    original, lower = text.original, text.lower
    same_length = len(original) == len(lower)  # lower() can change length outside ASCII
    spans = (m.span("id") if m.group("id") else m.span() for m in pattern.finditer(lower))
    return _unique(original[a:b] if same_length else lower[a:b] for a, b in spans)


def _date_texts(text: Text, has_digits: bool) -> tuple[str, ...]:
    return tuple(match.group(0) for match in _date_matches(text, has_digits))


def _date_matches(text: Text, has_digits: bool) -> list[re.Match[str]]:
    """Each form runs only when it can match: calendar dates hold a digit (and a month name,
    for "5 May"), relative ones say "ago" or "old"."""
    lower, matches = text.lower, []
    if has_digits:
        matches += _NUMERIC_DATE.finditer(lower)
        if text.has_any(_MONTH_WORDS):
            matches += _NAMED_DATE.finditer(lower)
    if text.has_any(_RELATIVE_WORDS):
        matches += _RELATIVE_DATE.finditer(lower)
    return matches


def find_amounts(lower: str) -> tuple[Money, ...]:
    """Money amounts written with a currency: "$150", "150 dollars", "€1,200.50", "USD 99".

    Numbers are found first (a cheap scan), then the few characters around each one are
    checked for a currency: far cheaper than one currency regex over the whole message."""
    if not _has_currency(lower) or not count_digits(lower):
        return ()
    amounts = []
    for number in _NUMBER_RE.finditer(lower):
        start, end = number.span()
        before = _CURRENCY_BEFORE.search(lower, max(0, start - 5), start)
        after = _CURRENCY_AFTER.match(lower, end, end + 9) if not before else None
        marker = before or after
        if marker:
            unit = marker.group("unit")
            currency = _SYMBOLS.get(unit) or _CURRENCY_WORDS.get(unit, unit.upper())
            text = lower[before.start() if before else start : after.end() if after else end]
            amounts.append(Money(float(number.group(0).replace(",", "")), currency, text.strip()))
    return tuple(amounts)


def find_dates(text: Text, now: date) -> tuple[date, ...]:
    """Calendar dates ("2025-01-05", "Jan 5th", "5/1/2025") and "4 months ago" style ages."""
    has_digits = any(digit in text.lower for digit in "0123456789")
    found = []
    for match in _date_matches(text, has_digits):
        if match.re is _RELATIVE_DATE:
            count = _NUMBER_WORDS.get(match.group("n")) or int(match.group("n"))
            found.append(now - timedelta(days=count * _UNIT_DAYS[match.group("unit")]))
        elif parsed := _parse_date(match, now):
            found.append(parsed)
    return tuple(found)


def _parse_date(match: re.Match[str], now: date) -> date | None:
    g = {"iy": None, "na": None, "my": None, "dy": None, **match.groupdict()}
    if g["iy"]:
        year, month, day = int(g["iy"]), int(g["im"]), int(g["id"])
    elif g["na"]:
        first, second, year = int(g["na"]), int(g["nb"]), int(g["ny"])
        month, day = (second, first) if first > 12 else (first, second)
        year += 2000 if year < 100 else 0
    else:
        month = _MONTHS[g["mm"] or g["dm"]]
        day = int(g["md"] or g["dd"])
        year = int(g["my"] or g["dy"] or now.year)
        if not (g["my"] or g["dy"]) and _safe_date(year, month, day) and date(year, month, day) > now:
            year -= 1
    return _safe_date(year, month, day)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _phones(original: str, taken: set[str], dates: tuple[str, ...]) -> tuple[str, ...]:
    phones = []
    for match in _PHONE.finditer(original):
        candidate = match.group(0).strip()
        digits = count_digits(candidate)
        if 7 <= digits <= 15 and candidate not in taken and candidate not in dates:
            if not any(candidate in other or other in candidate for other in taken):
                phones.append(candidate)
    return _unique(phones)


def _unique(items: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
