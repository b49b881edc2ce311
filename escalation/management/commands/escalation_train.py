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

from escalation.evaluation import is_validation, without_validation_texts
from escalation.learning import triage_example_rows
from escalation.model_comparison import TOLERANCE, no_worse, side_by_side
from escalation.model_store import MODEL_PATH
from escalation.model_versions import triage_model_active, triage_model_store
from escalation.training import DEFAULT_FILES, load_rows, train, validation_scores, write_model


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
            self._retrain(rows, dry_run=dry_run, force=force)
            return
        model, _ = train(rows, progress=self.stdout.write)
        if dry_run:
            self.stdout.write("Dry run: no model written.")
            return
        write_model(model, output)
        self.stdout.write(self.style.SUCCESS(f"Wrote model {model.version} to {output}"))

    def _retrain(self, rows: list[dict[str, Any]], *, dry_run: bool, force: bool) -> None:
        """Shipped rows + supervisors' examples; compare with the active model; activate
        only a model no worse on the frozen validation split (or with --force)."""
        validation = [row for row in rows if is_validation(row)]
        examples, dropped = without_validation_texts(triage_example_rows(), validation)
        self.stdout.write(f"+ {len(examples):,} labelled examples from agents' verdicts")
        if dropped:
            self.stdout.write(
                f"Dropped {dropped:,} labelled example{'s' if dropped != 1 else ''} whose text "
                f"is in the frozen validation split (a model is not scored on what it was taught)"
            )
        new, _ = train([*rows, *examples], progress=self.stdout.write)
        current = triage_model_active()
        self.stdout.write(f"Scoring the current model {current.version} on the validation split")
        before = validation_scores(current, validation, progress=self.stdout.write)
        self.stdout.write("Scoring the new model on the validation split")
        after = validation_scores(new, validation, progress=self.stdout.write)
        for line in side_by_side(before, after):
            self.stdout.write(line)
        problems = no_worse(before, after)
        if dry_run:
            verdict = "worse: " + "; ".join(problems) if problems else "no worse"
            self.stdout.write(f"Dry run: the new model is {verdict}. Nothing stored.")
            return
        if problems and not force:
            raise CommandError(
                f"Not activated: on the frozen validation split the new model's "
                f"{'; '.join(problems)}. The current model {current.version} stays active "
                f"(--force activates the new one anyway)."
            )
        metrics = {
            "validation": after.to_dict(),
            "training": dict(new.metrics),
            "compared_with": {"version": current.version, "validation": before.to_dict()},
        }
        note = ("forced over: " + "; ".join(problems)) if problems else "no worse"
        row = triage_model_store(
            model=new,
            metrics=metrics,
            examples=len(examples),
            activate=True,
            note=note,
            now=timezone.now(),
        )
        how = "Forced" if problems else f"No worse (tolerance {TOLERANCE * 100:g} pt)"
        self.stdout.write(self.style.SUCCESS(f"{how}: activated model {row.version}"))
