from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agents.services import queue_rebuild
from chatsy.redis import RedisUnavailable


class Command(BaseCommand):
    help = "Rebuild the Redis waiting line from the database (safe at any time)."

    def handle(self, *args, **options):
        try:
            waiting = queue_rebuild()
        except RedisUnavailable as error:
            raise CommandError(
                f"Redis at {settings.REDIS_URL} is unreachable ({error}). "
                "Start Chatsy with `make run`, or set REDIS_URL."
            ) from error
        self.stdout.write(
            self.style.SUCCESS(f"Waiting line rebuilt: {waiting} conversation(s) waiting.")
        )
