"""Measure the escalation engine (and the assistant's confidence) on labelled JSON Lines files.

python manage.py escalation_eval ../shared/eval/bitext.jsonl \
        ../shared/eval/answerability_dev.jsonl [--json] [--split holdout]
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conversations.assistant.evaluation import answerability_metrics
from conversations.assistant.knowledge_base import KnowledgeBaseResponder, load_demo_index
from escalation.engine import Snapshot
from escalation.evaluation import default_decide, evaluate, is_holdout, load_rows

ENGINE_KEYS = [
    "rows",
    "escalation_rate",
    "offer_rate",
    "precision",
    "recall",
    "false_escalation_rate",
    "category_agreement",
    "latency_p50_us",
    "latency_p99_us",
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


class Command(BaseCommand):
    help = (
        "Run the engine on each row's text as the first message of a fresh conversation "
        "(default policy, pre-answer triggers), and the assistant on answerable/out_of_scope rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="JSON Lines: {text, expected, id, …} per line")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON object"
        )
        parser.add_argument("--responder", choices=["offline", "openai"], default="offline")
        parser.add_argument(
            "--split",
            choices=["all", "holdout", "tune"],
            default="all",
            help="holdout: rows with crc32(id) %% 3 == 0; tune: the rest",
        )

    def handle(self, *args, files: list[str], as_json: bool, responder: str, split: str, **options):
        rows_by_file = {Path(path).stem: self._rows(path, split) for path in files}
        decide_fn = default_decide()
        decide_fn(Snapshot(message="warm up the sentiment lexicon"))
        report = evaluate(rows_by_file, decide_fn)
        assistant = self._responder(responder)
        for name, rows in rows_by_file.items():
            scored = answerability_metrics(assistant, rows)
            if scored is not None:
                report["files"].setdefault(name, {})["assistant"] = scored
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self._print_table(report)

    def _rows(self, path: str, split: str) -> list[dict]:
        try:
            rows = load_rows(path)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        keep = {
            "all": lambda row: True,
            "holdout": is_holdout,
            "tune": lambda row: not is_holdout(row),
        }[split]
        return [row for row in rows if keep(row)]

    def _responder(self, kind: str):
        if kind == "openai":
            from conversations.assistant.openai_responder import OpenAIResponder
            from conversations.bot import llm_config

            config = llm_config()
            if not config.configured:
                raise CommandError(
                    "--responder openai needs OPENAI_API_KEY "
                    "(and OPENAI_BASE_URL for a local server)."
                )
            index = load_demo_index()
            return OpenAIResponder(lambda: index, config)
        index = load_demo_index()
        return KnowledgeBaseResponder(lambda: index)

    def _print_table(self, report: dict) -> None:
        sections = [(name, metrics) for name, metrics in report["files"].items()] + [
            ("OVERALL", report["overall"])
        ]
        for name, metrics in sections:
            self.stdout.write(self.style.MIGRATE_HEADING(name))
            if metrics.get("rows"):
                self._print_metrics(metrics, ENGINE_KEYS)
                recall = metrics.get("recall_by_category") or {}
                for category, value in recall.items():
                    self.stdout.write(f"  recall[{category}]".ljust(30) + _fmt(value))
            if "assistant" in metrics:
                self.stdout.write("  assistant (confidence):")
                self._print_metrics(metrics["assistant"], ASSISTANT_KEYS, indent=4)

    def _print_metrics(self, metrics: dict, keys: list[str], indent: int = 2) -> None:
        for key in keys:
            if key in metrics:
                self.stdout.write((" " * indent + key).ljust(30) + _fmt(metrics[key]))


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "—" if value is None else str(value)
