"""A wave from waiting to done: its dependencies, pause, hooks, launch in batches,
verification and deadline."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Literal

from drs_orchestrator.domain import display
from drs_orchestrator.domain.executions import (
    BatchState,
    ExecutionStatus,
    HookStatus,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.modes import policy
from drs_orchestrator.domain.quotas import SERVERS_PER_JOB
from drs_orchestrator.engine.core.run import (
    BEFORE_LAUNCH,
    LAUNCH_SETTLED,
    NOT_RUN_PREFIX,
    Run,
    hook_failure,
    phase_status,
)
from drs_orchestrator.engine.core.state import (
    Batch,
    ExecutionState,
    HookRun,
    ServerRun,
    WaveRun,
)
from drs_orchestrator.engine.core.step import (
    AskDrs,
    RunHook,
)


def dependency_state(
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
                seen[name] = dependency_state(s, dep, seen)
            if seen[name] == "blocked":
                return "blocked"
        state = "waiting"
    return state


def advance_wave(run: Run, wave: WaveRun) -> None:
    s = run.s
    if wave.status == WaveStatus.PENDING:
        run.wave(wave, WaveStatus.WAITING)
    if wave.status == WaveStatus.WAITING:
        _maybe_begin(run, wave)
    if _in_phase(wave, "pre") and _run_hooks(run, wave, "pre"):
        begin_launch(run, wave)
    if wave.status == WaveStatus.LAUNCHING:
        _follow_launch(run, wave)
    if wave.status == WaveStatus.VERIFYING:
        _verify(run, wave)
    if _in_phase(wave, "post") and _run_hooks(run, wave, "post"):
        run.wave(wave, WaveStatus.CANCELLED if s.cancel_requested else WaveStatus.COMPLETED)
    if wave.deadline and not wave.status.ended and wave.status not in BEFORE_LAUNCH:
        _check_deadline(run, wave)


def _maybe_begin(run: Run, wave: WaveRun) -> None:
    s = run.s
    if s.cancel_requested or dependency_state(s, wave) != "met":
        return
    if s.status != ExecutionStatus.RUNNING:
        return  # paused: a wave boundary holds
    if wave.spec.pause_before and not wave.pause_released:
        s.paused_reason = f"Before wave {wave.name}"
        run.execution(ExecutionStatus.PAUSED, reason=s.paused_reason, wave=wave.name)
        return
    wave.started_at = run.now
    run.wave(wave, WaveStatus.PRE_HOOKS)


def _in_phase(wave: WaveRun, phase: Literal["pre", "post"]) -> bool:
    if wave.status == WaveStatus.AWAITING_APPROVAL:  # approvals gate either phase
        return any(h.phase == phase and h.status == HookStatus.RUNNING for h in wave.hooks)
    return wave.status == (WaveStatus.PRE_HOOKS if phase == "pre" else WaveStatus.POST_HOOKS)


def _run_hooks(run: Run, wave: WaveRun, phase: Literal["pre", "post"]) -> bool:
    """Move this phase's hooks on, in order; True once they all passed."""
    for hook in wave.hooks_of(phase):
        if hook.status == HookStatus.PASSED:
            continue
        if hook.status == HookStatus.FAILED:
            fail_wave(run, wave, hook_failure(hook))
            return False
        if run.s.cancel_requested:
            return False
        index = wave.hooks.index(hook)
        spec = hook.hook
        caps = spec.CAPABILITIES
        if caps.gate:
            run.wave(wave, WaveStatus.AWAITING_APPROVAL, message=getattr(spec, "message", None))
        else:
            run.wave(wave, phase_status(phase))
        if hook.status == HookStatus.PENDING:
            run.hook(wave, hook, HookStatus.RUNNING)
        assert hook.started_at is not None  # set when it began to run
        wait = spec.wait()
        if caps.timer and wait is not None:
            if run.now >= hook.started_at + wait:
                run.hook(wave, hook, HookStatus.PASSED)
                continue
            run.wakes.append(hook.started_at + wait)
        elif _hook_overdue(run, wave, hook) or not caps.external:
            return False  # a gate waits for its approval (or its timeout, a wake)
        elif hook.next_attempt_at is not None and run.now < hook.next_attempt_at:
            run.wakes.append(hook.next_attempt_at)
        else:
            run.actions.append(RunHook(wave.name, index))
        return False
    return True


def _hook_overdue(run: Run, wave: WaveRun, hook: HookRun) -> bool:
    """A hook with a timeout (an approval, an SSM run) fails past it, and so its wave."""
    limit = hook.hook.limit()
    if limit is None or hook.started_at is None:
        return False
    due = hook.started_at + limit
    if run.now < due:
        run.wakes.append(due)
        return False
    within = display.duration(limit.total_seconds())
    if hook.hook.CAPABILITIES.gate:
        hook.detail = f"no approval within {within}"
    else:
        hook.detail = f"not finished within {within}" + (f" ({hook.handle})" if hook.handle else "")
    run.hook(wave, hook, HookStatus.FAILED, reason=hook.detail)
    fail_wave(run, wave, hook_failure(hook))
    return True


