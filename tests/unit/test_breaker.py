"""The LLM circuit breaker: a pure state machine on an injected clock."""

from __future__ import annotations

import pytest

from conversations.assistant.breaker import CircuitBreaker, CircuitOpen


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(clock=clock)


def fail(breaker: CircuitBreaker, times: int, clock: FakeClock, every: float = 1.0) -> None:
    for _ in range(times):
        clock.advance(every)
        breaker.before_call()
        breaker.record_failure()


def test_a_new_breaker_is_closed_and_admits_calls(breaker: CircuitBreaker) -> None:
    breaker.before_call()
    assert breaker.state == "closed"


def test_four_failures_keep_it_closed_and_the_fifth_opens_it(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fail(breaker, 4, clock)
    assert breaker.state == "closed"

    fail(breaker, 1, clock)

    assert breaker.state == "open"
    with pytest.raises(CircuitOpen) as raised:
        breaker.before_call()
    assert 0 < raised.value.retry_in <= 60


def test_failures_further_apart_than_the_window_do_not_open_it(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fail(breaker, 10, clock, every=16.0)  # never five within 60 s

    assert breaker.state == "closed"


def test_a_success_resets_the_failure_count(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 4, clock)
    breaker.record_success()
    fail(breaker, 4, clock)

    assert breaker.state == "closed"


def test_while_open_it_refuses_every_call_at_once_and_says_when_to_retry(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fail(breaker, 5, clock)
    clock.advance(10.0)

    waits = set()
    for _ in range(1_000):
        with pytest.raises(CircuitOpen) as raised:
            breaker.before_call()
        waits.add(raised.value.retry_in)

    assert waits == {50.0}  # refusing never waits: the clock did not move
    clock.advance(50.0)
    breaker.before_call()  # a thousand refusals did not push the probe back
    assert breaker.state == "half_open"


def test_after_the_reset_time_exactly_one_probe_is_admitted(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fail(breaker, 5, clock)
    clock.advance(59.0)
    with pytest.raises(CircuitOpen):
        breaker.before_call()

    clock.advance(1.0)
    breaker.before_call()

    assert breaker.state == "half_open"
    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_a_successful_probe_closes_it(breaker: CircuitBreaker, clock: FakeClock) -> None:
    fail(breaker, 5, clock)
    clock.advance(60.0)
    breaker.before_call()

    breaker.record_success()

    assert breaker.state == "closed"
    breaker.before_call()


def test_a_failed_probe_reopens_it_for_a_whole_reset_period(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fail(breaker, 5, clock)
    clock.advance(60.0)
    breaker.before_call()

    breaker.record_failure()

    assert breaker.state == "open"
    clock.advance(59.0)
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    clock.advance(1.0)
    breaker.before_call()
    assert breaker.state == "half_open"


def test_a_probe_that_ends_without_a_verdict_frees_the_slot(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fail(breaker, 5, clock)
    clock.advance(60.0)
    breaker.before_call()

    breaker.release()  # e.g. the reply task was cancelled

    breaker.before_call()
    assert breaker.state == "half_open"


def test_late_failures_of_calls_admitted_before_it_opened_do_not_extend_it(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    fail(breaker, 5, clock)
    clock.advance(30.0)
    breaker.record_failure()  # a call that started while it was still closed

    clock.advance(30.0)
    breaker.before_call()
    assert breaker.state == "half_open"
