"""What operators ask, as data: one type per command, one handler each, and the one rule
of what an execution allows now (`allowed_commands`), which the handlers obey."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from drs_orchestrator.domain import display
from drs_orchestrator.domain.errors import Conflict, Forbidden, NotFound
from drs_orchestrator.domain.executions import (
    CleanupStatus,
    Command,
    ExecutionStatus,
    HookStatus,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.hooks import ManualApproval
from drs_orchestrator.domain.modes import policy
from drs_orchestrator.domain.roles import Permission, Role, covers
from drs_orchestrator.engine.core.finish import alive_instances, not_run, set_cleanup
from drs_orchestrator.engine.core.progress import advance_run
from drs_orchestrator.engine.core.run import NOT_RUN_PREFIX, Run, phase_status
from drs_orchestrator.engine.core.state import (
    ExecutionState,
    HookRun,
    WaveRun,
)
from drs_orchestrator.engine.core.step import (
    Step,
)
from drs_orchestrator.engine.core.waves import begin_launch, dependency_state


@dataclass(frozen=True)
class Pause:
    by: str
    name: ClassVar[Command] = Command.PAUSE


@dataclass(frozen=True)
class Resume:
    by: str
    name: ClassVar[Command] = Command.RESUME


@dataclass(frozen=True)
class Cancel:
    by: str
    terminate: bool = False  # also clean up what was launched
    name: ClassVar[Command] = Command.CANCEL


@dataclass(frozen=True)
class Cleanup:
    by: str
    name: ClassVar[Command] = Command.CLEANUP


@dataclass(frozen=True)
class Approve:
    wave: str
    by: str
    roles: frozenset[Role]
    name: ClassVar[Command] = Command.APPROVE


@dataclass(frozen=True)
class RetryWave:
    wave: str
    by: str
    name: ClassVar[Command] = Command.RETRY_WAVE


@dataclass(frozen=True)
class SkipWave:
    wave: str
    by: str
    name: ClassVar[Command] = Command.SKIP_WAVE


OperatorCommand = Pause | Resume | Cancel | Cleanup | Approve | RetryWave | SkipWave
EXECUTION_COMMANDS = tuple(c for c in Command if not c.of_wave)
WAVE_COMMANDS = tuple(c for c in Command if c.of_wave)
# How a refusal names what was asked: "Cannot clean up execution ...".
_VERB = {
    Command.PAUSE: "pause",
    Command.RESUME: "resume",
    Command.CANCEL: "cancel",
    Command.CLEANUP: "clean up",
    Command.APPROVE: "approve",
    Command.RETRY_WAVE: "retry",
    Command.SKIP_WAVE: "skip",
}


# --- the rule -----------------------------------------------------------------------------------


def refusal(s: ExecutionState, command: Command, wave: str | None = None) -> str | None:
    """Why `command` cannot be carried out now, or None when it can: the one rule that the
    handlers obey and `allowed_commands` lists (who may ask is the API's part)."""
    if command.of_wave:
        if wave is None:
            return "it names no wave"
        return _wave_refusal(s, command, _find_wave(s, wave))
    status = s.status
    said = display.label(display.EXECUTION, status).lower()
    if command == Command.PAUSE and status != ExecutionStatus.RUNNING:
        return f"it is {said}"
    if command == Command.RESUME and status != ExecutionStatus.PAUSED:
        return f"it is {said}"
    if command == Command.CANCEL and (not status.active or status == ExecutionStatus.CANCELLING):
        return f"it is {said}"
    if command == Command.CLEANUP:
        if status.active and not s.cancel_requested:
            return "it is still running; cancel it first"
        if s.cleanup in {CleanupStatus.REQUESTED, CleanupStatus.RUNNING}:
            return "clean-up is already under way"
        if not alive_instances(s):
            return "it has no recovery instances left to terminate"
    return None


def _wave_refusal(s: ExecutionState, command: Command, w: WaveRun) -> str | None:
    said = display.label(display.WAVE, w.status).lower()
    if command == Command.APPROVE:
        if w.status != WaveStatus.AWAITING_APPROVAL or _open_gate(w) is None:
            return f"wave {w.name} is {said}, not awaiting approval"
        return None
    if s.cancel_requested:
        return "it was cancelled"
    if command == Command.RETRY_WAVE and not w.status.failed:
        return f"wave {w.name} is {said}, not failed"
    if command == Command.SKIP_WAVE:
        if w.status in {WaveStatus.LAUNCHING, WaveStatus.VERIFYING, WaveStatus.POST_HOOKS}:
            return f"wave {w.name} is {said}; wait for DRS to finish it"
        if w.status in {WaveStatus.COMPLETED, WaveStatus.SKIPPED} or (
            w.status == WaveStatus.CANCELLED and not _not_run(w)
        ):
            return f"wave {w.name} is {said}"
    return None


@dataclass(frozen=True)
class Allowed:
    """What may be asked of an execution now: of it, and of each of its waves."""

    execution: tuple[Command, ...]
    waves: Mapping[str, tuple[Command, ...]]


def allowed_commands(s: ExecutionState) -> Allowed:
    return Allowed(
        execution=tuple(c for c in EXECUTION_COMMANDS if refusal(s, c) is None),
        waves={
            w.name: tuple(c for c in WAVE_COMMANDS if refusal(s, c, w.name) is None)
            for w in s.waves
        },
    )


def required_permissions(
    s: ExecutionState, command: Command, *, terminate: bool = False
) -> frozenset[Permission]:
    """What the asker must hold, by the mode's policy: its permission, and the right to
    terminate instances for a clean-up (or a cancel that terminates) where the mode says so."""
    mode = policy(s.mode)
    needed = {mode.permission}
    if (command == Command.CLEANUP or terminate) and mode.terminate_permission is not None:
        needed.add(mode.terminate_permission)
    return frozenset(needed)


def approver_role(s: ExecutionState, wave: str) -> Role | None:
    """The role the wave's open approval gate asks for, if it has one open."""
    gate = _open_gate(_find_wave(s, wave))
    return (
        gate.hook.approver_role
        if gate is not None and isinstance(gate.hook, ManualApproval)
        else None
    )


def _open_gate(w: WaveRun) -> HookRun | None:
    """The wave's approval waiting for a person, if any."""
    return next(
        (h for h in w.hooks if h.status == HookStatus.RUNNING and h.hook.CAPABILITIES.gate), None
    )


def _not_run(w: WaveRun) -> bool:
    """A wave cancelled because a dependency failed (not by a cancel): it may still run."""
    return (w.failure or "").startswith(NOT_RUN_PREFIX)


# --- carrying them out --------------------------------------------------------------------------


def apply(state: ExecutionState, command: OperatorCommand, now: datetime) -> Step:
    """Carry out an operator's command, or raise why it cannot be (nothing is changed)."""
    wave = getattr(command, "wave", None)
    why = refusal(state, command.name, wave)
    if why is not None:
        raise Conflict(
            "EXECUTION_STATE_CONFLICT",
            f"Cannot {_VERB[command.name]} execution {state.id}: {why}",
            {"executionStatus": state.status.value, "command": command.name.value},
        )
    run = Run(state, now)
    _HANDLERS[type(command)](run, command)
    return advance_run(run)


def _pause(run: Run, c: Pause) -> None:
    run.s.paused_reason = f"Paused by {c.by}"
    run.execution(ExecutionStatus.PAUSED, by=c.by)


def _resume(run: Run, c: Resume) -> None:
    for wave in run.s.waves:
        held = wave.status == WaveStatus.WAITING and wave.spec.pause_before
        if held and dependency_state(run.s, wave) == "met":
            wave.pause_released = True
    run.s.paused_reason = None
    run.execution(ExecutionStatus.RUNNING, by=c.by)


def _cancel(run: Run, c: Cancel) -> None:
    run.s.cancel_requested = True
    run.s.terminate_on_cancel = c.terminate
    run.s.paused_reason = None  # a cancelled execution no longer holds: it ends
    run.execution(ExecutionStatus.CANCELLING, by=c.by, terminate=c.terminate)


def _approve(run: Run, c: Approve) -> None:
    w = run.s.wave(c.wave)
    hook = _open_gate(w)
    assert hook is not None  # refusal() checked
    assert isinstance(hook.hook, ManualApproval)
    if not covers(c.roles, hook.hook.approver_role):
        raise Forbidden(
            "APPROVER_ROLE_REQUIRED",
            f"Wave {c.wave} needs approval by the {hook.hook.approver_role} role",
            {"approverRole": hook.hook.approver_role.value},
        )
    hook.approved_by = c.by
    hook.detail = f"approved by {c.by}"
    run.hook(w, hook, HookStatus.PASSED, by=c.by)
    run.wave(w, phase_status(hook.phase), approvedBy=c.by)


def _retry_wave(run: Run, c: RetryWave) -> None:
    """Run a failed wave again from where it failed: its failed hook, or its failed servers."""
    s = run.s
    w = s.wave(c.wave)
    _reopen(run, c.by, "retry", c.wave)
    failed_hook = next((h for h in w.hooks if h.status == HookStatus.FAILED), None)
    w.failure = None
    if failed_hook is not None:  # a fresh try: a new SSM run, a new count of HTTP tries
        failed_hook.handle = failed_hook.next_attempt_at = None
        failed_hook.attempts = 0
        failed_hook.run += 1
        failed_hook.status = HookStatus.PENDING
    if failed_hook is not None and failed_hook.phase == "pre":
        for server in s.servers_of(w.name):
            if server.status == ServerStatus.NOT_RUN:
                server.failure = None
                server.ended_at = None
                run.server(server, ServerStatus.WAITING, retry=True)
        run.wave(w, WaveStatus.PRE_HOOKS, by=c.by)
    elif failed_hook is not None:
        run.wave(w, WaveStatus.POST_HOOKS, by=c.by)
    else:
        w.attempt += 1
        for server in s.servers_of(w.name):
            if server.status in {ServerStatus.FAILED, ServerStatus.NOT_RUN}:
                server.failure = None
                server.ended_at = None
                run.server(server, ServerStatus.WAITING, retry=w.attempt)
        begin_launch(run, w)


def _skip_wave(run: Run, c: SkipWave) -> None:
    """Give up on a wave so that the waves depending on it run."""
    w = run.s.wave(c.wave)
    _reopen(run, c.by, "skip", c.wave)
    for hook in w.hooks:
        if hook.status == HookStatus.RUNNING:
            hook.detail = f"skipped by {c.by}"
            run.hook(w, hook, HookStatus.FAILED, reason=hook.detail)
    not_run(run, w, f"wave skipped by {c.by}")
    run.wave(w, WaveStatus.SKIPPED, by=c.by)


def _cleanup(run: Run, c: Cleanup) -> None:
    """Terminate every recovery instance the execution launched."""
    run.s.cleanup_job_ids = []
    for server in run.s.servers.values():  # a new try covers whatever is still alive
        server.cleanup_job_id = None
    set_cleanup(run, CleanupStatus.REQUESTED, by=c.by)


_HANDLERS: Mapping[type[Any], Callable[[Run, Any], None]] = {
    Pause: _pause,
    Resume: _resume,
    Cancel: _cancel,
    Cleanup: _cleanup,
    Approve: _approve,
    RetryWave: _retry_wave,
    SkipWave: _skip_wave,
}


def _find_wave(s: ExecutionState, name: str) -> WaveRun:
    try:
        return s.wave(name)
    except KeyError:
        raise NotFound("WAVE_NOT_FOUND", f"Execution {s.id} has no wave named {name!r}") from None


def _reopen(run: Run, by: str, why: str, wave: str) -> None:
    """An ended execution runs again after a retry or skip; waves blocked by it wait again."""
    s = run.s
    run.record("command", wave, None, why, by=by)
    if not s.status.active:
        s.ended_at = None
        run.execution(ExecutionStatus.RUNNING, by=by, reason=f"{why} wave {wave}")
    for other in s.waves:
        if other.status == WaveStatus.CANCELLED and _not_run(other):
            other.failure = None
            for server in s.servers_of(other.name):
                if server.status == ServerStatus.NOT_RUN:
                    server.failure = None
                    server.ended_at = None
                    run.server(server, ServerStatus.WAITING)
            run.wave(other, WaveStatus.WAITING)
            other.ended_at = None
