from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agents.selectors import queues_status
from chatsy.redis import RedisUnavailable


class Command(BaseCommand):
    help = "Per queue: depth, oldest wait and agents online."

    def handle(self, *args, **options):
        try:
            rows = queues_status()
        except RedisUnavailable as error:
            raise CommandError(
                f"Redis at {settings.REDIS_URL} is unreachable ({error}). "
                "Start Chatsy with `make run`, or set REDIS_URL."
            ) from error
        self.stdout.write(f"{'queue':<14}{'depth':>6}{'oldest wait':>14}{'online':>8}{'agents':>8}")
        for row in rows:
            oldest = (
                f"{row['oldest_wait_seconds'] // 60}m {row['oldest_wait_seconds'] % 60:02d}s"
                if row["depth"]
                else "—"
            )
            self.stdout.write(
                f"{row['slug']:<14}{row['depth']:>6}{oldest:>14}{row['online']:>8}{row['agents']:>8}"
            )
