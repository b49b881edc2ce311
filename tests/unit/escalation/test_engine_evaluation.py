"""The evaluation helper computes the metrics it promises, on rows and a decide function."""

import json
from pathlib import Path

import pytest

from escalation.engine import Decision, Snapshot
from escalation.evaluation import evaluate, is_holdout, load_rows, main, score_rows, summarise
from escalation.policy import Action, Priority
from escalation.signals.sentiment import Sentiment

SCRIPT = {  # message -> (action, category) the fake engine answers
    "agent": (Action.ESCALATE, "human_request"),
    "hacked": (Action.ESCALATE, "security"),
    "angry": (Action.ACKNOWLEDGE_OFFER, "negative_sentiment"),
    "missed": (Action.RESPOND, "none"),
    "fine": (Action.RESPOND, "none"),
    "oops": (Action.ESCALATE, "negative_sentiment"),
    "wrong category": (Action.ESCALATE, "legal"),
}
ROWS = [
    {"text": "agent", "expected": "human_request"},
    {"text": "hacked", "expected": "security"},
    {"text": "angry", "expected": "negative_sentiment"},
    {"text": "missed", "expected": "security"},
    {"text": "fine", "expected": "none"},
    {"text": "fine", "expected": "none"},
    {"text": "oops", "expected": "none"},
    {"text": "wrong category", "expected": "billing_dispute"},
    {"text": "fine", "expected": "answerable"},
    {"text": "fine", "expected": "out_of_scope"},
]


def fake_decide(snapshot: Snapshot) -> Decision:
    action, category = SCRIPT[snapshot.message]
    return Decision(action, category, Priority.NORMAL, "general", (), Sentiment(0.0))


def test_metrics() -> None:
    metrics = summarise(score_rows(ROWS, fake_decide))
    assert metrics["rows"] == 8  # answerable / out_of_scope skipped
    assert metrics["escalation_rate"] == 4 / 8
    assert metrics["offer_rate"] == 1 / 8
    assert metrics["precision"] == 3 / 4  # "oops" escalated a none row
    assert metrics["recall"] == 4 / 5  # offered counts as caught; "missed" did not
    assert metrics["recall_by_category"] == {
        "billing_dispute": 1.0,
        "human_request": 1.0,
        "negative_sentiment": 1.0,
        "security": 0.5,
    }
    assert metrics["false_escalation_rate"] == round(1 / 3, 4)
    assert metrics["category_agreement"] == round(2 / 3, 4)  # "legal" is not billing_dispute
    assert metrics["latency_p50_us"] is not None and metrics["latency_p99_us"] is not None


def test_evaluate_shape() -> None:
    report = evaluate({"a": ROWS[:4], "b": ROWS[4:]}, fake_decide)
    assert set(report) == {"files", "overall"} and set(report["files"]) == {"a", "b"}
    assert report["overall"]["rows"] == 8
    for key in (
        "rows",
        "escalation_rate",
        "offer_rate",
        "precision",
        "recall",
        "false_escalation_rate",
        "latency_p50_us",
        "latency_p99_us",
        "recall_by_category",
    ):
        assert key in report["overall"]


def test_holdout_split_is_stable_and_about_a_third() -> None:
    rows = [{"id": f"row:{n}"} for n in range(3000)]
    held = [row for row in rows if is_holdout(row)]
    assert 900 < len(held) < 1100
    assert held == [row for row in rows if is_holdout(row)]


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mini.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"id": 1, "text": "I want to talk to a human", "expected": "human_request"},
                {"id": 2, "text": "Where is my order?", "expected": "none"},
            ]
        )
    )
    assert load_rows(path)[0]["id"] == 1
    assert main([str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"]["mini"]["recall_by_category"] == {"human_request": 1.0}
    assert report["overall"]["false_escalation_rate"] == 0.0
