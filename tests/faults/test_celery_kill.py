"""kill -9 a Celery worker while it runs the unanswered-message reconciler, start a
replacement, and nothing may be left unanswered or answered twice.

The reconciler's work is made the way production makes it: one of two Daphne processes is
killed mid-traffic with bot turns in flight (test_daphne_kill.py judges how fast they are
picked up; this test judges what a worker dying half-way through picking them up leaves).
The worker and its pool are killed together the moment it logs that it received
`answer_unanswered`; if the task had already finished by then (an empty run takes
milliseconds), the replacement is killed on its next run, up to three times.
"""

from __future__ import annotations

import asyncio
import re
import time

from tests.faults import audit
from tests.faults.harness import Run, assert_clean, visitors_for
from tests.faults.stack import Process
from tests.faults.test_daphne_kill import _turns_running_on

RECONCILER = "conversations.tasks.answer_unanswered"
TASK_WAIT_SECONDS = 70  # the beat schedule's period is 20 s on today's main
KILL_ATTEMPTS = 3


def test_celery_worker_killed_mid_reconcile_leaves_nothing_unanswered_or_doubled(stack):
    victim_url, survivor_url = stack.daphne_start(), stack.daphne_start()
    stack.worker_start()
    stack.beat_start()
    servers = [[victim_url, survivor_url], [survivor_url, victim_url]] * 10
    run = Run(stack, visitors_for(stack, count=20, seed=44, servers=servers), seed=44)
    kills: list[dict[str, object]] = []

    async def scenario() -> None:
        try:
            await run.start()
            await run.when_sent(0.3)
            await _turns_running_on(run, victim_url)
            stack.servers[0].kill9()
            run.mark("daphne_killed")
            for _ in range(KILL_ATTEMPTS):
                kill = await _kill_worker_when_it_runs(stack.workers[-1], RECONCILER)
                kills.append(kill)
                await asyncio.to_thread(stack.worker_start)  # the replacement
                if kill["mid_task"]:
                    break
            run.mark("worker_replaced")
            await run.traffic_done()
            await run.recover()
        finally:
            await run.close()

    asyncio.run(scenario())
    result = audit.audit(run.clients, run.customer_ids)
    report = run.report(result, worker_kills=kills)
    assert kills and all(k["task_id"] for k in kills), f"no reconciler run was seen: {kills}"
    assert_clean(result, report)


async def _kill_worker_when_it_runs(worker: Process, task: str) -> dict[str, object]:
    """kill -9 the worker (and its pool) as soon as its log says it received `task`."""
    received = re.compile(re.escape(task) + r"\[([0-9a-f-]+)\] received")
    offset = len(worker.output())
    deadline = time.monotonic() + TASK_WAIT_SECONDS
    while time.monotonic() < deadline:
        match = received.search(worker.output(), offset)
        if match:
            worker.kill9()
            task_id = match.group(1)
            finished = re.search(re.escape(task_id) + r"\] succeeded", worker.output())
            return {"worker": worker.name, "task_id": task_id, "mid_task": not finished}
        await asyncio.sleep(0.01)
    worker.kill9()
    return {"worker": worker.name, "task_id": None, "mid_task": False}
