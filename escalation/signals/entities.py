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
_WORDS = "|".join(sorted(_CURRENCY_WORDS, key=len, reverse=True))
_MONEY = re.compile(
    rf"(?P<sym1>[$€£¥₹])\s?(?P<num1>{_NUMBER})"
    rf"|\b(?P<code2>{_CODES})\s?(?P<num2>{_NUMBER})"
    rf"|(?<![\w.,])(?P<num3>{_NUMBER})\s?(?:(?P<sym3>[$€£¥₹])|(?P<word3>{_WORDS})\b)"
)
_MONEY_HINTS = ("$", "€", "£", "¥", "₹", "usd", "eur", "gbp", "dollar", "pound", "euro",
                "buck", "quid", "yen", "rupee", "cad", "aud", "chf", "jpy", "inr")

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
_DATE = re.compile(
    r"\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})\b"
    r"|\b(?P<na>\d{1,2})[/.](?P<nb>\d{1,2})[/.](?P<ny>\d{4}|\d{2})\b"
    rf"|\b(?P<mm>{_MONTH})\.? (?P<md>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (?P<my>\d{{4}}))?"
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
    r"\b(?:order|purchase|ord)(?:\s*(?:number|no\.?|num|id|#))?\s*[:#]?\s*#?\s*"
    r"(?P<id>[a-z]{0,4}-?\d[\w-]{3,})",
    re.IGNORECASE,
)
_HASH_ID = re.compile(r"(?<![\w&])#(?P<id>\d{4,})\b")
_INVOICE_ID = re.compile(
    r"\b(?:invoice|inv|receipt|bill)(?:\s*(?:number|no\.?|num|id|#))?\s*[:#]?\s*#?\s*"
    r"(?P<id>[a-z]{0,4}-?\d[\w-]{2,})",
    re.IGNORECASE,
)
_DROP_DIGITS = str.maketrans("", "", "0123456789")
_ORDER_WORDS = frozenset("order orders purchase ord".split())
_INVOICE_WORDS = frozenset("invoice inv receipt bill".split())
_RELATIVE_WORDS = frozenset("ago old".split())
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


def extract_entities(text: Text) -> Entities:
    """Pull handoff facts out of a prepared message (ids keep the visitor's spelling).

    Each pattern runs only when a cheap check (a digit, an "@", a keyword) says it can match.
    """
    original, lower = text.original, text.lower
    digits = len(lower) - len(lower.translate(_DROP_DIGITS))
    orders: tuple[str, ...] = ()
    invoices: tuple[str, ...] = ()
    if digits:
        orders = _ids(_ORDER_ID, original) if text.has_any(_ORDER_WORDS) else ()
        if "#" in original:
            orders += tuple(i for i in _ids(_HASH_ID, original) if i not in orders)
        invoices = _ids(_INVOICE_ID, original) if text.has_any(_INVOICE_WORDS) else ()
    dates = _date_texts(text, digits > 0)
    return Entities(
        order_numbers=orders,
        invoice_ids=invoices,
        amounts=find_amounts(lower),
        emails=_unique(_EMAIL.findall(original)) if "@" in original else (),
        phones=_phones(original, set(orders) | set(invoices), dates) if digits >= 7 else (),
        dates=dates,
    )


def _ids(pattern: re.Pattern[str], original: str) -> tuple[str, ...]:
    return _unique(match.group("id") for match in pattern.finditer(original))


def _date_texts(text: Text, has_digits: bool) -> tuple[str, ...]:
    # Every calendar form holds a digit; every relative one says "ago" or "old".
    found = tuple(m.group(0) for m in _DATE.finditer(text.lower)) if has_digits else ()
    if text.has_any(_RELATIVE_WORDS):
        found += tuple(m.group(0) for m in _RELATIVE_DATE.finditer(text.lower))
    return found


def find_amounts(lower: str) -> tuple[Money, ...]:
    """Money amounts written with a currency: "$150", "150 dollars", "€1,200.50", "USD 99"."""
    if not any(hint in lower for hint in _MONEY_HINTS):
        return ()
    amounts = []
    for match in _MONEY.finditer(lower):
        groups = match.groupdict()
        number = groups["num1"] or groups["num2"] or groups["num3"] or "0"
        unit = groups["sym1"] or groups["code2"] or groups["sym3"] or groups["word3"] or ""
        currency = _SYMBOLS.get(unit) or _CURRENCY_WORDS.get(unit, unit.upper())
        amounts.append(Money(float(number.replace(",", "")), currency, match.group(0).strip()))
    return tuple(amounts)


def find_dates(lower: str, now: date) -> tuple[date, ...]:
    """Calendar dates ("2025-01-05", "Jan 5th", "5/1/2025") and "4 months ago" style ages."""
    found = [parsed for m in _DATE.finditer(lower) if (parsed := _parse_date(m, now))]
    if " ago" not in lower and " old" not in lower:
        return tuple(found)
    for match in _RELATIVE_DATE.finditer(lower):
        count = _NUMBER_WORDS.get(match.group("n")) or int(match.group("n"))
        found.append(now - timedelta(days=count * _UNIT_DAYS[match.group("unit")]))
    return tuple(found)


def _parse_date(match: re.Match[str], now: date) -> date | None:
    g = match.groupdict()
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
        digits = sum(ch.isdigit() for ch in candidate)
        if 7 <= digits <= 15 and candidate not in taken and candidate not in dates:
            if not any(candidate in other or other in candidate for other in taken):
                phones.append(candidate)
    return _unique(phones)


def _unique(items: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
