"""What a core function returns: the new state, the transitions it made, what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drs_orchestrator.engine.core.state import ExecutionState


@dataclass(frozen=True)
class Event:
    """One stored transition: the timeline is the evidence."""

    seq: int
    at: datetime
    kind: str  # execution | wave | server | hook | batch | command
    subject: str  # the execution ID, a wave name, a server ID, "wave/pre/0", a batch key
    old: str | None
    new: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StartJob:
    """Send StartRecovery for an admitted batch (after recording the intent)."""

    batch_key: str


@dataclass(frozen=True)
class RunHook:
    """Run a hook that needs the outside world (HTTP, SSM, Lambda)."""

    wave: str
    index: int  # in WaveRun.hooks


@dataclass(frozen=True)
class DescribeInstances:
    """Record the recovery instance and EC2 instance of servers DRS launched."""

    account_id: str
    region: str
    server_ids: tuple[str, ...]


@dataclass(frozen=True)
class AskDrs:
    """A wave is past its timeout: ask DRS for the truth (these jobs, these servers'
    recovery instances) before declaring it, then report `drs_asked`."""

    wave: str
    job_ids: tuple[str, ...]
    server_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Terminate:
    """Terminate recovery instances (drill clean-up), at most 200 per call."""

    account_id: str
    region: str
    recovery_instance_ids: tuple[str, ...]
    round: int = 0  # of clean-up: each set of instances is asked to terminate once per round


Action = StartJob | RunHook | DescribeInstances | AskDrs | Terminate


@dataclass(frozen=True)
class Step:
    state: ExecutionState
    events: list[Event]
    actions: list[Action] = field(default_factory=list)
    # The next moment something is due without any outside news (a hook's wait, a deadline).
    wake_at: datetime | None = None
