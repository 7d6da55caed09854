"""Sign-in throttling: wrong passwords are counted per username and per client address in a
moving window (the `limits` library); past the limit every attempt, right or wrong, is
answered 429 with Retry-After until the oldest failure leaves the window.

A lock-out always ends by itself. The last enabled admin is counted per username *and
address*, so a stranger guessing from elsewhere cannot lock them out of their own console.
Lock-outs are written to the audit log.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from drs_orchestrator.domain.errors import TooManyRequests
from drs_orchestrator.service.context import Context
from drs_orchestrator.store import audit, users

_NAMESPACE = "drso-sign-in"


class SignInThrottle:
    def __init__(self, ctx: Context, clock: Callable[[], float] = time.time) -> None:
        s = ctx.settings
        self.ctx = ctx
        self._clock = clock  # what `limits` counts in (wall seconds), for Retry-After
        self._limiter = MovingWindowRateLimiter(storage_from_string(s.sign_in_limit_storage))
        self.window_seconds = s.sign_in_window_seconds
        self._per_user = RateLimitItemPerSecond(
            s.sign_in_failures_per_user, s.sign_in_window_seconds, _NAMESPACE
        )
        self._per_address = RateLimitItemPerSecond(
            s.sign_in_failures_per_address, s.sign_in_window_seconds, _NAMESPACE
        )

    def _limits(self, username: str, address: str) -> list[tuple[str, RateLimitItem, list[str]]]:
        name = username.casefold()
        with self.ctx.read() as conn:
            sole_admin = users.active_admins(conn) == [name]
        user_keys = ["user", name, address] if sole_admin else ["user", name]
        return [
            ("username", self._per_user, user_keys),
            ("address", self._per_address, ["address", address]),
        ]

    def check(self, username: str, address: str) -> None:
        """Refuse the attempt while either count is full."""
        for scope, item, keys in self._limits(username, address):
            if not self._limiter.test(item, *keys):
                raise self._locked(scope, item, keys)

    def failed(self, username: str, address: str) -> None:
        """Count a wrong password; the failure that fills a count starts a lock-out."""
        for scope, item, keys in self._limits(username, address):
            self._limiter.hit(item, *keys)
            if not self._limiter.test(item, *keys):
                locked = self._locked(scope, item, keys)
                with self.ctx.write() as conn:
                    audit.record(
                        conn,
                        at=self.ctx.now(),
                        actor=f"anonymous@{address}",
                        action="lock-out",
                        resource_type="sign-in",
                        resource_id=(username if scope == "username" else address)[:64],
                        after={
                            "scope": scope,
                            "username": username[:128],
                            "address": address,
                            "failures": item.amount,
                            "windowSeconds": self.window_seconds,
                            "retryAfterSeconds": locked.retry_after_seconds,
                        },
                    )

    def succeeded(self, username: str, address: str) -> None:
        """The right password outside a lock-out: the user's count starts again."""
        for scope, item, keys in self._limits(username, address):
            if scope == "username":
                self._limiter.clear(item, *keys)

    def _locked(self, scope: str, item: RateLimitItem, keys: list[str]) -> TooManyRequests:
        reset = self._limiter.get_window_stats(item, *keys).reset_time
        seconds = max(1, math.ceil(reset - self._clock()))
        what = "for this user" if scope == "username" else "from this address"
        return TooManyRequests(
            "TOO_MANY_SIGN_IN_ATTEMPTS",
            f"Too many wrong passwords {what}: try again in {seconds} s",
            seconds,
            {"scope": scope},
        )
