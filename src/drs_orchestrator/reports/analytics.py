"""What past executions teach about how long waves take."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from drs_orchestrator.domain.executions import WaveStatus
from drs_orchestrator.engine.core.state import ExecutionState


def wave_minutes(states: Iterable[ExecutionState]) -> dict[str, list[float]]:
    """Wave name -> minutes from its launch to its completion, hooks included, in every
    execution where it completed (approvals before the launch are people's time: left out)."""
    found: dict[str, list[float]] = defaultdict(list)
    for state in states:
        for wave in state.waves:
            if wave.status != WaveStatus.COMPLETED:
                continue
            if wave.launch_started_at is None or wave.ended_at is None:
                continue
            found[wave.name].append((wave.ended_at - wave.launch_started_at).total_seconds() / 60)
    return dict(found)
