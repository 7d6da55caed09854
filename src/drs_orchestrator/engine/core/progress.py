"""Moving an execution on: every pass over its waves until nothing changes, then what to
launch, describe or terminate."""

from __future__ import annotations

from datetime import datetime

from drs_orchestrator.domain.executions import (
    CleanupStatus,
    ExecutionStatus,
)
from drs_orchestrator.engine.core.finish import (
    cancel_unlaunched,
    cleanup,
    emit_describes,
    emit_launches,
    set_cleanup,
    settle,
)
from drs_orchestrator.engine.core.run import Run
from drs_orchestrator.engine.core.state import (
    ExecutionState,
)
from drs_orchestrator.engine.core.step import (
    Step,
)
from drs_orchestrator.engine.core.waves import advance_wave


def start(state: ExecutionState, now: datetime) -> Step:
    """The workflow has picked the execution up: it runs from here."""
    run = Run(state, now)
    if run.s.status == ExecutionStatus.PENDING:
        run.s.started_at = now
        run.execution(ExecutionStatus.RUNNING)
    return advance_run(run)


def advance(state: ExecutionState, now: datetime) -> Step:
    """Everything that can happen now without outside news, and the actions that need it."""
    return advance_run(Run(state, now))


def advance_run(run: Run) -> Step:
    s = run.s
    if s.status == ExecutionStatus.PENDING:
        return run.step()
    for _ in range(len(s.waves) * 8 + 8):  # each pass moves something forward, or stops
        before = len(run.events)
        if s.cancel_requested:
            cancel_unlaunched(run)
        for wave in s.waves:
            advance_wave(run, wave)
        settle(run)
        if len(run.events) == before:
            break
    emit_launches(run)
    emit_describes(run)
    cancelled = s.status == ExecutionStatus.CANCELLED
    if s.terminate_on_cancel and cancelled and s.cleanup == CleanupStatus.NONE:
        set_cleanup(run, CleanupStatus.REQUESTED, by="cancel")
    cleanup(run)
    return run.step()
