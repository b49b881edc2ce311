"""Re-fit the confidence model and report how it separates answerable from out-of-scope.

    python -m conversations.assistant.calibrate [path/to/answerability.jsonl ...]

Without paths it reads the repository's calibration data (conversations/assistant/data/, see
its README): the answerability dev set and the rows the Chatsy developers wrote. Rows whose
id's crc32 is 0 mod 3 are held out of the fit (a frozen split); metrics are printed for the
fitted part, the held-out part and everything, per file and together, for the stored
coefficients (before) and the re-fit ones (after). Copy the printed constants into
confidence.py when they should change.
"""

from __future__ import annotations

import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from conversations.assistant.confidence import (
    COEFFICIENTS,
    FEATURE_NAMES,
    INTERCEPT,
    RetrievalSignals,
    assess,
    confidence,
    sigmoid,
)
from conversations.assistant.knowledge_base import load_demo_index
from conversations.assistant.retrieval import KnowledgeIndex

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATHS = (DATA_DIR / "answerability_dev.jsonl", DATA_DIR / "answerability_written.jsonl")
# L2 penalty on the coefficients (not the intercept): keeps them small and stable.
L2_PENALTY = 1.0
# The share of answerable questions the confidence is calibrated for. The dev file has 4:1;
# a store's chat sees mostly store questions too, but we assume a more cautious 2:1, so a
# stray out-of-scope question is not over-trusted. Rows are re-weighted to this prior.
ANSWERABLE_PRIOR = 2 / 3
NEWTON_STEPS = 50
# The rows written for the shop count three times. The dev set's out-of-scope rows rarely
# share a word with a store's articles; the written ones do on purpose ("how do I open a bank
# account", "how do i write c++"), and without the weight ~50 of them would be outvoted by
# 650 easy rows. Keyed by file name (stem).
FILE_WEIGHTS: dict[str, float] = {"answerability_written": 3.0}


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    answerable: bool
    signals: RetrievalSignals
    held_out: bool
    file: str = ""


def load_examples(path: Path, index: KnowledgeIndex) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        assessment = assess(index, row["text"])
        examples.append(
            Example(
                id=row["id"],
                text=row["text"],
                answerable=row["expected"] == "answerable",
                signals=assessment.signals,
                held_out=is_held_out(row["id"]),
                file=path.stem,
            )
        )
    return examples


def is_held_out(row_id: str) -> bool:
    """A stable split (unlike hash(), crc32 does not change between runs)."""
    return zlib.crc32(row_id.encode()) % 3 == 0


def fit(examples: list[Example]) -> tuple[float, dict[str, float]]:
    """L2-regularised logistic regression by Newton's method, rows weighted to the prior
    (and by FILE_WEIGHTS).

    Questions with no matching article are left out: confidence() gives them 0 by rule.
    """
    examples = [example for example in examples if example.signals.top_score > 0]
    mass = {True: 0.0, False: 0.0}
    for example in examples:
        mass[example.answerable] += FILE_WEIGHTS.get(example.file, 1.0)
    total = mass[True] + mass[False]
    prior = {
        True: ANSWERABLE_PRIOR * total / mass[True],
        False: (1 - ANSWERABLE_PRIOR) * total / mass[False],
    }
    rows = [[1.0, *example.signals.features()] for example in examples]
    size = len(FEATURE_NAMES) + 1
    beta = [0.0] * size
    for _ in range(NEWTON_STEPS):
        gradient = [0.0] * size
        hessian = [[0.0] * size for _ in range(size)]
        for row, example in zip(rows, examples, strict=True):
            p = sigmoid(sum(b * x for b, x in zip(beta, row, strict=True)))
            w = prior[example.answerable] * FILE_WEIGHTS.get(example.file, 1.0)
            for i in range(size):
                gradient[i] += w * (p - example.answerable) * row[i]
                for j in range(size):
                    hessian[i][j] += w * p * (1 - p) * row[i] * row[j]
        for i in range(1, size):
            gradient[i] += L2_PENALTY * beta[i]
            hessian[i][i] += L2_PENALTY
        step = _solve(hessian, gradient)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
    return beta[0], dict(zip(FEATURE_NAMES, beta[1:], strict=True))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gauss-Jordan elimination with partial pivoting (the system is tiny and well-posed)."""
    size = len(vector)
    augmented = [row[:] + [value] for row, value in zip(matrix, vector, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(augmented[r][column]))
        augmented[column], augmented[pivot] = augmented[pivot], augmented[column]
        for row in range(size):
            if row != column:
                factor = augmented[row][column] / augmented[column][column]
                augmented[row] = [
                    a - factor * b for a, b in zip(augmented[row], augmented[column], strict=True)
                ]
    return [augmented[i][size] / augmented[i][i] for i in range(size)]


def metrics(scored: list[tuple[float, bool]]) -> dict[str, float]:
    """The targets: answerable ≥ 0.6, out-of-scope < 0.4 (and < 0.6), and the AUROC."""
    answerable = [score for score, label in scored if label]
    out_of_scope = [score for score, label in scored if not label]
    return {
        "answerable_confident": _share(answerable, lambda s: s >= 0.6),
        "oos_below_040": _share(out_of_scope, lambda s: s < 0.4),
        "oos_below_060": _share(out_of_scope, lambda s: s < 0.6),
        "auroc": auroc(answerable, out_of_scope),
        "rows": float(len(scored)),
    }


def _share(scores: list[float], test) -> float:
    return sum(1 for score in scores if test(score)) / len(scores) if scores else 0.0


def auroc(positives: list[float], negatives: list[float]) -> float:
    """P(a random answerable row outscores a random out-of-scope one); ties count half."""
    if not positives or not negatives:
        return 0.0
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def report(
    name: str, intercept: float, coefficients: dict[str, float], examples: list[Example]
) -> None:
    print(f"\n{name}")
    files = sorted({e.file for e in examples})
    groups = {"all files": examples} | (
        {file: [e for e in examples if e.file == file] for file in files} if len(files) > 1 else {}
    )
    for group, members in groups.items():
        print(f"  {group}")
        splits = {
            "fit": [e for e in members if not e.held_out],
            "held_out": [e for e in members if e.held_out],
            "full": members,
        }
        for split, rows in splits.items():
            scored = [(confidence(e.signals, intercept, coefficients), e.answerable) for e in rows]
            figures = "  ".join(f"{key}={value:.3f}" for key, value in metrics(scored).items())
            print(f"    {split:9s} {figures}")


def main(argv: list[str]) -> None:
    paths = [Path(arg) for arg in argv] or list(DEFAULT_PATHS)
    index = load_demo_index()
    examples = [example for path in paths for example in load_examples(path, index)]
    intercept, coefficients = fit([e for e in examples if not e.held_out])
    print("INTERCEPT =", round(intercept, 3))
    print("COEFFICIENTS = {")
    for name, value in coefficients.items():
        print(f'    "{name}": {value:.3f},')
    print("}")
    report(
        "stored coefficients (confidence.py): before a re-fit", INTERCEPT, COEFFICIENTS, examples
    )
    report("re-fitted coefficients: after", intercept, coefficients, examples)


if __name__ == "__main__":
    main(sys.argv[1:])
