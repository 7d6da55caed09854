"""The execution state machine: `advance` decides what happens next; the other functions take
in what DRS, hooks and operators report. All pure: each returns a `Step` on a copy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Literal

from drs_orchestrator.domain import display
from drs_orchestrator.domain.errors import Conflict, Forbidden, NotFound
from drs_orchestrator.domain.executions import (
    CleanupStatus,
    ExecutionStatus,
    HookStatus,
    Mode,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.hooks import HttpCheck, ManualApproval, SsmAutomation, SsmCommand, Wait
from drs_orchestrator.domain.observations import InstanceView, JobView
from drs_orchestrator.domain.roles import Role, covers
from drs_orchestrator.engine.core.state import (
    MAX_SERVERS_PER_JOB,
    Batch,
    ExecutionState,
    HookRun,
    ServerRun,
    WaveRun,
)
from drs_orchestrator.engine.core.step import (
    Action,
    AskDrs,
    DescribeInstances,
    Event,
    RunHook,
    StartJob,
    Step,
    Terminate,
)

MAX_TERMINATE_PER_CALL = 200
_BEFORE_LAUNCH = {
    WaveStatus.PENDING,
    WaveStatus.WAITING,
    WaveStatus.AWAITING_APPROVAL,
    WaveStatus.PRE_HOOKS,
}
_LAUNCH_SETTLED = {
    ServerStatus.LAUNCHED,
    ServerStatus.POST_LAUNCH,
    ServerStatus.READY,
    ServerStatus.FAILED,
    ServerStatus.TERMINATED,
    ServerStatus.NOT_RUN,
}
_NOT_RUN_PREFIX = "Not run: "


class _Run:
    """A copy of the state being changed, and what the change produced."""

    def __init__(self, state: ExecutionState, now: datetime) -> None:
        self.s = state.model_copy(deep=True)
        self.now = now
        self.events: list[Event] = []
        self.actions: list[Action] = []
        self.wakes: list[datetime] = []

    def record(
        self, kind: str, subject: str, old: str | None, new: str | None, **detail: Any
    ) -> None:
        self.events.append(Event(self.s.events_recorded, self.now, kind, subject, old, new, detail))
        self.s.events_recorded += 1

    def execution(self, status: ExecutionStatus, **detail: Any) -> None:
        if self.s.status != status:
            self.record("execution", self.s.id, self.s.status, status, **detail)
            self.s.status = status

    def wave(self, wave: WaveRun, status: WaveStatus, **detail: Any) -> None:
        if wave.status != status:
            self.record("wave", wave.name, wave.status, status, **detail)
            wave.status = status
            if status.ended:
                wave.ended_at = self.now

    def server(self, server: ServerRun, status: ServerStatus, **detail: Any) -> None:
        if server.status != status:
            self.record("server", server.server_id, server.status, status, **detail)
            server.status = status
            if status.ended:
                server.ended_at = self.now

    def hook(self, wave: WaveRun, hook: HookRun, status: HookStatus, **detail: Any) -> None:
        if hook.status != status:
            self.record(
                "hook", _subject(wave, hook), hook.status, status, type=hook.hook.type, **detail
            )
            hook.status = status
            if status == HookStatus.RUNNING:
                hook.started_at = self.now
            elif status in {HookStatus.PASSED, HookStatus.FAILED}:
                hook.ended_at = self.now

    def step(self) -> Step:
        actions = list(dict.fromkeys(self.actions))  # passes may ask for the same thing again
        return Step(self.s, self.events, actions, min(self.wakes, default=None))


# --- starting -------------------------------------------------------------------------------


def start(state: ExecutionState, now: datetime) -> Step:
    """The workflow has picked the execution up: it runs from here."""
    run = _Run(state, now)
    if run.s.status == ExecutionStatus.PENDING:
        run.s.started_at = now
        run.execution(ExecutionStatus.RUNNING)
    return _advance(run)


def advance(state: ExecutionState, now: datetime) -> Step:
    """Everything that can happen now without outside news, and the actions that need it."""
    return _advance(_Run(state, now))


def _advance(run: _Run) -> Step:
    s = run.s
    if s.status == ExecutionStatus.PENDING:
        return run.step()
    for _ in range(len(s.waves) * 8 + 8):  # each pass moves something forward, or stops
        before = len(run.events)
        if s.cancel_requested:
            _cancel_unlaunched(run)
        for wave in s.waves:
            _advance_wave(run, wave)
        _settle(run)
        if len(run.events) == before:
            break
    _emit_launches(run)
    _emit_describes(run)
    cancelled = s.status == ExecutionStatus.CANCELLED
    if s.terminate_on_cancel and cancelled and s.cleanup == CleanupStatus.NONE:
        _set_cleanup(run, CleanupStatus.REQUESTED, by="cancel")
    _cleanup(run)
    return run.step()


# --- waves ------------------------------------------------------------------------------------


def _dependency_state(
    s: ExecutionState, wave: WaveRun, seen: dict[str, str] | None = None
) -> Literal["met", "waiting", "blocked"]:
    """Whether a wave may start: `blocked` when it (transitively) waits on a failure."""
    seen = {} if seen is None else seen
    state: Literal["met", "waiting", "blocked"] = "met"
    for name in wave.spec.dependencies:
        dep = s.wave(name)
        if dep.status in {WaveStatus.COMPLETED, WaveStatus.SKIPPED}:
            continue
        if dep.status.failed and dep.spec.on_failure == "continue":
            continue
        if dep.status.failed or dep.status == WaveStatus.CANCELLED:
            return "blocked"
        if dep.status == WaveStatus.WAITING:
            if name not in seen:
                seen[name] = _dependency_state(s, dep, seen)
            if seen[name] == "blocked":
                return "blocked"
        state = "waiting"
    return state


def _advance_wave(run: _Run, wave: WaveRun) -> None:
    s = run.s
    if wave.status == WaveStatus.PENDING:
        run.wave(wave, WaveStatus.WAITING)
    if wave.status == WaveStatus.WAITING:
        _maybe_begin(run, wave)
    if _in_phase(wave, "pre") and _run_hooks(run, wave, "pre"):
        _begin_launch(run, wave)
    if wave.status == WaveStatus.LAUNCHING:
        _follow_launch(run, wave)
    if wave.status == WaveStatus.VERIFYING:
        _verify(run, wave)
    if _in_phase(wave, "post") and _run_hooks(run, wave, "post"):
        run.wave(wave, WaveStatus.CANCELLED if s.cancel_requested else WaveStatus.COMPLETED)
    if wave.deadline and not wave.status.ended and wave.status not in _BEFORE_LAUNCH:
        _check_deadline(run, wave)


def _maybe_begin(run: _Run, wave: WaveRun) -> None:
    s = run.s
    if s.cancel_requested or _dependency_state(s, wave) != "met":
        return
    if s.status != ExecutionStatus.RUNNING:
        return  # paused: a wave boundary holds
    if wave.spec.pause_before and not wave.pause_released:
        s.pause_requested = True
        s.paused_reason = f"Before wave {wave.name}"
        run.execution(ExecutionStatus.PAUSED, reason=s.paused_reason, wave=wave.name)
        return
    wave.started_at = run.now
    run.wave(wave, WaveStatus.PRE_HOOKS)


def _in_phase(wave: WaveRun, phase: Literal["pre", "post"]) -> bool:
    if wave.status == WaveStatus.AWAITING_APPROVAL:  # approvals gate either phase
        return any(h.phase == phase and h.status == HookStatus.RUNNING for h in wave.hooks)
    return wave.status == (WaveStatus.PRE_HOOKS if phase == "pre" else WaveStatus.POST_HOOKS)


def _run_hooks(run: _Run, wave: WaveRun, phase: Literal["pre", "post"]) -> bool:
    """Move this phase's hooks on, in order; True once they all passed."""
    for hook in wave.hooks_of(phase):
        if hook.status == HookStatus.PASSED:
            continue
        if hook.status == HookStatus.FAILED:
            _fail_wave(run, wave, _hook_failure(hook))
            return False
        if run.s.cancel_requested:
            return False
        index = wave.hooks.index(hook)
        spec = hook.hook
        if isinstance(spec, ManualApproval):
            run.wave(wave, WaveStatus.AWAITING_APPROVAL, message=spec.message)
        else:
            run.wave(wave, _phase_status(phase))
        if hook.status == HookStatus.PENDING:
            run.hook(wave, hook, HookStatus.RUNNING)
        if isinstance(spec, ManualApproval):
            assert hook.started_at is not None
            due = hook.started_at + timedelta(minutes=spec.timeout_minutes)
            if run.now >= due:
                hook.detail = f"no approval within {display.duration(spec.timeout_minutes * 60)}"
                run.hook(wave, hook, HookStatus.FAILED, reason=hook.detail)
                _fail_wave(run, wave, _hook_failure(hook))
                return False
            run.wakes.append(due)
        elif isinstance(spec, Wait):
            assert hook.started_at is not None
            due = hook.started_at + timedelta(seconds=spec.duration_seconds)
            if run.now >= due:
                run.hook(wave, hook, HookStatus.PASSED)
                continue
            run.wakes.append(due)
        elif _hook_overdue(run, wave, hook):
            return False
        elif hook.next_attempt_at is not None and run.now < hook.next_attempt_at:
            run.wakes.append(hook.next_attempt_at)
        else:
            run.actions.append(RunHook(wave.name, index))
        return False
    return True


