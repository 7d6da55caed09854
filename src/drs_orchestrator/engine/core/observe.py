"""What the runner reports: DRS capacity granted, jobs started or refused, what DRS says
of jobs and instances, hooks run outside."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from drs_orchestrator.domain.executions import (
    BatchState,
    CleanupStatus,
    HookStatus,
    JobStatus,
    LaunchStatus,
    ServerStatus,
)
from drs_orchestrator.domain.observations import InstanceView, JobView
from drs_orchestrator.domain.snapshots import RecoverySnapshot
from drs_orchestrator.engine.core.finish import alive_instances, set_cleanup
from drs_orchestrator.engine.core.progress import advance_run
from drs_orchestrator.engine.core.run import Run, subject
from drs_orchestrator.engine.core.state import (
    ExecutionState,
    HookRun,
    ServerRun,
    WaveRun,
)
from drs_orchestrator.engine.core.step import (
    Step,
)


def admitted(state: ExecutionState, keys: Iterable[str], now: datetime) -> Step:
    """DRS capacity was granted to these queued batches."""
    run = Run(state, now)
    for key in keys:
        batch = run.s.batch(key)
        if batch.state == BatchState.QUEUED:
            run.record("batch", key, BatchState.QUEUED, BatchState.ADMITTED)
            batch.state = BatchState.ADMITTED
            batch.admitted_at = now
    return advance_run(run)


def job_started(state: ExecutionState, key: str, job_id: str, now: datetime) -> Step:
    run = Run(state, now)
    batch = run.s.batch(key)
    if batch.state.due:
        run.record("batch", key, batch.state, BatchState.RUNNING, jobId=job_id)
        batch.state = BatchState.RUNNING
        batch.job_id = job_id
        batch.started_at = now
        for sid in batch.server_ids:
            server = run.s.servers[sid]
            server.job_id = job_id
            server.started_at = now
            run.server(server, ServerStatus.PENDING, jobId=job_id)
    return advance_run(run)


def job_deferred(state: ExecutionState, key: str, reason: str, now: datetime) -> Step:
    """DRS could not start the batch now (its servers are busy in another job, throttling, a
    quota): it stays due and is tried again until the wave's deadline."""
    run = Run(state, now)
    batch = run.s.batch(key)
    if batch.state.due and batch.error != reason:
        batch.error = reason  # recorded when the answer changes, not at every try
        run.record("batch", key, batch.state, batch.state, deferred=reason)
    return run.step()


def launch_settings_prepared(state: ExecutionState, key: str, summary: str, now: datetime) -> Step:
    """What was re-applied or checked of the batch's launch settings before its launch."""
    run = Run(state, now)
    batch = run.s.batch(key)
    run.record("batch", key, batch.state, batch.state, launchSettings=summary)
    return run.step()


def snapshots_chosen(
    state: ExecutionState, key: str, chosen: dict[str, RecoverySnapshot], now: datetime
) -> Step:
    """The recovery snapshots the batch's servers launch from, said before its StartRecovery."""
    run = Run(state, now)
    batch = run.s.batch(key)
    for sid, snapshot in chosen.items():
        server = run.s.servers[sid]
        server.recovery_snapshot_id = snapshot.snapshot_id
        server.snapshot_taken_at = snapshot.taken_at
    run.record(
        "batch",
        key,
        batch.state,
        batch.state,
        recoverySnapshots=[
            f"{sid}: {s.snapshot_id} of {s.taken_at.isoformat()}"
            for sid, s in sorted(chosen.items())
        ],
    )
    return run.step()


def job_not_started(state: ExecutionState, key: str, reason: str, now: datetime) -> Step:
    """StartRecovery was refused for good (not a throttle or a quota: those are retried)."""
    run = Run(state, now)
    batch = run.s.batch(key)
    if batch.state.due:
        run.record("batch", key, batch.state, BatchState.ENDED, reason=reason)
        batch.state = BatchState.ENDED
        batch.ended_at = now
        batch.error = reason
        for sid in batch.server_ids:
            server = run.s.servers[sid]
            server.failure = reason
            run.server(server, ServerStatus.FAILED, reason=reason)
    return advance_run(run)


