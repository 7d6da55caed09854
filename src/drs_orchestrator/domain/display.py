"""How things are said to people: durations, counts, status labels and hook names.

One rule for each, shared by the CLI, the report and (through the API) the console, whose
TypeScript twins are web/src/lib/time.ts and web/src/lib/status.ts; tests hold them equal
(web/src/lib/durations.cases.json, and status.ts parsed)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import assert_never

from drs_orchestrator.domain.executions import (
    CleanupStatus,
    ExecutionStatus,
    HookStatus,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.hooks import (
    HttpCheck,
    LambdaInvoke,
    ManualApproval,
    SsmAutomation,
    SsmCommand,
    Wait,
)
from drs_orchestrator.domain.launch_settings import SyncState
from drs_orchestrator.domain.modes import MODES
from drs_orchestrator.domain.site import SiteEvent

NONE = "—"
# Longer than this is a wrong unit or a missing start, not a real drill (as the console says).
ABSURD_SECONDS = 400 * 24 * 3600


def duration(seconds: float | None) -> str:
    """`12 s`, `4 min 10 s`, `7 h 55 min`, `2 d 3 h`: the two largest units, truncated (a
    drill 20 min 59 s long did not take 21 min); an em dash when unknown or absurd."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0 or seconds > ABSURD_SECONDS:
        return NONE
    whole = math.floor(seconds)
    if whole < 60:
        return f"{whole} s"
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def estimate(p50_minutes: float, low_minutes: float, high_minutes: float) -> str:
    """An RTO estimate to the minute (no false precision), with its range only when the
    bounds differ: `1 h 7 min`, `20 min (12 min to 35 min)`."""
    p50, low, high = (duration(round(m) * 60) for m in (p50_minutes, low_minutes, high_minutes))
    return p50 if low == high else f"{p50} ({low} to {high})"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 warning`, `3 warnings`, `0 errors`."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def replication(state: str) -> str:
    """DRS's replication state in words, as the console shows it: `initial sync`, `stalled`."""
    return state.lower().replace("_", " ")


def moment(at: datetime | None) -> str:
    """An instant to the second with its zone named (`2026-12-01 20:10:05 UTC`), in the zone
    it carries: callers choose the zone (the CLI the local one)."""
    return NONE if at is None else at.strftime("%Y-%m-%d %H:%M:%S %Z").rstrip()


# Friendly names for the one vocabulary of statuses: the same words as the console's
# web/src/lib/status.ts (a test compares them).
EXECUTION: Mapping[str, str] = {
    ExecutionStatus.PENDING: "Starting",
    ExecutionStatus.RUNNING: "Running",
    ExecutionStatus.PAUSED: "Paused",
    ExecutionStatus.CANCELLING: "Cancelling",
    ExecutionStatus.COMPLETED: "Completed",
    ExecutionStatus.PARTIAL: "Completed with failures",
    ExecutionStatus.FAILED: "Failed",
    ExecutionStatus.CANCELLED: "Cancelled",
    ExecutionStatus.TIMED_OUT: "Timed out",
}
WAVE: Mapping[str, str] = {
    WaveStatus.PENDING: "Not started",
    WaveStatus.WAITING: "Waiting",
    WaveStatus.AWAITING_APPROVAL: "Awaiting approval",
    WaveStatus.PRE_HOOKS: "Running pre-launch hooks",
    WaveStatus.LAUNCHING: "Launching",
    WaveStatus.VERIFYING: "Verifying",
    WaveStatus.POST_HOOKS: "Running post-launch hooks",
    WaveStatus.COMPLETED: "Completed",
    WaveStatus.FAILED: "Failed",
    WaveStatus.TIMED_OUT: "Timed out",
    WaveStatus.SKIPPED: "Skipped",
    WaveStatus.CANCELLED: "Cancelled",
}
SERVER: Mapping[str, str] = {
    ServerStatus.WAITING: "Waiting for its wave",
    ServerStatus.QUEUED: "Queued for DRS capacity",
    ServerStatus.STARTING: "Starting recovery",
    ServerStatus.PENDING: "DRS: pending",
    ServerStatus.IN_PROGRESS: "DRS: launching",
    ServerStatus.LAUNCHED: "Launched",
    ServerStatus.POST_LAUNCH: "Post-launch actions",
    ServerStatus.READY: "Ready",
    ServerStatus.FAILED: "Failed",
    ServerStatus.TERMINATED: "Terminated",
    ServerStatus.NOT_RUN: "Not run",
}
HOOK: Mapping[str, str] = {
    HookStatus.PENDING: "Not started",
    HookStatus.RUNNING: "Running",
    HookStatus.PASSED: "Passed",
    HookStatus.FAILED: "Failed",
}
CLEANUP: Mapping[str, str] = {
    CleanupStatus.NONE: "Not cleaned up",
    CleanupStatus.REQUESTED: "Clean-up requested",
    CleanupStatus.RUNNING: "Cleaning up",
    CleanupStatus.COMPLETED: "Cleaned up",
    CleanupStatus.FAILED: "Clean-up failed",
}
MODE: Mapping[str, str] = {mode: p.label for mode, p in MODES.items()}
LAUNCH_SYNC: Mapping[str, str] = {
    SyncState.IN_SYNC: "In sync",
    SyncState.DRIFTED: "Drifted",
    SyncState.NOT_APPLIED: "Not applied",
    SyncState.FAILED: "Failed",
}

# A plan's moves through the round trip of a disaster (its site timeline).
SITE_EVENT: Mapping[str, str] = {
    SiteEvent.RECOVERY_STARTED: "Recovery started",
    SiteEvent.RECOVERY_ENDED: "Recovery ended",
    SiteEvent.RECOVERY_LAUNCHED_NOTHING: "Recovery launched nothing",
    SiteEvent.REPROTECT_STARTED: "Reprotect started",
    SiteEvent.REPLICATION_SYNCED: "Replication continuous",
    SiteEvent.FAILBACK_STARTED: "Failback started",
    SiteEvent.FAILBACK_ENDED: "Failback ended",
    SiteEvent.FAILBACK_INCOMPLETE: "Failback incomplete",
}


# What a transition is about, and the states it moves between, by its kind.
KIND: Mapping[str, str] = {
    "execution": "Execution",
    "wave": "Wave",
    "server": "Server",
    "hook": "Hook",
    "batch": "DRS job",
    "instance": "Recovery instance",
    "cleanup": "Clean-up",
    "command": "Command",
}
# A launch batch (one StartRecovery) on its way to DRS and back.
BATCH: Mapping[str, str] = {
    "QUEUED": "Queued for DRS capacity",
    "ADMITTED": "Admitted",
    "STARTING": "Starting",
    "RUNNING": "Running",
    "ENDED": "Ended",
    "DROPPED": "Dropped",
}
_STATES_OF: Mapping[str, Mapping[str, str]] = {
    "batch": BATCH,
    "execution": EXECUTION,
    "wave": WAVE,
    "server": SERVER,
    "hook": HOOK,
    "cleanup": CLEANUP,
}


def transition_state(kind: str, state: str | None) -> str:
    """A transition's old or new state in words (`Ready`, not `READY`); empty when none."""
    if state is None:
        return ""
    return label(_STATES_OF.get(kind, {}), state)


def label(table: Mapping[str, str], status: str | None) -> str:
    """The status's friendly name; one this build does not know is shown as it is."""
    if status is None:
        return NONE
    return table.get(status, status)


AnyHook = ManualApproval | Wait | HttpCheck | SsmAutomation | SsmCommand | LambdaInvoke


def hook_name(hook: AnyHook) -> str:
    """A hook by its type and what it runs: `SSM command AWS-RunShellScript`,
    `Lambda smoke-test`, `Manual approval` (not its position, `Web/post/0`)."""
    match hook:
        case ManualApproval():
            return "Manual approval"
        case Wait():
            return f"Wait {duration(hook.duration_seconds)}"
        case HttpCheck():
            return f"HTTP check {hook.url}"
        case SsmAutomation():
            return f"SSM Automation {hook.document_name}"
        case SsmCommand():
            return f"SSM command {hook.document_name}"
        case LambdaInvoke():
            return f"Lambda {hook.function_name}"
        case _:  # pragma: no cover - every hook type is named above
            assert_never(hook)


PHASE: Mapping[str, str] = {"pre": "Before launch", "post": "After launch"}


def hook_in_wave(wave: str, phase: str, hook: AnyHook) -> str:
    """`Web: after launch, SSM command AWS-RunShellScript`, as the console's event log says."""
    return f"{wave}: {label(PHASE, phase).lower()}, {hook_name(hook)}"