def _hook_overdue(run: _Run, wave: WaveRun, hook: HookRun) -> bool:
    """SSM hooks have a timeout of their own: past it, the hook fails (and so the wave)."""
    limit = getattr(hook.hook, "timeout_minutes", None)
    if not isinstance(hook.hook, (SsmAutomation, SsmCommand)) or hook.started_at is None:
        return False
    assert isinstance(limit, int)
    due = hook.started_at + timedelta(minutes=limit)
    if run.now < due:
        run.wakes.append(due)
        return False
    hook.detail = f"not finished within {display.duration(limit * 60)}" + (
        f" ({hook.handle})" if hook.handle else ""
    )
    run.hook(wave, hook, HookStatus.FAILED, reason=hook.detail)
    _fail_wave(run, wave, _hook_failure(hook))
    return True


def _phase_status(phase: Literal["pre", "post"]) -> WaveStatus:
    return WaveStatus.PRE_HOOKS if phase == "pre" else WaveStatus.POST_HOOKS


def _begin_launch(run: _Run, wave: WaveRun) -> None:
    wave.launch_started_at = run.now
    wave.deadline = run.now + timedelta(minutes=wave.spec.timeout_minutes)
    wave.truth_asked_at = None
    run.wave(wave, WaveStatus.LAUNCHING)
    _queue(run, wave, [s for s in run.s.servers_of(wave.name) if s.status == ServerStatus.WAITING])