def job_observed(state: ExecutionState, job: JobView, now: datetime) -> Step:
    """What DescribeJobs (and, when it changed, the job log) says about one of our jobs."""
    run = Run(state, now)
    s = run.s
    batch = next((b for b in s.batches if b.job_id == job.job_id), None)
    if job.job_id in s.cleanup_job_ids:
        _observe_termination(run, job)
        return advance_run(run)
    if batch is None:
        return run.step()
    for view in job.servers:
        server = s.servers.get(view.server_id)
        if server is None or server.batch != batch.key:
            continue
        server.launch_status = view.launch_status
        server.phases.update(job.phases.get(view.server_id, {}))
        on_premises = server.failback_instance_id is not None
        if view.recovery_instance_id and server.recovery_instance_id is None and not on_premises:
            server.recovery_instance_id = view.recovery_instance_id
        if view.post_launch is not None:
            server.post_launch = view.post_launch
            if view.post_launch == "FAILED" and view.post_launch_failure:
                server.failure = view.post_launch_failure
        if server.status.ended:
            continue
        if view.launch_status in {LaunchStatus.PENDING, LaunchStatus.IN_PROGRESS}:
            run.server(server, ServerStatus(view.launch_status))
        elif view.launch_status == LaunchStatus.LAUNCHED and server.status not in {
            ServerStatus.LAUNCHED,
            ServerStatus.POST_LAUNCH,
        }:
            server.launched_at = now
            if on_premises:  # the machine it launched is not an instance DRS lists for us
                server.instance_recorded_at = now
                run.server(server, ServerStatus.LAUNCHED, onPremises=True)
            else:
                run.server(
                    server, ServerStatus.LAUNCHED, recoveryInstanceId=view.recovery_instance_id
                )
        elif view.launch_status in {LaunchStatus.FAILED, LaunchStatus.TERMINATED}:
            server.failure = job.failures.get(view.server_id) or f"launch {view.launch_status}"
            run.server(server, ServerStatus.FAILED, reason=server.failure)
    if job.status == JobStatus.COMPLETED and batch.state == BatchState.RUNNING:
        run.record("batch", batch.key, BatchState.RUNNING, BatchState.ENDED, jobId=job.job_id)
        batch.state = BatchState.ENDED
        batch.ended_at = job.ended_at or now
        for sid in batch.server_ids:
            server = s.servers[sid]
            if server.status in {ServerStatus.PENDING, ServerStatus.IN_PROGRESS}:
                server.failure = job.failures.get(sid) or "job ended without launching it"
                run.server(server, ServerStatus.FAILED, reason=server.failure)
    return advance_run(run)


def _observe_termination(run: Run, job: JobView) -> None:
    """Only instances this execution launched, and only those this job covers."""
    mine = {x.recovery_instance_id: x for x in run.s.servers.values() if x.recovery_instance_id}
    for view in job.servers:
        server = mine.get(view.recovery_instance_id or "")
        if server is not None and view.launch_status == LaunchStatus.TERMINATED:
            server.ec2_state = "TERMINATED"
            if server.status != ServerStatus.TERMINATED:
                run.server(server, ServerStatus.TERMINATED)
    left = [
        x for x in alive_instances(run.s) if x.cleanup_job_id == job.job_id
    ]  # what this job was to terminate and did not
    if job.status == JobStatus.COMPLETED and left and run.s.cleanup != CleanupStatus.FAILED:
        failures = "; ".join(f"{k}: {v}" for k, v in sorted(job.failures.items()))
        reason = failures or f"{len(left)} instances were not terminated by {job.job_id}"
        run.record("cleanup", run.s.id, run.s.cleanup, CleanupStatus.FAILED, reason=reason)
        run.s.cleanup = CleanupStatus.FAILED


def _launched_by_us(server: ServerRun, view: InstanceView) -> bool:
    """Whether this recovery instance is the one our launch made (a source server also has
    the instances of earlier drills, terminated or not, which are not ours to follow)."""
    if server.recovery_instance_id is not None:
        return view.recovery_instance_id == server.recovery_instance_id
    return view.job_id is not None and view.job_id == server.job_id


