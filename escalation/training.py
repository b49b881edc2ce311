"""Train the triage classifiers (`escalation.signals.classifier`) with scikit-learn.

Used by `python manage.py escalation_train` only: scikit-learn is the optional `train`
dependency, never imported at run time. The rows come from the data files in
`escalation/data/` (their sources and licences are in its README). A third of every file,
chosen by a hash of the row id, is the frozen validation split: training never sees it,
and each label's thresholds are chosen on it for precision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escalation import evaluation
from escalation import model_comparison as comparison
from escalation.evaluation import is_validation
from escalation.model_store import DATA_DIR, MODEL_PATH
from escalation.signals.classifier import (
    LABELS,
    SENSITIVE_PREFIX,
    LabelThresholds,
    TriageModel,
    features,
)
from escalation.signals.sentiment import score_sentiment
from escalation.signals.text import cap, prepare_cached

if TYPE_CHECKING:  # numpy comes with scikit-learn, the `train` extra: annotations only.
    import numpy as np
    from numpy.typing import NDArray

# Everything in the repository that training may use: the shipped eval files and the sets
# the developers wrote. Files outside the repository come in only as explicit extra paths.
DEFAULT_FILES = (
    *sorted((DATA_DIR / "eval").glob("*.jsonl")),
    DATA_DIR / "shop_domain.jsonl",
    DATA_DIR / "written_train.jsonl",
)

# Labels a row's `expected` implies when it has no explicit `labels` list.
_EXPECTED_LABELS = {
    "human_request": "human_request",
    "negative_sentiment": "negative_sentiment",
    "security": "security",
    "billing_dispute": "billing_dispute",
    "legal": "legal",
    "policy_exception": "policy_exception",
    "refund_exception": "policy_exception",
}
# Sensitive rows of the eval files name no topic: their source does.
_SOURCE_TOPICS = {
    "AbhilashaRavichander/PrivacyQA_EMNLP": "privacy",
    "hellohaptik/HINT3": "health_safety",
}

# Medium-confidence label mappings (a "not abusive" tweet is only probably calm) weigh less.
MAPPING_WEIGHTS = {"high": 1.0, "medium": 0.6}
TARGET_PRECISION = 0.95  # escalate at the lowest probability with this precision
OFFER_FALSE_RATE = 0.015  # offer at the lowest probability that offers this share of `none`
OFFER_FLOOR = 0.35  # never offer below this probability
C_VALUES = (0.5, 1.0, 2.0, 4.0)
POSITIVE_WEIGHT_POWER = 0.5
MIN_WEIGHT = 0.01  # features whose every weight is smaller are left out of the export
MIN_POSITIVES = 10  # a label with fewer training examples stays off

Row = Mapping[str, Any]
Progress = Callable[[str], None]


def load_rows(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Every row of the files, each knowing its file (thresholds look at files one by one)."""
    rows = []
    for path in paths:
        for number, row in enumerate(evaluation.load_rows(path), 1):
            row.setdefault("id", f"{path.name}:{number}")
            rows.append({**row, "file": path.name})
    return rows


def row_labels(row: Row) -> frozenset[str]:
    """The classifier labels a row is positive for."""
    if "labels" in row:
        names = set()
        for label in row["labels"]:
            if label == "sensitive":
                names.add(SENSITIVE_PREFIX + str(row.get("topic") or "privacy"))
            else:
                names.add(_EXPECTED_LABELS.get(label, label))
        return frozenset(name for name in names if name in LABELS)
    expected = row.get("expected", "none")
    if expected == "sensitive":
        topic = row.get("topic") or _source_topic(str(row.get("source", "")))
        return frozenset({SENSITIVE_PREFIX + topic})
    label = _EXPECTED_LABELS.get(expected)
    return frozenset({label}) if label else frozenset()


def _source_topic(source: str) -> str:
    return next((t for prefix, t in _SOURCE_TOPICS.items() if source.startswith(prefix)), "privacy")


def _message_features(message: str) -> list[str]:
    """What the engine scores: the prepared text with its sentiment."""
    text = prepare_cached(cap(message))
    return features(text, score_sentiment(text))


