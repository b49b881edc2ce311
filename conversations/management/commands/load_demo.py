"""Load the demo store: its site, knowledge base, and demo agent/admin logins. Idempotent."""

from django.core.management.base import BaseCommand

from conversations.demo.loader import demo_load
from conversations.demo.logins import DEMO_ADMIN, DEMO_AGENT


class Command(BaseCommand):
    help = "Create or update the demo site, knowledge base and demo logins (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--origin", action="append", default=[], help="Extra allowed origin.")

    def handle(self, *args, origin: list[str], **options):
        summary = demo_load(extra_origins=origin)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: site '{summary['site']}', {summary['articles']} KB articles, "
                f"agent '{DEMO_AGENT[0]}', admin '{DEMO_ADMIN[0]}'."
            )
        )
