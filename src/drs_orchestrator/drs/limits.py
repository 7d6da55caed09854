"""One request limiter per account and region, shared by every call made there (DRS
publishes no rate; it throttles): a token bucket, held back when DRS says `retryAfterSeconds`.

Written here rather than taken from a library: it is twenty lines, it must block the calling
thread (botocore calls are synchronous) and it must be told about DRS's throttles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class Limiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()
        self._held_until = 0.0

    def acquire(self) -> None:
        """Wait (in the calling thread) for a token: at most `rate` calls a second."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            wait = max(0.0, self._held_until - now)
            if self._tokens < 1:
                wait = max(wait, (1 - self._tokens) / self.rate)
            self._tokens -= 1  # taken now, paid for by the wait
        if wait > 0:
            self._sleep(wait)

    def hold(self, seconds: float) -> None:
        """DRS asked everyone here to wait: no call leaves before `seconds` have passed."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + seconds)


def throttle_listener(limiter: Limiter) -> Callable[..., None]:
    """A botocore `needs-retry` handler that holds the limiter when DRS throttles (botocore's
    own retry, with backoff and jitter, still decides whether to try again)."""

    def on_response(response: Any = None, **_: Any) -> None:
        if not response:
            return
        http, parsed = response
        if (parsed or {}).get("Error", {}).get("Code") != "ThrottlingException":
            return
        after = (parsed or {}).get("retryAfterSeconds") or getattr(http, "headers", {}).get(
            "Retry-After"
        )
        try:
            limiter.hold(float(str(after)) if after is not None else 1.0)
        except ValueError:
            limiter.hold(1.0)

    return on_response
