"""Supervisors' labels never reach the frozen validation split by repeating one of its texts."""

from __future__ import annotations

from escalation.evaluation import comparable_text, without_validation_texts


def test_comparable_text_ignores_case_punctuation_and_spacing():
    assert comparable_text("  Hacked,   my ACCOUNT!! ") == "hacked my account"
    assert comparable_text("refund_now") == "refund now"


def test_examples_repeating_a_validation_text_are_dropped_and_counted():
    examples = [{"text": "Hacked, my ACCOUNT!"}, {"text": "Where is my parcel?"}]
    kept, dropped = without_validation_texts(examples, [{"text": "hacked my   account"}])
    assert (kept, dropped) == ([{"text": "Where is my parcel?"}], 1)
    assert without_validation_texts(examples, []) == (examples, 0)
    assert without_validation_texts([], [{"text": "x"}]) == ([], 0)