def _queue(run: _Run, wave: WaveRun, servers: list[ServerRun]) -> None:
    """Batches of one account and region, at most 100 servers each: one StartRecovery each."""
    places: dict[tuple[str, str], list[ServerRun]] = defaultdict(list)
    for server in sorted(servers, key=lambda x: x.server_id):
        places[(server.account_id, server.region)].append(server)
    for (account, region), members in sorted(places.items()):
        for n, first in enumerate(range(0, len(members), MAX_SERVERS_PER_JOB)):
            chunk = members[first : first + MAX_SERVERS_PER_JOB]
            key = f"{wave.number}.{account}.{region}.{n + 1}.a{wave.attempt}"
            run.s.batches.append(
                Batch(
                    key=key,
                    wave=wave.name,
                    wave_number=wave.number,
                    account_id=account,
                    region=region,
                    server_ids=[x.server_id for x in chunk],
                    attempt=wave.attempt,
                    requested_at=run.now,
                )
            )
            run.record("batch", key, None, "QUEUED", servers=len(chunk))
            for server in chunk:
                server.batch = key
                server.attempt = wave.attempt
                server.queued_at = run.now
                run.server(server, ServerStatus.QUEUED, batch=key)


def _batches(s: ExecutionState, wave: WaveRun) -> list[Batch]:
    return [b for b in s.batches if b.wave == wave.name and b.attempt == wave.attempt]


def _follow_launch(run: _Run, wave: WaveRun) -> None:
    s = run.s
    servers = s.servers_of(wave.name)
    batches = _batches(s, wave)
    if s.cancel_requested:
        for batch in batches:
            if batch.state in {"QUEUED", "ADMITTED"}:
                _drop(run, batch, "cancelled before launch")
    in_flight = any(b.state in {"QUEUED", "ADMITTED", "STARTING", "RUNNING"} for b in batches)
    if in_flight or not all(x.status in _LAUNCH_SETTLED for x in servers):
        return
    run.wave(wave, WaveStatus.VERIFYING)


def _drop(run: _Run, batch: Batch, why: str) -> None:
    run.record("batch", batch.key, batch.state, "DROPPED", reason=why)
    batch.state = "DROPPED"
    batch.ended_at = run.now
    for sid in batch.server_ids:
        server = run.s.servers[sid]
        if not server.status.ended:
            server.failure = why
            run.server(server, ServerStatus.NOT_RUN, reason=why)


def _verify(run: _Run, wave: WaveRun) -> None:
    s = run.s
    servers = s.servers_of(wave.name)
    for server in servers:
        if server.status in {ServerStatus.LAUNCHED, ServerStatus.POST_LAUNCH}:
            _verify_server(run, server)
    if not all(x.status.ended for x in servers):
        return
    failed = [x for x in servers if x.critical and x.status != ServerStatus.READY]
    if failed:
        first = failed[0]
        reason = f"{first.hostname or first.server_id}: {first.failure or first.status}"
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        _fail_wave(run, wave, reason + more)
    elif s.cancel_requested:
        run.wave(wave, WaveStatus.CANCELLED, reason="cancelled")
    else:
        run.wave(wave, WaveStatus.POST_HOOKS)


def _verify_server(run: _Run, server: ServerRun) -> None:
    if server.instance_recorded_at is None:
        return  # DescribeInstances is on its way
    if run.s.mode == Mode.RECOVERY and server.expects_post_launch:
        if server.post_launch == "FAILED":
            server.failure = server.failure or "post-launch actions failed"
            run.server(server, ServerStatus.FAILED, reason=server.failure)
            return
        if server.post_launch != "SUCCEEDED":
            run.server(server, ServerStatus.POST_LAUNCH)
            return
    run.server(server, ServerStatus.READY)


