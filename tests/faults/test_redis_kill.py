"""kill -9 Redis during 20 active conversations; restart it, empty, on the same port ~3 s later."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults import audit
from tests.faults.harness import Run, assert_clean, visitors_for

pytestmark = pytest.mark.faults

DOWN_SECONDS = 3  # the fault itself: how long Redis stays dead


def test_redis_killed_and_restarted_empty_loses_and_leaves_unanswered_nothing(stack):
    stack.daphne_start()
    stack.worker_start()
    stack.beat_start()
    run = Run(stack, visitors_for(stack, count=20, seed=11), seed=11)

    async def scenario() -> None:
        try:
            await run.start()
            await run.when_sent(0.3)
            run.mark("fault")
            stack.redis_kill9()
            await asyncio.sleep(DOWN_SECONDS)
            stack.redis_start()
            run.mark("redis_back")
            await run.traffic_done()
            await run.recover()
        finally:
            await run.close()

    asyncio.run(scenario())
    result = audit.audit(run.clients, run.customer_ids)
    report = run.report(
        result,
        redis_down_seconds=run.since("fault", "redis_back"),
        recovered_after_redis_back=run.since("redis_back", "converged"),
    )
    assert_clean(result, report)
