"""`manage.py escalation_eval`: the engine and the assistant measured on labelled rows."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

ROWS = [
    {"id": "1", "text": "I want to talk to a human", "expected": "human_request"},
    {"id": "2", "text": "my card was stolen and someone used it", "expected": "security"},
    {"id": "3", "text": "how do I change my delivery address?", "expected": "none"},
    {"id": "4", "text": "where can I find my invoice?", "expected": "none"},
    {"id": "5", "text": "How long does shipping take?", "expected": "answerable"},
    {"id": "6", "text": "what is the capital of Mongolia", "expected": "out_of_scope"},
]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("escalation_eval", *args, stdout=out)
    return out.getvalue()


def test_json_output_has_the_documented_shape(tmp_path):
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in ROWS))
    report = json.loads(run(str(path), "--json", "--split", "all"))
    overall = report["overall"]
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
        "recall_escalated",
        "precision_right_category",
        "offer_rate_on_none",
        "category_agreement",
    ):
        assert key in overall
    assert overall["rows"] == 4  # the answerability rows measure the assistant, not the engine
    assert overall["precision"] == 1.0
    assert {k: v["caught"] for k, v in overall["recall_by_category"].items()} == {
        "human_request": 1.0,
        "security": 1.0,
    }
    assert overall["false_escalation_rate"] == 0.0
    assistant = report["files"]["sample"]["assistant"]
    assert assistant["rows"] == 2
    assert assistant["answerable_confident"] == 1.0 and assistant["oos_below_040"] == 1.0
    assert assistant["auroc"] == 1.0
    assert assistant["latency_p99_us"] > 0


def test_the_table_names_each_file_and_the_overall(tmp_path):
    path = tmp_path / "few.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in ROWS[:3]))
    table = run(str(path), "--split", "all")
    assert "few" in table and "OVERALL" in table and "prec_cat" in table and "rec_any" in table


def test_without_files_it_reads_the_repository_data_on_the_validation_split():
    report = json.loads(run("--json"))
    assert report["split"] == "validation"
    assert {"bitext", "banking77_train", "shop_domain", "answerability_dev"} <= set(report["files"])
    assert 0 < report["files"]["bitext"]["rows"] < 3000 / 2  # a third of the file


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(bad))
