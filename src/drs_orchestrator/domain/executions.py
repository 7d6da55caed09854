"""The one vocabulary of execution, wave and server statuses (the API, CLI and console use
these names as they are)."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    DRILL = "DRILL"
    RECOVERY = "RECOVERY"
    FAILBACK = "FAILBACK"  # home again: the reversed source servers launched at their origin
    FAILBACK_DRILL = "FAILBACK_DRILL"  # a rehearsal of it: drill instances at the origin


class ExecutionStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"
    COMPLETED = "COMPLETED"
    PARTIAL = "PARTIAL"  # non-critical failures, or waves continued past a failure or skipped
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"

    @property
    def active(self) -> bool:
        return self in _ACTIVE_EXECUTION


_ACTIVE_EXECUTION = {
    ExecutionStatus.PENDING,
    ExecutionStatus.RUNNING,
    ExecutionStatus.PAUSED,
    ExecutionStatus.CANCELLING,
}
ACTIVE_EXECUTION_STATUSES = frozenset(_ACTIVE_EXECUTION)


class WaveStatus(StrEnum):
    PENDING = "PENDING"  # the execution has not reached it yet
    WAITING = "WAITING"  # for the waves it depends on, or for a pause to be lifted
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    PRE_HOOKS = "PRE_HOOKS"
    LAUNCHING = "LAUNCHING"  # DRS jobs queued for capacity or running
    VERIFYING = "VERIFYING"  # instances recorded; post-launch actions (RECOVERY)
    POST_HOOKS = "POST_HOOKS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    SKIPPED = "SKIPPED"  # by an operator: dependants run
    CANCELLED = "CANCELLED"  # not run: the execution was cancelled or a dependency failed

    @property
    def ended(self) -> bool:
        return self in _ENDED_WAVE

    @property
    def failed(self) -> bool:
        return self in {WaveStatus.FAILED, WaveStatus.TIMED_OUT}


_ENDED_WAVE = {
    WaveStatus.COMPLETED,
    WaveStatus.FAILED,
    WaveStatus.TIMED_OUT,
    WaveStatus.SKIPPED,
    WaveStatus.CANCELLED,
}


class ServerStatus(StrEnum):
    """DRS's `launchStatus` (PENDING .. TERMINATED), framed by ours around it."""

    WAITING = "WAITING"  # its wave has not launched
    QUEUED = "QUEUED"  # waiting for DRS capacity (jobs or servers in flight)
    STARTING = "STARTING"  # StartRecovery is being sent
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    LAUNCHED = "LAUNCHED"  # DRS launched it; instance and post-launch checks follow
    POST_LAUNCH = "POST_LAUNCH"  # post-launch actions running (RECOVERY)
    READY = "READY"  # launched and verified
    FAILED = "FAILED"
    TERMINATED = "TERMINATED"
    NOT_RUN = "NOT_RUN"  # cancelled or skipped before it was launched

    @property
    def ended(self) -> bool:
        return self in {
            ServerStatus.READY,
            ServerStatus.FAILED,
            ServerStatus.TERMINATED,
            ServerStatus.NOT_RUN,
        }


class HookStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    PASSED = "PASSED"
    FAILED = "FAILED"


class CleanupStatus(StrEnum):
    NONE = "NONE"
    REQUESTED = "REQUESTED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class BatchState(StrEnum):
    """One StartRecovery of a wave's servers in one account and region."""

    QUEUED = "QUEUED"  # waiting for DRS capacity
    ADMITTED = "ADMITTED"  # capacity granted
    STARTING = "STARTING"  # StartRecovery being sent
    RUNNING = "RUNNING"  # DRS's job runs
    ENDED = "ENDED"  # the job completed, or DRS refused it for good
    DROPPED = "DROPPED"  # never sent: cancelled or timed out first

    @property
    def in_flight(self) -> bool:
        """Not over: its servers may still launch."""
        return self not in {BatchState.ENDED, BatchState.DROPPED}

    @property
    def unsent(self) -> bool:
        """StartRecovery not yet being sent: it can still be dropped."""
        return self in {BatchState.QUEUED, BatchState.ADMITTED}

    @property
    def due(self) -> bool:
        """Admitted: StartRecovery is to be sent (or being sent)."""
        return self in {BatchState.ADMITTED, BatchState.STARTING}


class JobStatus(StrEnum):
    """A DRS job's `status`."""

    PENDING = "PENDING"
    STARTED = "STARTED"
    COMPLETED = "COMPLETED"


class LaunchStatus(StrEnum):
    """A server's `launchStatus` in a DRS job."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    LAUNCHED = "LAUNCHED"
    FAILED = "FAILED"
    TERMINATED = "TERMINATED"


class Command(StrEnum):
    """What an operator may ask of an execution (the API's command paths, the audit log's
    actions); which of them an execution allows now is the engine core's rule."""

    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    CLEANUP = "cleanup"
    APPROVE = "approve"  # of a wave
    RETRY_WAVE = "retry-wave"  # of a wave
    SKIP_WAVE = "skip-wave"  # of a wave

    @property
    def of_wave(self) -> bool:
        return self in {Command.APPROVE, Command.RETRY_WAVE, Command.SKIP_WAVE}
