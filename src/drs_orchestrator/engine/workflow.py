"""The durable workflow: one DBOS workflow per execution around the functional core.

Each turn of a workflow is a step that takes in what the pollers saw, admits queued batches,
lets the core decide and stores the result; then one step per action (StartRecovery, a hook,
DescribeRecoveryInstances, ...); then it sleeps on its mailbox until woken (by the poller, an
operator, or its own next deadline). Everything it knows is in the database, so a restarted
worker carries on where the dead one stopped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dbos import DBOS

from drs_orchestrator.domain.errors import DomainError
from drs_orchestrator.domain.executions import BatchState
from drs_orchestrator.engine import actions, admission_control, records
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.core.step import Action, Event, Step
from drs_orchestrator.engine.port import Port
from drs_orchestrator.engine.probe import Probe
from drs_orchestrator.engine.store import ExecutionStore
from drs_orchestrator.store import executions, jobs

log = logging.getLogger(__name__)

WAKE = "wake"
# Longest a workflow sleeps without news (wall seconds): a safety net, not the cadence.
LONGEST_SLEEP = 60.0


@dataclass(frozen=True)
class Worker:
    """What this process's workflows work with (DBOS workflows are module functions: they
    find it here)."""

    port: Port
    store: ExecutionStore
    probe: Probe


_worker: Worker | None = None


def install(worker: Worker | None) -> None:
    global _worker  # noqa: PLW0603 - one engine per process, as DBOS itself
    _worker = worker


def _current() -> Worker:
    if _worker is None:
        raise RuntimeError("the engine is not running")
    return _worker


@DBOS.workflow()
def run_execution(execution_id: str) -> str:
    worker = _current()
    while True:
        turn = take_turn(execution_id)
        if turn["done"] and not has_work_again(execution_id):
            worker.probe.resting(execution_id, finished=True)
            return str(turn["status"])
        # (done, yet a command just gave it work: it rests below until that command wakes it)
        retry_in: list[float] = []
        for action in turn["actions"]:
            outcome = perform(execution_id, action)
            if outcome is not None:
                retry_in.append(outcome)
        if turn["actions"] and not retry_in:
            continue  # the actions changed the state: decide again at once
        waits = [w for w in [turn["sleep"], *retry_in] if w is not None]
        worker.probe.resting(execution_id, finished=False)
        message = DBOS.recv(WAKE, timeout_seconds=min(waits) if waits else LONGEST_SLEEP)
        worker.probe.woke(execution_id, message)


@DBOS.step(retries_allowed=True, max_attempts=5)
def has_work_again(execution_id: str) -> bool:
    """Whether a command arrived as the workflow was about to end (its wake-up would be lost
    with the workflow): then it takes another turn instead of ending."""
    with _current().port.db.connect() as conn:
        return executions.has_work(conn, execution_id)


@DBOS.step(retries_allowed=True, max_attempts=5)
def take_turn(execution_id: str) -> dict[str, Any]:
    """Take in observations and admissions, let the core decide, store it; what to do next."""
    worker = _current()
    port, store = worker.port, worker.store
    taken: list[tuple[str, int]] = []

    def turn(state: ExecutionState, now: datetime) -> Step:
        events: list[Event] = []
        with port.db.connect() as conn:
            unapplied = jobs.unapplied(conn, execution_id)
        taken[:] = [(j.job_id, j.observed_seq) for j in unapplied]
        for job in unapplied:
            if job.view is not None:
                step = machine.job_observed(state, records.view_of(job.view), now)
                state, events = step.state, events + step.events
        if state.status.value == "PENDING":
            step = machine.start(state, now)
        else:
            step = machine.advance(state, now)
        return Step(step.state, events + step.events, step.actions, step.wake_at)

    step = store.apply(execution_id, turn, reserve_again=False)
    with port.db.begin() as conn:
        for job_id, seq in taken:
            jobs.applied(conn, job_id, seq)
    others = admission_control.admit_for(port, step.state)
    with port.db.connect() as conn:  # admitted now, or earlier in another's turn
        granted = {b.batch_key for b in jobs.batches_of(conn, execution_id, BatchState.ADMITTED)}
    mine = [b.key for b in step.state.batches if b.state == BatchState.QUEUED and b.key in granted]
    if mine:
        step = store.apply(
            execution_id, lambda s, now: machine.admitted(s, mine, now), reserve_again=False
        )
    for other in others - {execution_id}:
        port.wake(other)
    state = step.state
    followed = actions.still_followed(state)
    with port.db.begin() as conn:
        jobs.follow_only(conn, execution_id, followed)
    busy = bool(followed) or any(b.state.due for b in state.batches)
    done = not state.status.active and not step.actions and not busy and step.wake_at is None
    sleep = None
    if step.wake_at is not None:
        ahead = (step.wake_at - port.clock.now()).total_seconds()
        sleep = port.clock.wall_seconds(ahead, LONGEST_SLEEP)
    return {
        "done": done,
        "status": state.status.value,
        "actions": [actions.encode(a) for a in step.actions],
        "sleep": sleep,
    }


@DBOS.step(retries_allowed=True, max_attempts=5)
def perform(execution_id: str, action: dict[str, Any]) -> float | None:
    """Do one action; None when it changed the state, else wall seconds until it may be
    tried again."""
    port = _current().port
    decoded: Action = actions.decode(action)
    try:
        return actions.perform(port, execution_id, decoded)
    except DomainError as error:  # DRS unreachable and the like: try again later
        log.warning("execution %s: %s failed: %s", execution_id, action, error)
        return port.clock.wall_seconds(15, LONGEST_SLEEP)
