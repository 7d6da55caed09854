"""Cancelling, the outcome once no wave can move, and cleaning up recovery instances."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from drs_orchestrator.domain.executions import (
    BatchState,
    CleanupStatus,
    ExecutionStatus,
    HookStatus,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.modes import policy
from drs_orchestrator.domain.quotas import TERMINATE_PER_CALL
from drs_orchestrator.engine.core.run import (
    BEFORE_LAUNCH,
    NOT_RUN_PREFIX,
    Run,
)
from drs_orchestrator.engine.core.state import (
    ExecutionState,
    ServerRun,
    WaveRun,
)
from drs_orchestrator.engine.core.step import (
    DescribeInstances,
    StartJob,
    Terminate,
)
from drs_orchestrator.engine.core.waves import dependency_state


def cancel_unlaunched(run: Run) -> None:
    for wave in run.s.waves:
        if wave.status in BEFORE_LAUNCH:
            for hook in wave.hooks:
                if hook.status == HookStatus.RUNNING:
                    hook.detail = "abandoned: execution cancelled"
                    run.hook(wave, hook, HookStatus.FAILED, reason=hook.detail)
            not_run(run, wave, "execution cancelled")
            run.wave(wave, WaveStatus.CANCELLED, reason="execution cancelled")


def not_run(run: Run, wave: WaveRun, why: str) -> None:
    for server in run.s.servers_of(wave.name):
        if not server.status.ended:
            server.failure = NOT_RUN_PREFIX + why
            run.server(server, ServerStatus.NOT_RUN, reason=why)


def settle(run: Run) -> None:
    """When no wave can move any more, block what waits on a failure and decide the outcome."""
    s = run.s
    open_waves = [w for w in s.waves if not w.status.ended]
    if not s.status.active or (s.status == ExecutionStatus.PAUSED and open_waves):
        return
    for wave in open_waves:
        if wave.status != WaveStatus.WAITING or dependency_state(s, wave) != "blocked":
            return
    for wave in open_waves:  # every open wave waits on a failure: they will not run
        cause = next(
            d
            for d in wave.spec.dependencies
            if s.wave(d).status.failed
            or s.wave(d).status == WaveStatus.CANCELLED
            or dependency_state(s, s.wave(d)) == "blocked"
        )
        wave.failure = f"{NOT_RUN_PREFIX}wave {cause} did not complete"
        not_run(run, wave, f"wave {cause} did not complete")
        run.wave(wave, WaveStatus.CANCELLED, reason=wave.failure)
    s.ended_at = run.now
    run.execution(_outcome(s))


def _outcome(s: ExecutionState) -> ExecutionStatus:
    if s.cancel_requested:
        return ExecutionStatus.CANCELLED
    stopped = [w for w in s.waves if w.status.failed and w.spec.on_failure == "stop"]
    if any(w.status == WaveStatus.TIMED_OUT for w in stopped):
        return ExecutionStatus.TIMED_OUT
    if stopped:
        return ExecutionStatus.FAILED
    if any(w.status != WaveStatus.COMPLETED for w in s.waves) or any(
        x.status == ServerStatus.FAILED for x in s.servers.values()
    ):
        return ExecutionStatus.PARTIAL
    return ExecutionStatus.COMPLETED


def emit_launches(run: Run) -> None:
    for batch in run.s.batches:
        if batch.state == BatchState.ADMITTED:
            run.record("batch", batch.key, BatchState.ADMITTED, BatchState.STARTING)
            batch.state = BatchState.STARTING
            for sid in batch.server_ids:
                run.server(run.s.servers[sid], ServerStatus.STARTING)
        if batch.state == BatchState.STARTING:
            run.actions.append(StartJob(batch.key))


def emit_describes(run: Run) -> None:
    """Launched servers whose recovery instance is not recorded yet (once each, normally)."""
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for server in run.s.servers.values():
        launched = server.status in {ServerStatus.LAUNCHED, ServerStatus.POST_LAUNCH}
        if launched and server.recovery_instance_id and server.instance_recorded_at is None:
            places[(server.account_id, server.region)].append(server.server_id)
    for (account, region), ids in sorted(places.items()):
        run.actions.append(DescribeInstances(account, region, tuple(sorted(ids))))


def cleanup(run: Run) -> None:
    s = run.s
    if (
        s.cleanup == CleanupStatus.NONE
        and policy(s.mode).scheduled_cleanup
        and s.cleanup_after_minutes is not None
        and s.ended_at is not None
        and not s.status.active
    ):
        due = s.ended_at + timedelta(minutes=s.cleanup_after_minutes)
        if run.now >= due:
            set_cleanup(run, CleanupStatus.REQUESTED, by="schedule")
        else:
            run.wakes.append(due)
    if s.cleanup in {CleanupStatus.REQUESTED, CleanupStatus.RUNNING} and not s.status.active:
        alive = alive_instances(s)
        if not alive:
            set_cleanup(run, CleanupStatus.COMPLETED)
            return
        if s.cleanup == CleanupStatus.REQUESTED:
            set_cleanup(run, CleanupStatus.RUNNING, instances=len(alive))
        if s.cleanup == CleanupStatus.RUNNING:
            _emit_terminations(run, [x for x in alive if x.cleanup_job_id is None])


def _emit_terminations(run: Run, uncovered: list[ServerRun]) -> None:
    """One Terminate per place and 200 instances not yet in a TERMINATE job of ours (a
    crash after some chunks leaves the others to the next turn)."""
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for server in uncovered:
        assert server.recovery_instance_id is not None
        places[(server.account_id, server.region)].append(server.recovery_instance_id)
    for (account, region), ids in sorted(places.items()):
        for i in range(0, len(ids), TERMINATE_PER_CALL):
            chunk = tuple(sorted(ids)[i : i + TERMINATE_PER_CALL])
            run.actions.append(Terminate(account, region, chunk, run.s.cleanup_round))


def has_work(s: ExecutionState) -> bool:
    """Whether the execution's workflow has anything left to do: run, clean up, or wait to
    clean up (a drill's timed clean-up)."""
    if s.status.active or s.cleanup in {CleanupStatus.REQUESTED, CleanupStatus.RUNNING}:
        return True
    scheduled = policy(s.mode).scheduled_cleanup and s.cleanup_after_minutes is not None
    return scheduled and s.cleanup == CleanupStatus.NONE and bool(alive_instances(s))


def alive_instances(s: ExecutionState) -> list[ServerRun]:
    return [
        x
        for x in s.servers.values()
        if x.recovery_instance_id is not None and x.status != ServerStatus.TERMINATED
    ]


def set_cleanup(run: Run, status: CleanupStatus, **detail: Any) -> None:
    if status == CleanupStatus.REQUESTED:
        run.s.cleanup_round += 1
    if run.s.cleanup != status:
        run.record("cleanup", run.s.id, run.s.cleanup, status, **detail)
        run.s.cleanup = status
