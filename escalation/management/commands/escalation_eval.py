"""Measure the escalation engine (and the assistant's confidence) on labelled JSON Lines files.

python manage.py escalation_eval                  # the repository's data, validation split
python manage.py escalation_eval FILE ... [--split all|validation|training] [--json]

Without files it reads escalation/data/eval/*.jsonl, escalation/data/shop_domain.jsonl and
the assistant's conversations/assistant/data/answerability_dev.jsonl.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from conversations.assistant.base import Responder
from conversations.assistant.evaluation import answerability_metrics
from conversations.assistant.knowledge_base import KnowledgeBaseResponder, load_demo_index
from escalation.engine import Snapshot
from escalation.evaluation import default_decide, evaluate, is_validation, load_rows
from escalation.model_store import DATA_DIR

ASSISTANT_DATA = Path(__file__).resolve().parents[3] / "conversations/assistant/data"
DEFAULT_FILES = (
    *sorted((DATA_DIR / "eval").glob("*.jsonl")),
    DATA_DIR / "shop_domain.jsonl",
    ASSISTANT_DATA / "answerability_dev.jsonl",
)
COLUMNS = [
    ("rows", "rows"),
    ("positives", "pos"),
    ("precision", "prec"),
    ("precision_right_category", "prec_cat"),
    ("recall_escalated", "rec_esc"),
    ("recall", "rec_any"),
    ("false_escalation_rate", "fe_none"),
    ("offer_rate_on_none", "offer_none"),
    ("category_agreement", "cat_agree"),
    ("escalation_rate", "esc_rate"),
    ("latency_p50_us", "p50_us"),
    ("latency_p99_us", "p99_us"),
]
ASSISTANT_KEYS = [
    "rows",
    "answerable_confident",
    "oos_below_040",
    "oos_below_060",
    "auroc",
    "latency_p50_us",
    "latency_p99_us",
]
SPLITS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "all": lambda row: True,
    "validation": is_validation,
    "training": lambda row: not is_validation(row),
}


class Command(BaseCommand):
    help = (
        "Run the engine on each row's text as the first message of a fresh conversation "
        "(default policy and the shipped classifiers, pre-answer triggers), and the assistant "
        "on answerable/out_of_scope rows."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "files",
            nargs="*",
            help="JSON Lines: {text, expected, id, …} per line (default: the repository's data)",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON object"
        )
        parser.add_argument("--responder", choices=["offline", "openai"], default="offline")
        parser.add_argument(
            "--split",
            choices=sorted(SPLITS),
            default="validation",
            help="validation (default): the frozen third the classifiers never trained on "
            "(crc32(id) %% 3 == 0); training: the rest; all: every row",
        )

    def handle(
        self,
        *args: Any,
        files: list[str],
        as_json: bool,
        responder: str,
        split: str,
        **options: Any,
    ) -> None:
        paths = [Path(path) for path in files] or [p for p in DEFAULT_FILES if p.exists()]
        rows_by_file = {path.stem: self._rows(path, split) for path in paths}
        decide_fn = default_decide()
        decide_fn(Snapshot(message="warm up the sentiment lexicon"))
        report = evaluate(rows_by_file, decide_fn)
        report["split"] = split
        assistant = self._responder(responder)
        for name, rows in rows_by_file.items():
            scored = answerability_metrics(assistant, rows)
            if scored is not None:
                report["files"].setdefault(name, {})["assistant"] = scored
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self._print_tables(report)

    def _rows(self, path: Path, split: str) -> list[dict[str, Any]]:
        try:
            rows = load_rows(path)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        return [row for row in rows if SPLITS[split](row)]

    def _responder(self, kind: str) -> Responder:
        index = load_demo_index()
        if kind == "openai":
            from conversations.assistant.config import llm_config
            from conversations.assistant.openai_responder import OpenAIResponder

            config = llm_config()
            if not config.configured:
                raise CommandError(
                    "--responder openai needs OPENAI_API_KEY "
                    "(and OPENAI_BASE_URL for a local server)."
                )
            return OpenAIResponder(lambda: index, config)
        return KnowledgeBaseResponder(lambda: index)

    def _print_tables(self, report: dict[str, Any]) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"Engine, {report['split']} split"))
        self.stdout.write(_row(["file"] + [short for _, short in COLUMNS]))
        sections = [*report["files"].items(), ("OVERALL", report["overall"])]
        for name, metrics in sections:
            if metrics.get("rows"):
                self.stdout.write(_row([name] + [_fmt(metrics.get(key)) for key, _ in COLUMNS]))
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Recall per expected category"))
        self.stdout.write(_row(["file", "category", "rows", "escalated", "esc|offer", "right_cat"]))
        for name, metrics in sections:
            for category, recall in (metrics.get("recall_by_category") or {}).items():
                values = [recall["rows"], recall["escalated"], recall["caught"]]
                self.stdout.write(
                    _row([name, category, *map(_fmt, values), _fmt(recall["right_category"])])
                )
        for name, metrics in report["files"].items():
            if "assistant" in metrics:
                self.stdout.write("")
                self.stdout.write(self.style.MIGRATE_HEADING(f"Assistant confidence: {name}"))
                for key in ASSISTANT_KEYS:
                    self.stdout.write(f"  {key:<24}{_fmt(metrics['assistant'].get(key))}")


def _row(cells: Sequence[object]) -> str:
    first, *rest = (str(cell) for cell in cells)
    return f"{first:<22}" + "".join(f"{cell:>11}" for cell in rest)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "—" if value is None else str(value)