def _fail_wave(run: _Run, wave: WaveRun, reason: str, timed_out: bool = False) -> None:
    wave.failure = reason
    for server in run.s.servers_of(wave.name):
        if server.status == ServerStatus.WAITING:
            server.failure = f"{_NOT_RUN_PREFIX}wave {wave.name} failed before its launch"
            run.server(server, ServerStatus.NOT_RUN, reason=server.failure)
    run.wave(wave, WaveStatus.TIMED_OUT if timed_out else WaveStatus.FAILED, reason=reason)


def _check_deadline(run: _Run, wave: WaveRun) -> None:
    assert wave.deadline is not None
    if run.now < wave.deadline:
        run.wakes.append(wave.deadline)
        return
    running = [
        b.job_id for b in _batches(run.s, wave) if b.state == "RUNNING" and b.job_id is not None
    ]
    unrecorded = [
        x.server_id
        for x in run.s.servers_of(wave.name)
        if x.status == ServerStatus.LAUNCHED and x.instance_recorded_at is None
    ]
    asked = wave.truth_asked_at is not None and wave.truth_asked_at >= wave.deadline
    if (running or unrecorded) and not asked:
        run.actions.append(AskDrs(wave.name, tuple(running), tuple(unrecorded)))
        return
    minutes = wave.spec.timeout_minutes
    for batch in _batches(run.s, wave):
        if batch.state in {"QUEUED", "ADMITTED"}:
            _drop(run, batch, f"wave timed out after {minutes} min")
    for server in run.s.servers_of(wave.name):
        if not server.status.ended:
            server.failure = f"not ready within the wave's {minutes} min"
            run.server(server, ServerStatus.FAILED, reason=server.failure)
    waited = [b.error for b in _batches(run.s, wave) if b.error and b.state != "ENDED"]
    why = f" (DRS kept answering: {waited[0]})" if waited else ""
    _fail_wave(run, wave, f"not complete within {minutes} min{why}", timed_out=True)


# --- cancelling and finishing -------------------------------------------------------------------


def _cancel_unlaunched(run: _Run) -> None:
    for wave in run.s.waves:
        if wave.status in _BEFORE_LAUNCH:
            for hook in wave.hooks:
                if hook.status == HookStatus.RUNNING:
                    hook.detail = "abandoned: execution cancelled"
                    run.hook(wave, hook, HookStatus.FAILED, reason=hook.detail)
            _not_run(run, wave, "execution cancelled")
            run.wave(wave, WaveStatus.CANCELLED, reason="execution cancelled")


def _not_run(run: _Run, wave: WaveRun, why: str) -> None:
    for server in run.s.servers_of(wave.name):
        if not server.status.ended:
            server.failure = _NOT_RUN_PREFIX + why
            run.server(server, ServerStatus.NOT_RUN, reason=why)


def _settle(run: _Run) -> None:
    """When no wave can move any more, block what waits on a failure and decide the outcome."""
    s = run.s
    open_waves = [w for w in s.waves if not w.status.ended]
    if not s.status.active or (s.status == ExecutionStatus.PAUSED and open_waves):
        return
    for wave in open_waves:
        if wave.status != WaveStatus.WAITING or _dependency_state(s, wave) != "blocked":
            return
    for wave in open_waves:  # every open wave waits on a failure: they will not run
        cause = next(
            d
            for d in wave.spec.dependencies
            if s.wave(d).status.failed
            or s.wave(d).status == WaveStatus.CANCELLED
            or _dependency_state(s, s.wave(d)) == "blocked"
        )
        wave.failure = f"{_NOT_RUN_PREFIX}wave {cause} did not complete"
        _not_run(run, wave, f"wave {cause} did not complete")
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


def _emit_launches(run: _Run) -> None:
    for batch in run.s.batches:
        if batch.state == "ADMITTED":
            run.record("batch", batch.key, "ADMITTED", "STARTING")
            batch.state = "STARTING"
            for sid in batch.server_ids:
                run.server(run.s.servers[sid], ServerStatus.STARTING)
        if batch.state == "STARTING":
            run.actions.append(StartJob(batch.key))


def _emit_describes(run: _Run) -> None:
    """Launched servers whose recovery instance is not recorded yet (once each, normally)."""
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for server in run.s.servers.values():
        launched = server.status in {ServerStatus.LAUNCHED, ServerStatus.POST_LAUNCH}
        if launched and server.recovery_instance_id and server.instance_recorded_at is None:
            places[(server.account_id, server.region)].append(server.server_id)
    for (account, region), ids in sorted(places.items()):
        run.actions.append(DescribeInstances(account, region, tuple(sorted(ids))))


