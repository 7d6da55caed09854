"""The engine's time: the wall clock in production, DRS's own (emulated) clock in the demo
and in tests, so that deadlines, waits and DRS's timestamps agree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Clock:
    """`now()` in engine time; `speed` engine seconds pass per wall second (None: only when
    someone moves the clock, as the emulator's manual clock in tests)."""

    now: Callable[[], datetime]
    speed: float | None = 1.0

    def wall_seconds(self, seconds: float, longest: float) -> float:
        """How long to wait, in wall seconds, for `seconds` of engine time to pass."""
        if self.speed is None:
            return longest
        return max(0.0, min(seconds / self.speed, longest))


def system_clock() -> Clock:
    return Clock(lambda: datetime.now(UTC))
