"""Seed realistic past conversations for the dashboard (agents.demo_traffic).

python manage.py seed_demo_traffic --days 30 [--seed 14] [--replace | --if-absent]
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agents.demo_traffic import DemoTrafficExists, demo_traffic_count, demo_traffic_seed

BAR_WIDTH = 20


class Command(BaseCommand):
    help = "Seed N days of demo conversations, escalations, verdicts, CSAT and tickets."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--seed", type=int, default=14, help="same seed, same traffic")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--replace", action="store_true", help="delete the demo traffic of an earlier run first"
        )
        group.add_argument(
            "--if-absent",
            action="store_true",
            help="do nothing when demo traffic exists (make run uses this)",
        )

    def handle(
        self, *args: Any, days: int, seed: int, replace: bool, if_absent: bool, **options: Any
    ) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1")
        if if_absent and (existing := demo_traffic_count()):
            self.stdout.write(f"Demo traffic exists ({existing:,} conversations): skipped.")
            return
        try:
            summary = demo_traffic_seed(
                days=days, seed=seed, now=timezone.now(), replace=replace, progress=self._progress
            )
        except DemoTrafficExists as error:
            raise CommandError(f"{error}: --replace deletes it and seeds again.") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {days} days: {summary.conversations:,} conversations, "
                f"{summary.escalations:,} escalations, {summary.tickets:,} tickets."
            )
        )

    def _progress(self, day: int, days: int, conversations: int) -> None:
        filled = round(BAR_WIDTH * day / days)
        line = f"Seeding day {day}/{days} [{'=' * filled}{' ' * (BAR_WIDTH - filled)}] "
        line += f"{conversations:,} conversations"
        # One line redrawn on a terminal; a line per day in a log.
        ending = "\r" if sys.stderr.isatty() and day < days else "\n"
        self.stderr.write(line, ending=ending)
