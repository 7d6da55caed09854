"""The per-account/region limiter: a token bucket that DRS's throttles hold back."""

from __future__ import annotations

from types import SimpleNamespace

from drs_orchestrator.drs.limits import Limiter, throttle_listener


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def limiter(rate: float, burst: int) -> tuple[Limiter, FakeTime]:
    t = FakeTime()
    return Limiter(rate, burst, clock=lambda: t.now, sleep=t.sleep), t


def test_a_burst_goes_at_once_then_calls_are_spaced_by_the_rate() -> None:
    bucket, t = limiter(rate=2, burst=3)

    for _ in range(6):
        bucket.acquire()

    assert t.slept == [0.5, 0.5, 0.5]
    assert t.now == 1.5


def test_idle_time_refills_the_bucket_up_to_the_burst() -> None:
    bucket, t = limiter(rate=1, burst=2)
    bucket.acquire()
    bucket.acquire()
    t.now += 60  # a quiet minute

    for _ in range(3):
        bucket.acquire()

    assert t.slept == [1.0]


def test_a_throttle_holds_every_caller_for_retry_after_seconds() -> None:
    bucket, t = limiter(rate=100, burst=100)
    on_response = throttle_listener(bucket)
    throttled = {"Error": {"Code": "ThrottlingException"}, "retryAfterSeconds": 7}

    on_response(response=(SimpleNamespace(headers={}), throttled))
    on_response(response=(SimpleNamespace(headers={}), {"items": []}))  # not a throttle
    bucket.acquire()

    assert t.slept == [7.0]


def test_retry_after_from_the_header_when_the_body_has_none() -> None:
    bucket, t = limiter(rate=100, burst=100)
    headers = {"Retry-After": "3"}

    throttle_listener(bucket)(
        response=(SimpleNamespace(headers=headers), {"Error": {"Code": "ThrottlingException"}})
    )
    bucket.acquire()

    assert t.slept == [3.0]
