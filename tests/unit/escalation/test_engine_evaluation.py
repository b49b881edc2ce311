"""The evaluation helper computes the metrics it promises, on rows and a decide function."""

from escalation.engine import Decision, Snapshot
from escalation.evaluation import evaluate, is_validation, score_rows, summarise
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
    assert metrics["precision_right_category"] == 2 / 4  # and "legal" is not billing_dispute
    assert metrics["recall"] == 4 / 5  # offered counts as caught; "missed" did not
    assert metrics["recall_escalated"] == 3 / 5  # "angry" was only offered a person
    assert metrics["recall_by_category"]["security"] == {
        "rows": 2,
        "escalated": 0.5,
        "caught": 0.5,
        "right_category": 0.5,
    }
    assert metrics["recall_by_category"]["negative_sentiment"]["escalated"] == 0.0
    assert metrics["recall_by_category"]["billing_dispute"]["right_category"] == 0.0
    assert metrics["false_escalation_rate"] == round(1 / 3, 4)
    assert metrics["offer_rate_on_none"] == 0.0
    assert metrics["category_agreement"] == round(3 / 4, 4)  # of the 4 caught, "legal" disagrees
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


def test_validation_split_is_stable_about_a_third_and_never_the_training_only_set() -> None:
    rows = [{"id": f"row:{n}"} for n in range(3000)]
    held = [row for row in rows if is_validation(row)]
    assert 900 < len(held) < 1100
    assert held == [row for row in rows if is_validation(row)]
    written = [{"id": f"row:{n}", "source": "chatsy/written_train"} for n in range(3000)]
    assert not any(map(is_validation, written))