def begin_launch(run: Run, wave: WaveRun) -> None:
    wave.launch_started_at = run.now
    wave.deadline = run.now + timedelta(minutes=wave.spec.timeout_minutes)
    wave.truth_asked_at = None
    run.wave(wave, WaveStatus.LAUNCHING)
    _queue(run, wave, [s for s in run.s.servers_of(wave.name) if s.status == ServerStatus.WAITING])


def _queue(run: Run, wave: WaveRun, servers: list[ServerRun]) -> None:
    """Batches of one account, region and DRS call, at most 100 servers each: one
    StartRecovery (or StartFailbackLaunch, for servers going home on premises) each."""
    places: dict[tuple[str, str, bool], list[ServerRun]] = defaultdict(list)
    for server in sorted(servers, key=lambda x: x.server_id):
        on_premises = server.failback_instance_id is not None
        places[(server.account_id, server.region, on_premises)].append(server)
    for (account, region, on_premises), members in sorted(places.items()):
        for n, first in enumerate(range(0, len(members), SERVERS_PER_JOB)):
            chunk = members[first : first + SERVERS_PER_JOB]
            via = ".fb" if on_premises else ""
            key = f"{wave.number}.{account}.{region}{via}.{n + 1}.a{wave.attempt}"
            run.s.batches.append(
                Batch(
                    key=key,
                    wave=wave.name,
                    wave_number=wave.number,
                    account_id=account,
                    region=region,
                    server_ids=[x.server_id for x in chunk],
                    attempt=wave.attempt,
                    failback_launch=on_premises,
                    requested_at=run.now,
                )
            )
            run.record("batch", key, None, BatchState.QUEUED, servers=len(chunk))
            for server in chunk:
                server.batch = key
                server.attempt = wave.attempt
                server.queued_at = run.now
                run.server(server, ServerStatus.QUEUED, batch=key)


def wave_batches(s: ExecutionState, wave: WaveRun) -> list[Batch]:
    return [b for b in s.batches if b.wave == wave.name and b.attempt == wave.attempt]


def _follow_launch(run: Run, wave: WaveRun) -> None:
    s = run.s
    servers = s.servers_of(wave.name)
    batches = wave_batches(s, wave)
    if s.cancel_requested:
        for batch in batches:
            if batch.state.unsent:
                drop(run, batch, "cancelled before launch")
    in_flight = any(b.state.in_flight for b in batches)
    if in_flight or not all(x.status in LAUNCH_SETTLED for x in servers):
        return
    run.wave(wave, WaveStatus.VERIFYING)


def drop(run: Run, batch: Batch, why: str) -> None:
    run.record("batch", batch.key, batch.state, BatchState.DROPPED, reason=why)
    batch.state = BatchState.DROPPED
    batch.ended_at = run.now
    for sid in batch.server_ids:
        server = run.s.servers[sid]
        if not server.status.ended:
            server.failure = why
            run.server(server, ServerStatus.NOT_RUN, reason=why)


def _verify(run: Run, wave: WaveRun) -> None:
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
        fail_wave(run, wave, reason + more)
    elif s.cancel_requested:
        run.wave(wave, WaveStatus.CANCELLED, reason="cancelled")
    else:
        run.wave(wave, WaveStatus.POST_HOOKS)


def _verify_server(run: Run, server: ServerRun) -> None:
    if server.instance_recorded_at is None:
        return  # DescribeInstances is on its way
    if policy(run.s.mode).awaits_post_launch and server.expects_post_launch:
        if server.post_launch == "FAILED":
            server.failure = server.failure or "post-launch actions failed"
            run.server(server, ServerStatus.FAILED, reason=server.failure)
            return
        if server.post_launch != "SUCCEEDED":
            run.server(server, ServerStatus.POST_LAUNCH)
            return
    run.server(server, ServerStatus.READY)


def fail_wave(run: Run, wave: WaveRun, reason: str, timed_out: bool = False) -> None:
    wave.failure = reason
    for server in run.s.servers_of(wave.name):
        if server.status == ServerStatus.WAITING:
            server.failure = f"{NOT_RUN_PREFIX}wave {wave.name} failed before its launch"
            run.server(server, ServerStatus.NOT_RUN, reason=server.failure)
    run.wave(wave, WaveStatus.TIMED_OUT if timed_out else WaveStatus.FAILED, reason=reason)


def _check_deadline(run: Run, wave: WaveRun) -> None:
    assert wave.deadline is not None
    if run.now < wave.deadline:
        run.wakes.append(wave.deadline)
        return
    running = [
        b.job_id
        for b in wave_batches(run.s, wave)
        if b.state == BatchState.RUNNING and b.job_id is not None
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
    for batch in wave_batches(run.s, wave):
        if batch.state.unsent:
            drop(run, batch, f"wave timed out after {minutes} min")
    for server in run.s.servers_of(wave.name):
        if not server.status.ended:
            server.failure = f"not ready within the wave's {minutes} min"
            run.server(server, ServerStatus.FAILED, reason=server.failure)
    waited = [b.error for b in wave_batches(run.s, wave) if b.error and b.state != BatchState.ENDED]
    why = f" (DRS kept answering: {waited[0]})" if waited else ""
    fail_wave(run, wave, f"not complete within {minutes} min{why}", timed_out=True)
