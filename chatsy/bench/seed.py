"""Migrate the bench's throwaway database and load the demo store into it.

    python -m chatsy.bench.seed --origin http://127.0.0.1:PORT   (DATABASE_URL, REDIS_URL from env)

The demo agent may hold many chats at once here: scenario R gives them 20.
"""

from __future__ import annotations

import argparse
import os

BENCH_AGENT_CAPACITY = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--origin", action="append", default=[])
    origins = parser.parse_args().origin
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from agents.models import AgentProfile
    from conversations.demo.loader import demo_load
    from conversations.demo.logins import DEMO_AGENT

    call_command("migrate", interactive=False, verbosity=0)
    demo_load(extra_origins=origins)
    AgentProfile.objects.filter(user__username=DEMO_AGENT[0]).update(
        max_concurrent_chats=BENCH_AGENT_CAPACITY
    )


if __name__ == "__main__":
    main()
