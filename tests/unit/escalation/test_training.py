"""Training the triage classifiers: labels from rows, the frozen split, export as plain data."""

import random

import pytest

from escalation.evaluation import is_validation
from escalation.signals.classifier import LABELS
from escalation.signals.text import prepare
from escalation.training import read_model, row_labels, train, write_model
from tests.support.synthetic_triage import ROUTINE, SECURITY


def synthetic_rows() -> list[dict]:
    rng = random.Random(7)
    rows = []
    for number in range(600):
        security = number % 4 == 0
        words = rng.choice(SECURITY if security else ROUTINE)
        rows.append(
            {
                "id": f"synthetic:{number}",
                "text": f"{words} {rng.choice(['please', 'today', 'thanks', ''])}".strip(),
                "expected": "security" if security else "none",
            }
        )
    return rows


@pytest.mark.parametrize(
    "row, labels",
    [
        ({"expected": "none", "text": "hi"}, set()),
        ({"expected": "refund_exception", "text": "x"}, {"policy_exception"}),
        ({"expected": "sensitive", "topic": "harassment", "text": "x"}, {"sensitive_harassment"}),
        (
            {"expected": "sensitive", "text": "x", "source": "hellohaptik/HINT3@99:train.csv"},
            {"sensitive_health_safety"},
        ),
        (
            {"expected": "billing_dispute", "labels": ["billing_dispute", "negative_sentiment"]},
            {"billing_dispute", "negative_sentiment"},
        ),
        ({"expected": "none", "labels": ["billing_dispute"]}, {"billing_dispute"}),
    ],
)
def test_row_labels(row: dict, labels: set[str]) -> None:
    assert row_labels(row) == labels


def test_training_never_sees_the_validation_split_and_separates_the_classes(tmp_path) -> None:
    rows = synthetic_rows()
    model, reports = train(rows, version="test", progress=lambda line: None)
    validation = [row for row in rows if is_validation(row)]
    assert model.metrics["validation_rows"] == len(validation)
    assert model.metrics["trained_rows"] == len(rows) - len(validation)
    assert model.labels == LABELS
    security = next(report for report in reports if report.label == "security")
    assert security.auc > 0.95
    assert security.precision >= 0.95
    hacked = model.score(prepare("my account was hacked")).probability("security")
    routine = model.score(prepare("where is my order")).probability("security")
    assert hacked >= model.threshold("security").escalate_at > routine

    write_model(model, tmp_path / "model.json")
    assert read_model(tmp_path / "model.json") == model


def test_labels_with_too_few_examples_stay_off() -> None:
    model, _ = train(synthetic_rows(), version="test", progress=lambda line: None)
    legal = model.score(prepare("my lawyer will sue you")).probability("legal")
    assert legal < model.threshold("legal").offer_at