def _cleanup(run: _Run) -> None:
    s = run.s
    if (
        s.cleanup == CleanupStatus.NONE
        and s.mode == Mode.DRILL
        and s.cleanup_after_minutes is not None
        and s.ended_at is not None
        and not s.status.active
    ):
        due = s.ended_at + timedelta(minutes=s.cleanup_after_minutes)
        if run.now >= due:
            _set_cleanup(run, CleanupStatus.REQUESTED, by="schedule")
        else:
            run.wakes.append(due)
    if s.cleanup in {CleanupStatus.REQUESTED, CleanupStatus.RUNNING} and not s.status.active:
        alive = _alive_instances(s)
        if not alive:
            _set_cleanup(run, CleanupStatus.COMPLETED)
            return
        if s.cleanup == CleanupStatus.REQUESTED:
            _set_cleanup(run, CleanupStatus.RUNNING, instances=len(alive))
        if s.cleanup == CleanupStatus.RUNNING:
            _emit_terminations(run, [x for x in alive if x.cleanup_job_id is None])


def _emit_terminations(run: _Run, uncovered: list[ServerRun]) -> None:
    """One Terminate per place and 200 instances not yet in a TERMINATE job of ours (a
    crash after some chunks leaves the others to the next turn)."""
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for server in uncovered:
        assert server.recovery_instance_id is not None
        places[(server.account_id, server.region)].append(server.recovery_instance_id)
    for (account, region), ids in sorted(places.items()):
        for i in range(0, len(ids), MAX_TERMINATE_PER_CALL):
            chunk = tuple(sorted(ids)[i : i + MAX_TERMINATE_PER_CALL])
            run.actions.append(Terminate(account, region, chunk, run.s.cleanup_round))


def has_work(s: ExecutionState) -> bool:
    """Whether the execution's workflow has anything left to do: run, clean up, or wait to
    clean up (a drill's timed clean-up)."""
    if s.status.active or s.cleanup in {CleanupStatus.REQUESTED, CleanupStatus.RUNNING}:
        return True
    scheduled = s.mode == Mode.DRILL and s.cleanup_after_minutes is not None
    return scheduled and s.cleanup == CleanupStatus.NONE and bool(_alive_instances(s))


def _alive_instances(s: ExecutionState) -> list[ServerRun]:
    return [
        x
        for x in s.servers.values()
        if x.recovery_instance_id is not None and x.status != ServerStatus.TERMINATED
    ]


def _set_cleanup(run: _Run, status: CleanupStatus, **detail: Any) -> None:
    if status == CleanupStatus.REQUESTED:
        run.s.cleanup_round += 1
    if run.s.cleanup != status:
        run.record("cleanup", run.s.id, run.s.cleanup, status, **detail)
        run.s.cleanup = status


# --- what the runner reports --------------------------------------------------------------------


def admitted(state: ExecutionState, keys: Iterable[str], now: datetime) -> Step:
    """DRS capacity was granted to these queued batches."""
    run = _Run(state, now)
    for key in keys:
        batch = run.s.batch(key)
        if batch.state == "QUEUED":
            run.record("batch", key, "QUEUED", "ADMITTED")
            batch.state = "ADMITTED"
            batch.admitted_at = now
    return _advance(run)


def job_started(state: ExecutionState, key: str, job_id: str, now: datetime) -> Step:
    run = _Run(state, now)
    batch = run.s.batch(key)
    if batch.state in {"ADMITTED", "STARTING"}:
        run.record("batch", key, batch.state, "RUNNING", jobId=job_id)
        batch.state = "RUNNING"
        batch.job_id = job_id
        batch.started_at = now
        for sid in batch.server_ids:
            server = run.s.servers[sid]
            server.job_id = job_id
            server.started_at = now
            run.server(server, ServerStatus.PENDING, jobId=job_id)
    return _advance(run)


def job_deferred(state: ExecutionState, key: str, reason: str, now: datetime) -> Step:
    """DRS could not start the batch now (its servers are busy in another job, throttling, a
    quota): it stays due and is tried again until the wave's deadline."""
    run = _Run(state, now)
    batch = run.s.batch(key)
    if batch.state in {"ADMITTED", "STARTING"} and batch.error != reason:
        batch.error = reason  # recorded when the answer changes, not at every try
        run.record("batch", key, batch.state, batch.state, deferred=reason)
    return run.step()


def job_not_started(state: ExecutionState, key: str, reason: str, now: datetime) -> Step:
    """StartRecovery was refused for good (not a throttle or a quota: those are retried)."""
    run = _Run(state, now)
    batch = run.s.batch(key)
    if batch.state in {"ADMITTED", "STARTING"}:
        run.record("batch", key, batch.state, "ENDED", reason=reason)
        batch.state = "ENDED"
        batch.ended_at = now
        batch.error = reason
        for sid in batch.server_ids:
            server = run.s.servers[sid]
            server.failure = reason
            run.server(server, ServerStatus.FAILED, reason=reason)
    return _advance(run)


