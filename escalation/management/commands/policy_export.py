"""Write the live escalation policy as YAML (the spec's `escalation_rules:` shape)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from escalation.policy_store import policy_from_database
from escalation.policy_yaml import dump_policy_yaml


class Command(BaseCommand):
    help = "Export rules, thresholds and plans as YAML (to stdout, or --output FILE)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", "-o", help="write here instead of stdout")

    def handle(self, *args: Any, output: str | None, **options: Any) -> None:
        text = dump_policy_yaml(policy_from_database())
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"Policy written to {output}."))
        else:
            self.stdout.write(text)
