"""Emulated time: a manual clock for tests, a scaled wall clock for demos and rehearsals.

Emulated time is a float of seconds since the Unix epoch (UTC).
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime

# Where a manual clock starts unless the scenario says otherwise: fixed, so runs repeat.
MANUAL_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC).timestamp()


def iso(ts: float) -> str:
    """DRS's timestamp format: ISO-8601 UTC with milliseconds and a `Z`."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso_duration(seconds: float) -> str:
    """ISO-8601 duration as DRS reports lag (`PT0S`, `PT1H2M3S`)."""
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    day_part = f"{days}D" if days else ""
    time_part = "".join(
        f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n
    )
    if not time_part:
        return f"P{day_part}" if day_part else "PT0S"
    return f"P{day_part}T{time_part}"


class Clock(ABC):
    """Emulated time; `advance` moves it forward by emulated seconds."""

    mode = "abstract"

    @abstractmethod
    def now(self) -> float:
        """See the concrete clocks."""

    @abstractmethod
    def default_start(self) -> float:
        """See the concrete clocks."""

    @abstractmethod
    def advance(self, seconds: float) -> float:
        """See the concrete clocks."""

    @abstractmethod
    def reset(self, start: float) -> None:
        """See the concrete clocks."""

    def describe(self) -> dict[str, object]:
        return {"mode": self.mode, "now": iso(self.now())}


class ManualClock(Clock):
    """Stands still until advanced: tests move time explicitly and never sleep."""

    mode = "manual"

    def __init__(self, start: float = MANUAL_START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def default_start(self) -> float:
        return MANUAL_START

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def reset(self, start: float) -> None:
        with self._lock:
            self._now = start


class ScaledClock(Clock):
    """Wall time multiplied by `speed` (emulated seconds per wall second), plus any advances."""

    mode = "scaled"

    def __init__(self, speed: float, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._lock = threading.Lock()
        self._origin_wall = time.monotonic()
        self._origin = time.time() if start is None else start
        self._offset = 0.0

    def default_start(self) -> float:
        return time.time()

    def now(self) -> float:
        elapsed = time.monotonic() - self._origin_wall
        return self._origin + elapsed * self.speed + self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self, start: float) -> None:
        with self._lock:
            self._origin_wall = time.monotonic()
            self._origin = start
            self._offset = 0.0

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "speed": self.speed}
