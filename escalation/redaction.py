"""Customer details out of text that may be published (a knowledge-base draft made from a
chat): what the handoff's extractor recognises (escalation.signals.entities: emails, order and
invoice numbers, phone numbers, amounts) and the customer's own name become placeholders.
Pure: a recogniser misses things, so a person still reviews the result (learning.py says so
at the top of every draft)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from escalation.signals.entities import extract_entities
from escalation.signals.text import MAX_CHARS, prepare

EMAIL, ORDER, INVOICE, PHONE, AMOUNT, NAME = (
    "[email]",
    "[order number]",
    "[invoice number]",
    "[phone number]",
    "[amount]",
    "[name]",
)


def redacted(text: str, *, names: Iterable[str] = ()) -> str:
    """`text` with every recognised detail replaced by its placeholder, line by line (the
    extractor reads at most MAX_CHARS at a time). `names`: the customer's, each word of at
    least 3 letters replaced as a whole word, in any case."""
    words = sorted({w for name in names for w in name.split() if len(w) >= 3}, key=len)
    lines = [_redacted_line(line) for line in text.split("\n")]
    out = "\n".join(lines)
    for word in reversed(words):  # the longest first: "Lovelace" before "Love"
        out = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", NAME, out, flags=re.IGNORECASE)
    return out


def _redacted_line(line: str) -> str:
    return "".join(
        _redacted_chunk(line[start : start + MAX_CHARS])
        for start in range(0, max(len(line), 1), MAX_CHARS)
    )


def _redacted_chunk(chunk: str) -> str:
    found = extract_entities(prepare(chunk))
    replacements = [
        *((email, EMAIL) for email in found.emails),
        *((amount.text, AMOUNT) for amount in found.amounts),
        *((phone, PHONE) for phone in found.phones),
        *((number, ORDER) for number in found.order_numbers),
        *((number, INVOICE) for number in found.invoice_ids),
    ]
    # The longest first, so a number inside an email or a phone number is not cut in two.
    for seen, placeholder in sorted(replacements, key=lambda r: -len(r[0])):
        if not seen.strip():
            continue
        # An order number written "#48213" loses its "#" too.
        pattern = rf"#?(?<![\w]){re.escape(seen)}(?![\w])"
        chunk = re.sub(pattern, placeholder, chunk, flags=re.IGNORECASE)
    return chunk