def job_observed(state: ExecutionState, job: JobView, now: datetime) -> Step:
    """What DescribeJobs (and, when it changed, the job log) says about one of our jobs."""
    run = _Run(state, now)
    s = run.s
    batch = next((b for b in s.batches if b.job_id == job.job_id), None)
    if job.job_id in s.cleanup_job_ids:
        _observe_termination(run, job)
        return _advance(run)
    if batch is None:
        return run.step()
    for view in job.servers:
        server = s.servers.get(view.server_id)
        if server is None or server.batch != batch.key:
            continue
        server.launch_status = view.launch_status
        server.phases.update(job.phases.get(view.server_id, {}))
        if view.recovery_instance_id and server.recovery_instance_id is None:
            server.recovery_instance_id = view.recovery_instance_id
        if view.post_launch is not None:
            server.post_launch = view.post_launch
            if view.post_launch == "FAILED" and view.post_launch_failure:
                server.failure = view.post_launch_failure
        if server.status.ended:
            continue
        if view.launch_status in {"PENDING", "IN_PROGRESS"}:
            run.server(server, ServerStatus(view.launch_status))
        elif view.launch_status == "LAUNCHED" and server.status not in {
            ServerStatus.LAUNCHED,
            ServerStatus.POST_LAUNCH,
        }:
            server.launched_at = now
            run.server(server, ServerStatus.LAUNCHED, recoveryInstanceId=view.recovery_instance_id)
        elif view.launch_status in {"FAILED", "TERMINATED"}:
            server.failure = job.failures.get(view.server_id) or f"launch {view.launch_status}"
            run.server(server, ServerStatus.FAILED, reason=server.failure)
    if job.status == "COMPLETED" and batch.state == "RUNNING":
        run.record("batch", batch.key, "RUNNING", "ENDED", jobId=job.job_id)
        batch.state = "ENDED"
        batch.ended_at = job.ended_at or now
        for sid in batch.server_ids:
            server = s.servers[sid]
            if server.status in {ServerStatus.PENDING, ServerStatus.IN_PROGRESS}:
                server.failure = job.failures.get(sid) or "job ended without launching it"
                run.server(server, ServerStatus.FAILED, reason=server.failure)
    return _advance(run)


def _observe_termination(run: _Run, job: JobView) -> None:
    """Only instances this execution launched, and only those this job covers."""
    mine = {x.recovery_instance_id: x for x in run.s.servers.values() if x.recovery_instance_id}
    for view in job.servers:
        server = mine.get(view.recovery_instance_id or "")
        if server is not None and view.launch_status == "TERMINATED":
            server.ec2_state = "TERMINATED"
            if server.status != ServerStatus.TERMINATED:
                run.server(server, ServerStatus.TERMINATED)
    left = [
        x for x in _alive_instances(run.s) if x.cleanup_job_id == job.job_id
    ]  # what this job was to terminate and did not
    if job.status == "COMPLETED" and left and run.s.cleanup != CleanupStatus.FAILED:
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
    run = _Run(state, now)
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
    return _advance(run)


def drs_asked(state: ExecutionState, wave: str, now: datetime) -> Step:
    """DRS was asked about a wave past its deadline (and the answers applied)."""
    run = _Run(state, now)
    run.s.wave(wave).truth_asked_at = now
    return _advance(run)


def _running_hook(run: _Run, wave: str, index: int) -> tuple[WaveRun, HookRun] | None:
    """The hook a report is about, if it is still running (late reports change nothing)."""
    w = run.s.wave(wave)
    hook = w.hooks[index]
    return (w, hook) if hook.status == HookStatus.RUNNING else None


def _hook_failure(hook: HookRun) -> str:
    """Why a wave failed on a hook, naming the hook as people do: `Manual approval before
    launch: no approval within 1 h` (not `pre-hook 1 (manualApproval): ...`)."""
    phase = display.label(display.PHASE, hook.phase).lower()
    return f"{display.hook_name(hook.hook)} {phase}: {hook.detail}"


def _subject(wave: WaveRun, hook: HookRun) -> str:
    return f"{wave.name}/{hook.phase}/{hook.index}"


