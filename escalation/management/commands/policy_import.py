"""Replace the live escalation policy with a YAML file; every process picks it up at once."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from escalation.policy_store import policy_replace
from escalation.policy_yaml import PolicyYamlError, load_policy_yaml


class Command(BaseCommand):
    help = "Import rules, thresholds and plans from YAML (all of it, or nothing if any is invalid)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="a YAML file (see `policy_export`)")
        parser.add_argument("--dry-run", action="store_true", help="validate only")

    def handle(self, *args: Any, file: str, dry_run: bool, **options: Any) -> None:
        try:
            policy = load_policy_yaml(Path(file).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        except PolicyYamlError as error:
            raise CommandError(f"{file}: {error}") from error
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{file} is valid: {len(policy.rules)} rules, {len(policy.plans)} plans."
                )
            )
            return
        policy_replace(policy)
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(policy.rules)} rules and {len(policy.plans)} plans.")
        )
