"""A change being made to an execution: a copy of its state, and the transitions and
actions it produced. Every core function works on one `Run` and ends with its `step()`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from drs_orchestrator.domain import display
from drs_orchestrator.domain.executions import (
    ExecutionStatus,
    HookStatus,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.engine.core.state import (
    ExecutionState,
    HookRun,
    ServerRun,
    WaveRun,
)
from drs_orchestrator.engine.core.step import (
    Action,
    Event,
    Step,
)

BEFORE_LAUNCH = {
    WaveStatus.PENDING,
    WaveStatus.WAITING,
    WaveStatus.AWAITING_APPROVAL,
    WaveStatus.PRE_HOOKS,
}
LAUNCH_SETTLED = {
    ServerStatus.LAUNCHED,
    ServerStatus.POST_LAUNCH,
    ServerStatus.READY,
    ServerStatus.FAILED,
    ServerStatus.TERMINATED,
    ServerStatus.NOT_RUN,
}
NOT_RUN_PREFIX = "Not run: "


class Run:
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
                "hook", subject(wave, hook), hook.status, status, type=hook.hook.type, **detail
            )
            hook.status = status
            if status == HookStatus.RUNNING:
                hook.started_at = self.now
            elif status in {HookStatus.PASSED, HookStatus.FAILED}:
                hook.ended_at = self.now

    def step(self) -> Step:
        actions = list(dict.fromkeys(self.actions))  # passes may ask for the same thing again
        return Step(self.s, self.events, actions, min(self.wakes, default=None))


def subject(wave: WaveRun, hook: HookRun) -> str:
    return f"{wave.name}/{hook.phase}/{hook.index}"


def hook_failure(hook: HookRun) -> str:
    """Why a wave failed on a hook, naming the hook as people do: `Manual approval before
    launch: no approval within 1 h` (not `pre-hook 1 (manualApproval): ...`)."""
    phase = display.label(display.PHASE, hook.phase).lower()
    return f"{display.hook_name(hook.hook)} {phase}: {hook.detail}"


def phase_status(phase: Literal["pre", "post"]) -> WaveStatus:
    return WaveStatus.PRE_HOOKS if phase == "pre" else WaveStatus.POST_HOOKS
