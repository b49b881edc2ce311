"""The control: the same traffic with no fault. If this fails, the harness is wrong, not the
system under fault, and the other tests in this folder mean nothing."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults import audit
from tests.faults.harness import Run, assert_clean, visitors_for

pytestmark = pytest.mark.faults


def test_without_a_fault_every_message_is_stored_answered_once_and_shown(stack):
    stack.daphne_start()
    stack.worker_start()
    stack.beat_start()
    run = Run(stack, visitors_for(stack, count=20, seed=5), seed=5)

    async def scenario() -> None:
        try:
            await run.start()
            await run.traffic_done()
            await run.recover()
        finally:
            await run.close()

    asyncio.run(scenario())
    result = audit.audit(run.clients, run.customer_ids)
    report = run.report(result)
    assert_clean(result, report)
    assert result.answered > result.sent // 2, "most questions should get a bot reply"
    assert result.conversations_escalated >= 4, "every fifth visitor asked for a person"
