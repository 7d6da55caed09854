"""Injected faults: failed servers, throttling, internal errors and latency.

Fractions draw from a seeded generator of their own, so faults never disturb the IDs or
timings of a run. Throttle rates are measured on the emulated clock, so a manual-clock test
sees exactly `ratePerSecond` calls pass per emulated second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from .errors import DrsError, InternalServerError, ThrottlingError
from .scenario import (
    FailFailbackFault,
    FailServerFault,
    InternalErrorFault,
    LatencyFault,
    ThrottleFault,
)

THROTTLE_QUOTA_CODE = "L-DRS-API-RATE"


@dataclass
class _Bucket:
    rate: float
    tokens: float
    last: float


@dataclass
class ServerFailure:
    phase: str
    raw_error: str


@dataclass
class FaultSet:
    seed: int
    faults: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"faults/{self.seed}")
        self._buckets: dict[int, _Bucket] = {}
        self._remaining: dict[int, int | None] = {}
        self.replace(self.faults)

    def replace(self, faults: list[Any]) -> None:
        self.faults = list(faults)
        self._buckets.clear()
        self._remaining = {
            i: f.count for i, f in enumerate(self.faults) if isinstance(f, FailServerFault)
        }

    def to_wire(self) -> list[dict[str, Any]]:
        return [f.model_dump(exclude_none=True) for f in self.faults]

    def latency_ms(self, operation: str) -> int:
        return sum(
            f.milliseconds
            for f in self.faults
            if isinstance(f, LatencyFault) and fnmatchcase(operation, f.operation)
        )

    def error_for(self, operation: str, now: float) -> DrsError | None:
        """The throttling or internal error this call meets, if any."""
        for i, fault in enumerate(self.faults):
            if not fnmatchcase(operation, getattr(fault, "operation", "")):
                continue
            if isinstance(fault, ThrottleFault) and self._throttled(i, fault, now):
                return ThrottlingError(
                    "Rate exceeded",
                    retry_after_seconds=fault.retryAfterSeconds,
                    quota_code=THROTTLE_QUOTA_CODE,
                )
            if isinstance(fault, InternalErrorFault) and self._rng.random() < fault.fraction:
                return InternalServerError(
                    "An internal error occurred. Please retry your request.",
                    retry_after_seconds=fault.retryAfterSeconds,
                )
        return None

    def _throttled(self, index: int, fault: ThrottleFault, now: float) -> bool:
        if fault.fraction is not None:
            return self._rng.random() < fault.fraction
        rate = fault.ratePerSecond or 0.0
        bucket = self._buckets.setdefault(index, _Bucket(rate, rate, now))
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.last) * rate)
        bucket.last = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return False
        return True

    def server_failure(self, server_id: str, hostname: str) -> ServerFailure | None:
        """The injected failure for this server's next launch, consuming one of its count."""
        for i, fault in enumerate(self.faults):
            if not isinstance(fault, FailServerFault):
                continue
            if not _aims_at(fault, server_id, hostname):
                continue
            remaining = self._remaining.get(i)
            if remaining is not None:
                if remaining <= 0:
                    continue
                self._remaining[i] = remaining - 1
            return ServerFailure(fault.phase, fault.rawError)
        return None

    def failback_failure(self, server_id: str, hostname: str) -> tuple[str, str] | None:
        """(error, rawError) for a replication back of this server that is to stall."""
        for fault in self.faults:
            if isinstance(fault, FailFailbackFault) and _aims_at(fault, server_id, hostname):
                return fault.error, fault.rawError
        return None


def _aims_at(fault: FailServerFault | FailFailbackFault, server_id: str, hostname: str) -> bool:
    return fault.sourceServerID in (None, server_id) and fault.hostname in (None, hostname)
