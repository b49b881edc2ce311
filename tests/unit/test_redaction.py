"""Customer details out of a knowledge-base draft (escalation.redaction)."""

from __future__ import annotations

from escalation.redaction import redacted
from escalation.signals.text import MAX_CHARS


def test_what_the_extractor_recognises_becomes_a_placeholder():
    text = (
        "Order #48213 was refunded $150; invoice INV-2041 goes to ada.l+shop@example.co.uk, "
        "or call +1 (415) 555-0134."
    )
    assert redacted(text) == (
        "Order [order number] was refunded [amount]; invoice [invoice number] goes to [email], "
        "or call [phone number]."
    )


def test_the_customers_name_is_replaced_as_whole_words_in_any_case():
    text = "Hi ADA, Ada Lovelace's parcel (adamant about it) is late."
    assert redacted(text, names=["Ada Lovelace"]) == (
        "Hi [name], [name] [name]'s parcel (adamant about it) is late."
    )
    assert redacted("Hi Al", names=["Al"]) == "Hi Al"  # too short to be safe to replace


def test_general_text_lines_and_long_text_are_kept():
    plain = "Standard shipping takes 3–5 business days.\n\nExpress takes 1–2."
    assert redacted(plain) == plain
    long = "x" * (MAX_CHARS + 10) + " mail ada@example.com"
    assert redacted(long).endswith(" mail [email]") and "ada@" not in redacted(long)
    assert redacted("") == ""