def hook_finished(
    state: ExecutionState, wave: str, index: int, *, ok: bool, detail: str, now: datetime
) -> Step:
    """One try of a hook ended; a failed httpCheck tries again after its interval."""
    run = _Run(state, now)
    if (found := _running_hook(run, wave, index)) is None:
        return run.step()
    w, hook = found
    hook.detail = detail
    hook.attempts += 1
    spec = hook.hook
    if not ok and isinstance(spec, HttpCheck) and hook.attempts <= spec.retries:
        hook.next_attempt_at = now + timedelta(seconds=spec.interval_seconds)
        run.record(
            "hook", _subject(w, hook), "RUNNING", "RUNNING", attempt=hook.attempts, detail=detail
        )
    else:
        hook.next_attempt_at = None
        run.hook(w, hook, HookStatus.PASSED if ok else HookStatus.FAILED, detail=detail)
    return _advance(run)


def hook_pending(
    state: ExecutionState, wave: str, index: int, *, handle: str, check_in: float, now: datetime
) -> Step:
    """A hook AWS runs for a while (SSM): started as `handle`, to be checked again later."""
    run = _Run(state, now)
    if (found := _running_hook(run, wave, index)) is None:
        return run.step()
    w, hook = found
    if hook.handle != handle:
        hook.handle = handle
        run.record("hook", _subject(w, hook), None, None, started=handle)
    hook.next_attempt_at = now + timedelta(seconds=check_in)
    return _advance(run)


def cleanup_started(
    state: ExecutionState, job_id: str, recovery_instance_ids: Iterable[str], now: datetime
) -> Step:
    """DRS accepted a TERMINATE job for these of our recovery instances (or it was found
    again after a crash)."""
    run = _Run(state, now)
    covered = set(recovery_instance_ids)
    if job_id not in run.s.cleanup_job_ids:
        run.s.cleanup_job_ids.append(job_id)
        run.record("cleanup", run.s.id, None, None, jobIds=[job_id], instances=len(covered))
    for server in run.s.servers.values():
        if server.recovery_instance_id in covered:
            server.cleanup_job_id = job_id
    return _advance(run)


def cleanup_failed(state: ExecutionState, reason: str, now: datetime) -> Step:
    run = _Run(state, now)
    _set_cleanup(run, CleanupStatus.FAILED, reason=reason)
    return run.step()


# --- operator commands --------------------------------------------------------------------------


def _refuse(s: ExecutionState, action: str, why: str) -> Conflict:
    return Conflict(
        "EXECUTION_STATE_CONFLICT",
        f"Cannot {action} execution {s.id}: {why}",
        {"executionStatus": s.status.value},
    )


def pause(state: ExecutionState, by: str, now: datetime) -> Step:
    run = _Run(state, now)
    if run.s.status != ExecutionStatus.RUNNING:
        raise _refuse(run.s, "pause", f"it is {run.s.status}")
    run.s.pause_requested = True
    run.s.paused_reason = f"Paused by {by}"
    run.execution(ExecutionStatus.PAUSED, by=by)
    return _advance(run)


def resume(state: ExecutionState, by: str, now: datetime) -> Step:
    run = _Run(state, now)
    if run.s.status != ExecutionStatus.PAUSED:
        raise _refuse(run.s, "resume", f"it is {run.s.status}")
    for wave in run.s.waves:
        held = wave.status == WaveStatus.WAITING and wave.spec.pause_before
        if held and _dependency_state(run.s, wave) == "met":
            wave.pause_released = True
    run.s.pause_requested = False
    run.s.paused_reason = None
    run.execution(ExecutionStatus.RUNNING, by=by)
    return _advance(run)


def cancel(state: ExecutionState, by: str, terminate: bool, now: datetime) -> Step:
    run = _Run(state, now)
    s = run.s
    if not s.status.active or s.status == ExecutionStatus.CANCELLING:
        raise _refuse(s, "cancel", f"it is {s.status}")
    s.cancel_requested = True
    s.terminate_on_cancel = terminate
    run.execution(ExecutionStatus.CANCELLING, by=by, terminate=terminate)
    return _advance(run)


def approve(
    state: ExecutionState, wave: str, by: str, roles: frozenset[Role], now: datetime
) -> Step:
    run = _Run(state, now)
    w = _find_wave(run.s, wave)
    hook = next(
        (h for h in w.hooks if h.status == HookStatus.RUNNING and h.hook.type == "manualApproval"),
        None,
    )
    if w.status != WaveStatus.AWAITING_APPROVAL or hook is None:
        raise _refuse(run.s, "approve", f"wave {wave} is {w.status}, not awaiting approval")
    assert isinstance(hook.hook, ManualApproval)
    if not covers(roles, hook.hook.approver_role):
        raise Forbidden(
            "APPROVER_ROLE_REQUIRED",
            f"Wave {wave} needs approval by the {hook.hook.approver_role} role",
            {"approverRole": hook.hook.approver_role.value},
        )
    hook.approved_by = by
    hook.detail = f"approved by {by}"
    run.hook(w, hook, HookStatus.PASSED, by=by)
    run.wave(w, _phase_status(hook.phase), approvedBy=by)
    return _advance(run)