@dataclass
class LabelReport:
    label: str
    positives: int
    auc: float
    thresholds: LabelThresholds
    precision: float  # at escalate_at, on the validation split
    recall_escalate: float
    recall_offer: float  # escalate or offer


def train(
    rows: Sequence[Row], *, version: str | None = None, progress: Progress = print
) -> tuple[TriageModel, list[LabelReport]]:
    """Fit one logistic regression per label on the training rows; thresholds on validation."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    training = [row for row in rows if not is_validation(row)]
    validation = [row for row in rows if is_validation(row)]
    progress(f"{len(training):,} training rows, {len(validation):,} validation rows (frozen)")
    vectorizer = CountVectorizer(analyzer=_message_features, binary=True, min_df=2)
    x_train = vectorizer.fit_transform([row["text"] for row in training])
    x_valid = vectorizer.transform([row["text"] for row in validation])
    weights = np.array([MAPPING_WEIGHTS.get(row.get("mapping", "high"), 1.0) for row in training])
    # Per file, the validation rows expected to stay with the bot: the offer threshold must
    # keep false offers rare in every file, not only on average (easy files would hide a
    # hard one's false offers).
    none_by_file = {
        name: np.array(
            [row.get("expected") == "none" and row.get("file") == name for row in validation]
        )
        for name in sorted({row.get("file", "") for row in validation})
    }
    progress(f"{x_train.shape[1]:,} features")

    coefficients, intercepts, reports = [], [], []
    for number, label in enumerate(LABELS, 1):
        y_train = np.array([label in row_labels(row) for row in training])
        y_valid = np.array([label in row_labels(row) for row in validation])
        if y_train.sum() < MIN_POSITIVES:
            progress(f"[{number}/{len(LABELS)}] {label}: fewer than {MIN_POSITIVES} examples, off")
            coefficients.append(np.zeros(x_train.shape[1]))
            intercepts.append(-10.0)
            continue
        auc, c, classifier, scores = _fit_label(x_train, y_train, weights, x_valid, y_valid)
        thresholds = choose_thresholds(
            scores, y_valid, {name: rows & ~y_valid for name, rows in none_by_file.items()}
        )
        report = _report(label, y_valid, scores, auc, thresholds)
        reports.append(report)
        coefficients.append(classifier.coef_[0])
        intercepts.append(float(classifier.intercept_[0]))
        progress(
            f"[{number}/{len(LABELS)}] {label:<26} C={c:<4g} AUC {auc:.3f}  "
            f"escalate≥{thresholds.escalate_at:.2f} P {report.precision:.3f} "
            f"R {report.recall_escalate:.3f}  offer≥{thresholds.offer_at:.2f} "
            f"R {report.recall_offer:.3f}  ({report.positives} positives)"
        )
    matrix = np.vstack(coefficients).T  # features × labels
    terms = vectorizer.get_feature_names_out()
    keep = np.abs(matrix).max(axis=1) >= MIN_WEIGHT
    exported = {
        str(term): tuple(round(float(w), 4) for w in row)
        for term, row, kept in zip(terms, matrix, keep, strict=True)
        if kept
    }
    progress(f"exporting {len(exported):,} of {len(terms):,} features")
    model = TriageModel(
        version=version or datetime.now(UTC).strftime("%Y%m%d-%H%M%S"),
        labels=LABELS,
        intercepts=tuple(round(v, 4) for v in intercepts),
        weights=exported,
        thresholds={report.label: report.thresholds for report in reports},
        metrics={
            "trained_rows": len(training),
            "validation_rows": len(validation),
            "labels": {r.label: _report_dict(r) for r in reports},
        },
    )
    return model, reports


def _fit_label(x_train: Any, y_train: Any, weights: Any, x_valid: Any, y_valid: Any) -> Any:
    """The logistic regression with the best validation AUC over C_VALUES, with its AUC, C
    and validation scores. Positives weigh the square root of the class imbalance: fully
    balanced weights made over-confident scores ("did someone call me?" -> 1.0), none made
    rare labels timid."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    ratio = float((~y_train).sum()) / float(y_train.sum())
    class_weight = {False: 1.0, True: ratio**POSITIVE_WEIGHT_POWER}
    best = None
    for c in C_VALUES:
        classifier = LogisticRegression(
            C=c, class_weight=class_weight, max_iter=2000, solver="liblinear"
        )
        classifier.fit(x_train, y_train, sample_weight=weights)
        scores = classifier.predict_proba(x_valid)[:, 1]
        auc = roc_auc_score(y_valid, scores) if 0 < y_valid.sum() < len(y_valid) else 0.0
        if best is None or auc > best[0]:
            best = (float(auc), c, classifier, scores)
    return best


