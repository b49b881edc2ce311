"""SQL statements and database thread hops per visitor message, on the offline bot path.

    python -m chatsy.bench.inprocess --messages 20   (DATABASE_URL, REDIS_URL from env; JSON out)

Drives the real ASGI app (`chatsy.asgi.application`) through Channels' WebsocketCommunicator:
one visitor asks the bot `--messages` questions; each count closes only once the bot's reply
arrived and its turn's background work settled (chatsy.bench.counters).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections import Counter
from typing import Any

ORIGIN = b"http://localhost:8000"  # one of the demo site's allowed origins


async def ask(socket: Any, body: str) -> None:
    client_id = str(uuid.uuid4())
    await socket.send_json_to({"type": "message", "client_id": client_id, "body": body})
    seq = None
    while True:
        frame = await socket.receive_json_from(timeout=30)
        if frame["type"] == "error":
            raise RuntimeError(f"error frame: {frame}")
        if frame["type"] == "ack" and frame["client_id"] == client_id:
            seq = frame["seq"]
        elif (
            frame["type"] == "message"
            and seq is not None
            and frame["message"]["sender"] == "bot"
            and frame["message"]["seq"] > seq
        ):
            return


async def measure(token: str, messages: int, warm_up: int) -> dict[str, Any]:
    from channels.testing import WebsocketCommunicator

    from chatsy.asgi import application
    from chatsy.bench.client import QUESTIONS, SITE_KEY
    from chatsy.bench.counters import pipeline_counts

    socket = WebsocketCommunicator(
        application, "/ws/widget/", headers=[(b"origin", ORIGIN), (b"host", b"localhost:8000")]
    )
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "auth", "token": token, "site_key": SITE_KEY})
    assert (await socket.receive_json_from(timeout=30))["type"] == "ready"
    for index in range(warm_up):  # first-use work (imports, caches) is not per message
        await ask(socket, QUESTIONS[index % len(QUESTIONS)])
    await asyncio.sleep(0.3)
    with pipeline_counts() as counts:
        for index in range(warm_up, warm_up + messages):
            await ask(socket, QUESTIONS[index % len(QUESTIONS)])
            await counts.settle()
    await socket.disconnect()
    kinds = Counter(statement.split(None, 1)[0].upper() for statement in counts.statements)
    return {
        "messages": messages,
        "sql_per_message": counts.sql / messages,
        "hops_per_message": counts.hops / messages,
        "sql_by_kind_per_message": {k: v / messages for k, v in sorted(kinds.items())},
        "statements_first_message": _first_message(counts.statements, counts.sql // messages),
    }


def _first_message(statements: list[str], count: int) -> list[str]:
    return [s if len(s) <= 300 else s[:297] + "..." for s in statements[:count]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--warm-up", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
    import django

    django.setup()
    from conversations.demo.loader import DEMO_SITE_KEY
    from conversations.models import Site
    from conversations.services import visitor_create

    _customer, token = visitor_create(site=Site.objects.get(key=DEMO_SITE_KEY))
    result = asyncio.run(measure(token, args.messages, args.warm_up))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