def instances_observed(state: ExecutionState, views: Iterable[InstanceView], now: datetime) -> Step:
    """DescribeRecoveryInstances' answer for some of our servers: each one's own instance,
    or NOT_FOUND when DRS lists none of ours for it."""
    run = Run(state, now)
    asked: dict[str, InstanceView | None] = {}
    for view in views:
        server = run.s.servers.get(view.server_id)
        if server is None:
            continue
        ours = view.recovery_instance_id is not None and _launched_by_us(server, view)
        if ours or view.server_id not in asked:
            asked[view.server_id] = view if ours else asked.get(view.server_id)
    for server_id, found in asked.items():
        server = run.s.servers[server_id]
        if found is None and server.recovery_instance_id is None:
            continue  # nothing of ours was launched for it: nothing to record
        if found is not None:
            server.recovery_instance_id = found.recovery_instance_id
            server.ec2_instance_id = found.ec2_instance_id
        server.ec2_state = found.ec2_state if found is not None else "NOT_FOUND"
        server.instance_recorded_at = now
        run.record(
            "instance",
            server.server_id,
            None,
            server.ec2_state,
            recoveryInstanceId=server.recovery_instance_id,
            ec2InstanceId=server.ec2_instance_id,
        )
    return advance_run(run)


def drs_asked(state: ExecutionState, wave: str, now: datetime) -> Step:
    """DRS was asked about a wave past its deadline (and the answers applied)."""
    run = Run(state, now)
    run.s.wave(wave).truth_asked_at = now
    return advance_run(run)


def _running_hook(run: Run, wave: str, index: int) -> tuple[WaveRun, HookRun] | None:
    """The hook a report is about, if it is still running (late reports change nothing)."""
    w = run.s.wave(wave)
    hook = w.hooks[index]
    return (w, hook) if hook.status == HookStatus.RUNNING else None


def hook_finished(
    state: ExecutionState, wave: str, index: int, *, ok: bool, detail: str, now: datetime
) -> Step:
    """One try of a hook ended; a failed httpCheck tries again after its interval."""
    run = Run(state, now)
    if (found := _running_hook(run, wave, index)) is None:
        return run.step()
    w, hook = found
    hook.detail = detail
    hook.attempts += 1
    spec = hook.hook
    again = None if ok else spec.retry_after(hook.attempts)
    if again is not None:
        hook.next_attempt_at = now + again
        run.record(
            "hook", subject(w, hook), "RUNNING", "RUNNING", attempt=hook.attempts, detail=detail
        )
    else:
        hook.next_attempt_at = None
        run.hook(w, hook, HookStatus.PASSED if ok else HookStatus.FAILED, detail=detail)
    return advance_run(run)


def hook_pending(
    state: ExecutionState, wave: str, index: int, *, handle: str, check_in: float, now: datetime
) -> Step:
    """A hook AWS runs for a while (SSM): started as `handle`, to be checked again later."""
    run = Run(state, now)
    if (found := _running_hook(run, wave, index)) is None:
        return run.step()
    w, hook = found
    if hook.handle != handle:
        hook.handle = handle
        run.record("hook", subject(w, hook), None, None, started=handle)
    hook.next_attempt_at = now + timedelta(seconds=check_in)
    return advance_run(run)


def cleanup_started(
    state: ExecutionState, job_id: str, recovery_instance_ids: Iterable[str], now: datetime
) -> Step:
    """DRS accepted a TERMINATE job for these of our recovery instances (or it was found
    again after a crash)."""
    run = Run(state, now)
    covered = set(recovery_instance_ids)
    if job_id not in run.s.cleanup_job_ids:
        run.s.cleanup_job_ids.append(job_id)
        run.record("cleanup", run.s.id, None, None, jobIds=[job_id], instances=len(covered))
    for server in run.s.servers.values():
        if server.recovery_instance_id in covered:
            server.cleanup_job_id = job_id
    return advance_run(run)


def cleanup_failed(state: ExecutionState, reason: str, now: datetime) -> Step:
    run = Run(state, now)
    set_cleanup(run, CleanupStatus.FAILED, reason=reason)
    return run.step()
