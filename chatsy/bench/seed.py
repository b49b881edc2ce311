"""Migrate the bench's throwaway database and load the demo store into it.

    python -m chatsy.bench.seed --origin http://127.0.0.1:PORT [--visitors N --tokens FILE]

(DATABASE_URL and REDIS_URL from the environment.) The demo agent may hold many chats at
once here: scenario R gives them 20. `--visitors` makes S3's idle visitors ahead of time
(their tokens one a line in FILE): 2,000 session requests are setup, not what S3 measures.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

BENCH_AGENT_CAPACITY = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--origin", action="append", default=[])
    parser.add_argument("--visitors", type=int, default=0)
    parser.add_argument("--tokens", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from agents.models import AgentProfile
    from conversations.demo.loader import DEMO_SITE_KEY, demo_load
    from conversations.demo.logins import DEMO_AGENT
    from conversations.models import Site
    from conversations.services import visitor_create

    call_command("migrate", interactive=False, verbosity=0)
    demo_load(extra_origins=args.origin)
    AgentProfile.objects.filter(user__username=DEMO_AGENT[0]).update(
        max_concurrent_chats=BENCH_AGENT_CAPACITY
    )

    if args.visitors and args.tokens:
        site = Site.objects.get(key=DEMO_SITE_KEY)
        with transaction.atomic():
            tokens = [visitor_create(site=site)[1] for _ in range(args.visitors)]
        args.tokens.write_text("\n".join(tokens) + "\n")


if __name__ == "__main__":
    main()
