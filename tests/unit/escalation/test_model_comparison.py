"""Comparing two triage models on the validation split: hand-computed P/R/F1 and the
"no worse" rule (macro-F1 and the safety labels' recall may not fall by more than 0.5 pt)."""

from __future__ import annotations

import pytest

from escalation.model_comparison import LabelScores, Scores, no_worse, scores_compute, side_by_side

F = frozenset


def test_precision_recall_f1_and_macro_by_hand() -> None:
    truth = [F({"security"}), F({"security"}), F(), F({"human_request"}), F()]
    predicted = [F({"security"}), F(), F({"security"}), F({"human_request"}), F()]
    scores = scores_compute(truth, predicted, ["security", "human_request", "legal"])
    security = scores.label("security")
    assert security == LabelScores("security", 2, 0.5, 0.5, 0.5)
    assert scores.label("human_request") == LabelScores("human_request", 1, 1.0, 1.0, 1.0)
    assert scores.label("legal") is None  # no validation positive: left out of the macro
    assert scores.macro_f1 == pytest.approx(0.75)


def test_one_prediction_per_row() -> None:
    with pytest.raises(ValueError, match="one prediction per validation row"):
        scores_compute([F()], [], ["security"])


def scores(macro: float, human_recall: float | None = None) -> Scores:
    labels = (
        ()
        if human_recall is None
        else (LabelScores("human_request", 10, 1.0, human_recall, macro),)
    )
    return Scores(labels, macro)


@pytest.mark.parametrize(
    "current, new, problems",
    [
        (scores(0.800), scores(0.800), []),
        (scores(0.800), scores(0.796), []),  # 0.4 pt lower: within the tolerance
        (scores(0.800), scores(0.794), ["macro-F1 falls from 0.800 to 0.794"]),
        (scores(0.8, 0.9), scores(0.9, 0.896), []),
        (scores(0.8, 0.9), scores(0.9, 0.890), ["human_request recall falls from 0.900 to 0.890"]),
        (scores(0.8, 0.9), scores(0.9), []),  # no human-request rows in the new split
    ],
)
def test_no_worse_means_within_half_a_point(current, new, problems) -> None:
    found = no_worse(current, new)
    assert [p.split(" (")[0] for p in found] == problems
    assert all("more than 0.5 pt" in p for p in found)


def labelled(**recalls: float) -> Scores:
    return Scores(tuple(LabelScores(name, 10, 1.0, r, 0.8) for name, r in recalls.items()), 0.8)


@pytest.mark.parametrize(
    "label", ["security", "legal", "sensitive_health_safety", "sensitive_harassment",
              "sensitive_accessibility", "sensitive_privacy"],
)  # fmt: skip
def test_a_safety_labels_recall_may_not_fall_more_than_half_a_point(label) -> None:
    current = labelled(**{label: 0.9, "billing_dispute": 0.9})
    assert no_worse(current, labelled(**{label: 0.896, "billing_dispute": 0.9})) == []
    found = no_worse(current, labelled(**{label: 0.890, "billing_dispute": 0.9}))
    assert found == [f"{label} recall falls from 0.900 to 0.890 (more than 0.5 pt)"]


def test_other_labels_trade_recall_within_the_macro_rule() -> None:
    current = labelled(billing_dispute=0.9, policy_exception=0.9, negative_sentiment=0.9)
    new = labelled(billing_dispute=0.7, policy_exception=0.7, negative_sentiment=0.7)
    assert no_worse(current, new) == []  # same macro-F1 (0.8): only the safety labels guard


def test_side_by_side_names_every_label_of_either_model() -> None:
    current = Scores((LabelScores("security", 5, 1.0, 0.4, 0.5714),), 0.5714)
    new = Scores((LabelScores("legal", 3, 0.5, 1.0, 0.6667),), 0.6667)
    lines = side_by_side(current, new)
    assert lines[0].split() == ["label", "current", "P", "R", "F1", "new", "P", "R", "F1"]
    assert lines[1].split() == ["security", "1.000", "0.400", "0.571", "—", "—", "—"]
    assert lines[2].split() == ["legal", "—", "—", "—", "0.500", "1.000", "0.667"]
    assert lines[3].split() == ["macro", "F1", "0.571", "0.667"]