def choose_thresholds(
    scores: NDArray[np.float64],
    positives: NDArray[np.bool_],
    none_by_file: Mapping[str, NDArray[np.bool_]],
) -> LabelThresholds:
    """Escalate from the lowest score with TARGET_PRECISION on validation; offer from the
    lowest score that offers at most OFFER_FALSE_RATE of the `none` rows of any one file."""
    import numpy as np

    order = np.argsort(-scores)
    sorted_scores, sorted_positive = scores[order], positives[order]
    precision = np.cumsum(sorted_positive) / np.arange(1, len(scores) + 1)
    escalate_at = 0.99
    for index in range(len(scores) - 1, -1, -1):
        if precision[index] >= TARGET_PRECISION and sorted_scores[index] >= 0.5:
            escalate_at = float(sorted_scores[index])
            break
    offer_at = OFFER_FLOOR
    for none_rows in none_by_file.values():
        none_scores = np.sort(scores[none_rows])[::-1]
        allowed = int(len(none_scores) * OFFER_FALSE_RATE)
        if len(none_scores) > allowed:
            offer_at = max(offer_at, float(none_scores[allowed]) + 1e-4)
    return LabelThresholds(
        escalate_at=round(max(escalate_at, offer_at), 4), offer_at=round(min(offer_at, 1.0), 4)
    )


def _report(
    label: str,
    positives: NDArray[np.bool_],
    scores: NDArray[np.float64],
    auc: float,
    thresholds: LabelThresholds,
) -> LabelReport:
    escalated = scores >= thresholds.escalate_at
    offered = scores >= thresholds.offer_at
    count = int(positives.sum())
    true = int((escalated & positives).sum())
    return LabelReport(
        label=label,
        positives=count,
        auc=float(auc),
        thresholds=thresholds,
        precision=true / int(escalated.sum()) if escalated.sum() else 0.0,
        recall_escalate=true / count if count else 0.0,
        recall_offer=int((offered & positives).sum()) / count if count else 0.0,
    )


def _report_dict(report: LabelReport) -> dict[str, float]:
    return {
        "positives": report.positives,
        "auc": round(report.auc, 4),
        "precision": round(report.precision, 4),
        "recall_escalate": round(report.recall_escalate, 4),
        "recall_offer": round(report.recall_offer, 4),
    }


def write_model(model: TriageModel, path: Path = MODEL_PATH) -> None:
    """Plain JSON, one weight row per line: diffs of a retrained model stay readable."""
    data = model.to_dict()
    weights = data.pop("weights")
    head = json.dumps(data, indent=1, sort_keys=True)[:-2]
    rows = ",\n".join(
        f"  {json.dumps(term)}: {json.dumps(row)}" for term, row in sorted(weights.items())
    )
    path.write_text(f'{head},\n "weights": {{\n{rows}\n }}\n}}\n', encoding="utf-8")


def read_model(path: Path = MODEL_PATH) -> TriageModel:
    return TriageModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def validation_scores(
    model: TriageModel, rows: Sequence[Row], *, progress: Progress = print
) -> comparison.Scores:
    """The model's per-label precision/recall/F1 on these (validation) rows, flagging a label
    when its probability reaches the model's own `escalate_at`."""
    truth, predicted = [], []
    for number, row in enumerate(rows, 1):
        text = prepare_cached(cap(row["text"]))
        scores = model.score(text, score_sentiment(text))
        truth.append(row_labels(row))
        predicted.append(
            frozenset(
                label
                for label in model.labels
                if scores.probability(label) >= model.threshold(label).escalate_at
            )
        )
        if number % 2000 == 0:
            progress(f"  scored {number:,}/{len(rows):,} rows")
    return comparison.scores_compute(truth, predicted, model.labels)