def retry_wave(state: ExecutionState, wave: str, by: str, now: datetime) -> Step:
    """Run a failed wave again from where it failed: its failed hook, or its failed servers."""
    run = _Run(state, now)
    s = run.s
    w = _find_wave(s, wave)
    if not w.status.failed:
        raise _refuse(s, "retry", f"wave {wave} is {w.status}, not failed")
    if s.cancel_requested:
        raise _refuse(s, "retry", "it was cancelled")
    _reopen(run, by, "retry", wave)
    failed_hook = next((h for h in w.hooks if h.status == HookStatus.FAILED), None)
    w.failure = None
    if failed_hook is not None:  # a fresh try: a new SSM run, a new count of HTTP tries
        failed_hook.handle = failed_hook.next_attempt_at = None
        failed_hook.attempts = 0
        failed_hook.run += 1
    if failed_hook is not None and failed_hook.phase == "pre":
        failed_hook.status = HookStatus.PENDING
        for server in s.servers_of(w.name):
            if server.status == ServerStatus.NOT_RUN:
                server.failure = None
                server.ended_at = None
                run.server(server, ServerStatus.WAITING, retry=True)
        run.wave(w, WaveStatus.PRE_HOOKS, by=by)
    elif failed_hook is not None:
        failed_hook.status = HookStatus.PENDING
        run.wave(w, WaveStatus.POST_HOOKS, by=by)
    else:
        w.attempt += 1
        for server in s.servers_of(w.name):
            if server.status in {ServerStatus.FAILED, ServerStatus.NOT_RUN}:
                server.failure = None
                server.ended_at = None
                run.server(server, ServerStatus.WAITING, retry=w.attempt)
        _begin_launch(run, w)
    return _advance(run)


def skip_wave(state: ExecutionState, wave: str, by: str, now: datetime) -> Step:
    """Give up on a wave so that the waves depending on it run."""
    run = _Run(state, now)
    s = run.s
    w = _find_wave(s, wave)
    if w.status in {WaveStatus.LAUNCHING, WaveStatus.VERIFYING, WaveStatus.POST_HOOKS}:
        raise _refuse(s, "skip", f"wave {wave} is {w.status}; wait for DRS to finish it")
    if w.status in {WaveStatus.COMPLETED, WaveStatus.SKIPPED} or (
        w.status == WaveStatus.CANCELLED and not (w.failure or "").startswith(_NOT_RUN_PREFIX)
    ):
        raise _refuse(s, "skip", f"wave {wave} is {w.status}")
    if s.cancel_requested:
        raise _refuse(s, "skip", "it was cancelled")
    _reopen(run, by, "skip", wave)
    for hook in w.hooks:
        if hook.status == HookStatus.RUNNING:
            hook.detail = f"skipped by {by}"
            run.hook(w, hook, HookStatus.FAILED, reason=hook.detail)
    _not_run(run, w, f"wave skipped by {by}")
    run.wave(w, WaveStatus.SKIPPED, by=by)
    return _advance(run)


def request_cleanup(state: ExecutionState, by: str, now: datetime) -> Step:
    """Terminate every recovery instance the execution launched."""
    run = _Run(state, now)
    s = run.s
    if s.status.active and not s.cancel_requested:
        raise _refuse(s, "clean up", "it is still running; cancel it first")
    if s.cleanup in {CleanupStatus.REQUESTED, CleanupStatus.RUNNING}:
        raise _refuse(s, "clean up", "clean-up is already under way")
    if not _alive_instances(s):
        raise _refuse(s, "clean up", "it has no recovery instances left to terminate")
    s.cleanup_job_ids = []
    for server in s.servers.values():  # a new try covers whatever is still alive
        server.cleanup_job_id = None
    _set_cleanup(run, CleanupStatus.REQUESTED, by=by)
    return _advance(run)


def _find_wave(s: ExecutionState, name: str) -> WaveRun:
    try:
        return s.wave(name)
    except KeyError:
        raise NotFound("WAVE_NOT_FOUND", f"Execution {s.id} has no wave named {name!r}") from None


def _reopen(run: _Run, by: str, why: str, wave: str) -> None:
    """An ended execution runs again after a retry or skip; waves blocked by it wait again."""
    s = run.s
    run.record("command", wave, None, why, by=by)
    if not s.status.active:
        s.ended_at = None
        run.execution(ExecutionStatus.RUNNING, by=by, reason=f"{why} wave {wave}")
    for other in s.waves:
        if other.status == WaveStatus.CANCELLED and (other.failure or "").startswith(
            _NOT_RUN_PREFIX
        ):
            other.failure = None
            for server in s.servers_of(other.name):
                if server.status == ServerStatus.NOT_RUN:
                    server.failure = None
                    server.ended_at = None
                    run.server(server, ServerStatus.WAITING)
            run.wave(other, WaveStatus.WAITING)
            other.ended_at = None
