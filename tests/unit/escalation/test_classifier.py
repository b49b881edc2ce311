"""The trained triage classifiers: features, plain-data scoring, explanations, thresholds."""

import json

import pytest

from escalation.model_store import shipped_model
from escalation.signals.classifier import (
    CAPS_FEATURE,
    EXCLAIM_FEATURE,
    LABELS,
    MAX_TOKENS,
    LabelThresholds,
    TriageModel,
    features,
)
from escalation.signals.text import prepare


def tiny_model(**thresholds: LabelThresholds) -> TriageModel:
    return TriageModel(
        version="test",
        labels=("security", "negative_sentiment"),
        intercepts=(-3.0, -3.0),
        weights={
            "hacked": (5.0, 0.0),
            "account": (0.5, 0.0),
            "my account": (1.0, 0.0),
            "useless": (0.0, 4.0),
            CAPS_FEATURE: (0.0, 1.0),
        },
        thresholds=thresholds or {"security": LabelThresholds(0.9, 0.5)},
    )


def test_features_are_unigrams_bigrams_within_clauses_and_shape_flags() -> None:
    found = set(features(prepare("MY ACCOUNT WAS HACKED!! ORDER 123 REF A77, HELP?")))
    assert {"my", "account", "my account", "was hacked", "ref", "<code>", "ref <code>"} <= found
    assert {CAPS_FEATURE, EXCLAIM_FEATURE, "__question__"} <= found
    assert "hacked order" not in found  # "!!" ends the clause
    assert not {"123", "", "order 123"} & found  # a bare number is no evidence


def test_features_read_a_bounded_prefix() -> None:
    long_message = " ".join(f"word{i % 7}x" for i in range(5000)) + " hacked"
    assert "hacked" not in features(prepare(long_message))
    assert len(features(prepare("a " * 5000))) <= 2 * MAX_TOKENS + 3


def test_scores_are_a_logistic_sum_of_present_weights() -> None:
    scores = tiny_model().score(prepare("my account was hacked"))
    assert scores.probability("security") == pytest.approx(1 / (1 + 2.718281828**-3.5), 1e-6)
    assert scores.probability("negative_sentiment") == pytest.approx(1 / (1 + 2.718281828**3))


def test_top_terms_name_what_pushed_a_label_up() -> None:
    scores = tiny_model().score(prepare("my account was hacked"))
    assert scores.top_terms("security") == ("hacked", "my account", "account")
    assert scores.label_score("security").explain().startswith("security 0.97: 'hacked'")
    assert scores.top_terms("negative_sentiment") == ()


def test_round_trip_through_plain_json() -> None:
    model = tiny_model()
    again = TriageModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model


def test_a_model_of_another_format_is_refused() -> None:
    data = tiny_model().to_dict() | {"format": 99}
    with pytest.raises(ValueError, match="format"):
        TriageModel.from_dict(data)


def test_admin_overrides_replace_only_their_labels() -> None:
    model = tiny_model(
        security=LabelThresholds(0.9, 0.5), negative_sentiment=LabelThresholds(0.8, 0.6)
    )
    edited = model.with_thresholds({"security": LabelThresholds(0.7, 0.4)})
    assert edited.threshold("security") == LabelThresholds(0.7, 0.4)
    assert edited.threshold("negative_sentiment") == LabelThresholds(0.8, 0.6)
    model.pushes("security")
    assert edited.with_thresholds({"security": LabelThresholds(0.6, 0.3)}).pushes("security") == {
        "hacked": 5.0,
        "account": 0.5,
        "my account": 1.0,
    }


@pytest.mark.parametrize("escalate_at, offer_at", [(0.5, 0.6), (0.9, 0.0), (1.2, 0.5)])
def test_thresholds_must_be_ordered(escalate_at: float, offer_at: float) -> None:
    with pytest.raises(ValueError):
        LabelThresholds(escalate_at, offer_at)


def test_the_shipped_model_covers_every_label_with_tuned_thresholds() -> None:
    model = shipped_model()
    assert model.labels == LABELS
    for label in LABELS:
        limits = model.threshold(label)
        assert 0 < limits.offer_at <= limits.escalate_at <= 1
    assert model.metrics["validation_rows"] > 1000
