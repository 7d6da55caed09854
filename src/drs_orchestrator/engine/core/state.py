"""An execution's whole state, kept as one JSON document: what the runner resumes from and
what the API shows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from drs_orchestrator.domain.executions import (
    BatchState,
    CleanupStatus,
    ExecutionStatus,
    HookStatus,
    Mode,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.hooks import Hook
from drs_orchestrator.domain.plans import Wave


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ServerRun(Model):
    server_id: str
    account_id: str
    region: str
    wave: str
    hostname: str = ""
    # FAILBACK: the plan's source server this one (its reversed source server, at the
    # origin) brings home
    brings_home: str | None = None
    # FAILBACK on premises: the recovery instance StartFailbackLaunch launches onto the
    # machine there (not ours: neither followed as an instance nor cleaned up)
    failback_instance_id: str | None = None
    critical: bool = True
    expects_post_launch: bool = False  # RECOVERY only: DRS runs post-launch actions
    # The recovery snapshot it launches from (None: the latest data): the operator's choice
    # (`snapshot_pinned`), else the execution's point in time resolved as its batch starts.
    recovery_snapshot_id: str | None = None
    snapshot_taken_at: datetime | None = None
    snapshot_pinned: bool = False
    status: ServerStatus = ServerStatus.WAITING
    launch_status: str | None = None  # DRS's, as last seen
    attempt: int = 0
    batch: str | None = None
    job_id: str | None = None
    recovery_instance_id: str | None = None
    ec2_instance_id: str | None = None
    ec2_state: str | None = None
    instance_recorded_at: datetime | None = None  # DescribeRecoveryInstances answered
    cleanup_job_id: str | None = None  # the TERMINATE job that covers its recovery instance
    post_launch: str | None = None  # NOT_STARTED | IN_PROGRESS | SUCCEEDED | FAILED
    failure: str | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None  # StartRecovery sent
    launched_at: datetime | None = None
    ended_at: datetime | None = None
    # Job-log phases (SNAPSHOT_START, CONVERSION_END, LAUNCH_START, ...) -> when.
    phases: dict[str, datetime] = Field(default_factory=dict)

    @property
    def landed(self) -> bool:
        """Launched on premises by a failback (there is no recovery instance of ours)."""
        return self.failback_instance_id is not None and self.launched_at is not None


class Batch(Model):
    """One StartRecovery (or, on premises, StartFailbackLaunch): a wave's servers in one
    account and region, at most 100."""

    key: str
    wave: str
    wave_number: int
    account_id: str
    region: str
    server_ids: list[str]
    attempt: int
    failback_launch: bool = False  # its servers go home on premises (StartFailbackLaunch)
    state: BatchState = BatchState.QUEUED
    job_id: str | None = None
    requested_at: datetime
    admitted_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error: str | None = None


class HookRun(Model):
    phase: Literal["pre", "post"]
    index: int
    hook: Hook
    status: HookStatus = HookStatus.PENDING
    started_at: datetime | None = None
    ended_at: datetime | None = None
    detail: str | None = None
    approved_by: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None  # an httpCheck between tries, SSM between checks
    handle: str | None = None  # what AWS calls it: an SSM command or automation execution ID
    run: int = 1  # the operator's retries start a new run: a new SSM run, a new invocation


class WaveRun(Model):
    name: str
    number: int  # 1-based, as in the DRS:WaveNumber tag
    spec: Wave
    status: WaveStatus = WaveStatus.PENDING
    hooks: list[HookRun] = Field(default_factory=list)
    pause_released: bool = False
    attempt: int = 1
    started_at: datetime | None = None  # dependencies met, pause lifted
    launch_started_at: datetime | None = None
    deadline: datetime | None = None  # launch start + the wave's timeout
    truth_asked_at: datetime | None = None  # DRS asked again before declaring a timeout
    ended_at: datetime | None = None
    failure: str | None = None

    def hooks_of(self, phase: Literal["pre", "post"]) -> list[HookRun]:
        return [h for h in self.hooks if h.phase == phase]


# The stored document's shape: raised with each change that old documents need migrated for.
SCHEMA_VERSION = 2


class ExecutionState(Model):
    schema_version: int = SCHEMA_VERSION
    id: str
    plan_id: str
    plan_name: str
    plan_version: int
    mode: Mode
    initiated_by: str
    user_id: str
    rto_target_minutes: int | None = None
    # Launch from the latest recovery snapshot taken at or before this (None: the latest data)
    point_in_time: datetime | None = None
    # The plan's launchSettings: what is done with the groups' launch settings before a wave.
    launch_settings: Literal["reapply", "check", "ignore"] = "check"
    status: ExecutionStatus = ExecutionStatus.PENDING
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    paused_reason: str | None = None
    cancel_requested: bool = False
    terminate_on_cancel: bool = False
    cleanup: CleanupStatus = CleanupStatus.NONE
    cleanup_after_minutes: int | None = None
    cleanup_job_ids: list[str] = Field(default_factory=list)
    # Each request to clean up is a round; its TERMINATE calls are made once per round.
    cleanup_round: int = 0
    waves: list[WaveRun]
    servers: dict[str, ServerRun]
    batches: list[Batch] = Field(default_factory=list)
    # How many transitions have been recorded: the next event's sequence number.
    events_recorded: int = 0

    def wave(self, name: str) -> WaveRun:
        for w in self.waves:
            if w.name == name:
                return w
        raise KeyError(name)

    def batch(self, key: str) -> Batch:
        for b in self.batches:
            if b.key == key:
                return b
        raise KeyError(key)

    def servers_of(self, wave: str) -> list[ServerRun]:
        return [s for s in self.servers.values() if s.wave == wave]


def _v1_to_v2(document: dict[str, Any]) -> dict[str, Any]:
    """Version 2 dropped `pauseRequested` (the status says it; it outlived a cancel) and
    holds `pausedReason` only while paused."""
    document.pop("pauseRequested", None)
    if document.get("status") != "PAUSED":
        document["pausedReason"] = None
    return document


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def load_state(document: Mapping[str, Any]) -> ExecutionState:
    """A stored document, migrated to the current version first (stored ones are left as
    they are until the engine next saves them)."""
    data = dict(document)
    version = int(data.get("schemaVersion", 1))
    while version < SCHEMA_VERSION:
        data = _MIGRATIONS[version](data)
        version += 1
        data["schemaVersion"] = version
    return ExecutionState.model_validate(data)
