"""Train the triage classifiers and write the model the engine loads.

python manage.py escalation_train [--extra PATH ...] [--dry-run]
python manage.py escalation_train --with-verdicts [--force] [--dry-run]

Needs the optional `train` dependencies (`pip install -e ".[train]"`: scikit-learn).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalation.model_store import MODEL_PATH
from escalation.retraining import RetrainRefused, retrain_summary, triage_model_retrain
from escalation.training import DEFAULT_FILES, load_rows, train, write_model


class Command(BaseCommand):
    help = "Train the triage classifiers on the repository's data and write the model."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--extra",
            nargs="*",
            default=[],
            type=Path,
            help="more JSON Lines files to train on (e.g. data whose licence keeps it out of "
            "the repository); their validation thirds are held out like the rest",
        )
        parser.add_argument(
            "--data",
            nargs="+",
            type=Path,
            help="train and validate on these JSON Lines files instead of the repository's",
        )
        parser.add_argument("--output", type=Path, default=MODEL_PATH)
        parser.add_argument(
            "--dry-run", action="store_true", help="train and print metrics, write nothing"
        )
        parser.add_argument(
            "--with-verdicts",
            action="store_true",
            help="also train on the supervisors' labelled examples; store the model as a "
            "version and activate it only if it is no worse on the frozen validation split",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="with --with-verdicts: activate the new model even if it is worse",
        )

    def handle(
        self,
        *args: Any,
        extra: list[Path],
        data: list[Path] | None,
        output: Path,
        dry_run: bool,
        with_verdicts: bool,
        force: bool,
        **options: Any,
    ) -> None:
        try:
            import sklearn  # noqa: F401
        except ImportError as error:
            raise CommandError(
                'scikit-learn is needed to train: pip install -e ".[train]"'
            ) from error
        if force and not with_verdicts:
            raise CommandError("--force only applies with --with-verdicts")
        paths = list(data or [path for path in DEFAULT_FILES if path.exists()]) + list(extra)
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        rows = load_rows(paths)
        self.stdout.write(f"Training on {len(rows):,} rows from {len(paths)} files")
        if with_verdicts:
            try:
                result = triage_model_retrain(
                    rows=rows, force=force, dry_run=dry_run, out=self.stdout.write,
                    now=timezone.now(),
                )  # fmt: skip
            except RetrainRefused as refused:
                raise CommandError(str(refused)) from refused
            if result.version is not None:
                self.stdout.write(self.style.SUCCESS(retrain_summary(result)))
            return
        model, _ = train(rows, progress=self.stdout.write)
        if dry_run:
            self.stdout.write("Dry run: no model written.")
            return
        write_model(model, output)
        self.stdout.write(self.style.SUCCESS(f"Wrote model {model.version} to {output}"))
