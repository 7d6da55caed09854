"""A queue of things due to happen at emulated instants, applied in time order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class _Entry:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        # The instant of the event being applied: transitions stamp themselves with it.
        self.current = 0.0

    def at(self, due: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, _Entry(due, next(self._seq), action))

    def run_until(self, now: float) -> int:
        """Apply everything due by `now`, earliest first (ties in scheduling order)."""
        applied = 0
        while self._heap and self._heap[0].due <= now:
            entry = heapq.heappop(self._heap)
            self.current = entry.due
            entry.action()
            applied += 1
        return applied

    def next_due(self) -> float | None:
        return self._heap[0].due if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
