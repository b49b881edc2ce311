"""1,000 disconnect/reconnect cycles during traffic, spread over the 20 visitors: half closed
cleanly, half cut without a close frame (a phone losing its network). Every reconnect
re-authenticates, resyncs after the last seq it showed and re-sends what was not acked."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.faults import audit
from tests.faults.harness import Run, assert_clean, visitors_for
from tests.support.widget_client import WidgetClient

pytestmark = pytest.mark.faults

CYCLES = 1_000
VISITORS = 20


def test_a_thousand_reconnects_during_traffic_lose_and_duplicate_nothing(stack):
    stack.daphne_start()
    stack.worker_start()
    stack.beat_start()
    run = Run(stack, visitors_for(stack, count=VISITORS, seed=55), seed=55)
    dropped = [0]

    async def flap(client: WidgetClient, cycles: int, rng: random.Random) -> None:
        done = 0
        while done < cycles:
            await client.wait_until(lambda: client.ready, timeout=30)
            await asyncio.sleep(rng.uniform(0.02, 0.25))
            if await client.drop(abrupt=rng.random() < 0.5):
                done += 1
                dropped[0] += 1

    async def scenario() -> None:
        try:
            await run.start()
            rng = random.Random(55)
            flappers = [
                asyncio.create_task(flap(c, CYCLES // VISITORS, random.Random(rng.random())))
                for c in run.clients
            ]
            await asyncio.wait_for(asyncio.gather(*flappers), timeout=240)
            run.mark("storm_done")
            await run.traffic_done()
            await run.recover()
        finally:
            await run.close()

    asyncio.run(scenario())
    result = audit.audit(run.clients, run.customer_ids)
    report = run.report(
        result, disconnects=dropped[0], storm_seconds=run.since("start", "storm_done")
    )
    assert dropped[0] == CYCLES
    assert_clean(result, report)
