"""How soon to poll a place again: often when a job is about to finish (judged from how long
launches took before), rarely in the long snapshot and conversion phases."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime

from drs_orchestrator.domain.executions import JobStatus

# Without history: a drill launch takes about 20 minutes; a termination about 2
# (docs/drs-facts.md).
DEFAULT_LAUNCH_SECONDS = 20 * 60
TERMINATE_SECONDS = 2 * 60
FASTEST = 5.0
SLOWEST = 60.0


def next_poll_seconds(
    jobs: Sequence[tuple[datetime, str, str]], now: datetime, launch_history: Sequence[float]
) -> float:
    """Engine seconds until the next poll, for jobs given as (created, kind, status)."""
    typical = statistics.median(launch_history) if launch_history else DEFAULT_LAUNCH_SECONDS
    soonest = SLOWEST
    for created, kind, status in jobs:
        expected = TERMINATE_SECONDS if kind == "TERMINATE" else typical
        if status == JobStatus.COMPLETED:  # followed for post-launch actions: they take minutes
            soonest = min(soonest, 30.0)
            continue
        remaining = expected - (now - created).total_seconds()
        soonest = min(soonest, max(FASTEST, remaining / 4))
    return soonest
