"""What the API publishes of an execution: its read model, apart from the engine's stored
state. Operators and scripts get the summary, the waves (each with its server counts and the
commands they may ask), the servers a page at a time and the DRS launches; not the engine's
bookkeeping (intents, handles, when DRS was last asked, event counters).

A detail is serialised once per version of the execution and set of roles, and kept: ten
clients reading a large execution cost one serialisation, not ten.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, Literal, TypeVar

import cachetools
from pydantic import Field

from drs_orchestrator.api.common import ApiModel
from drs_orchestrator.domain.errors import InvalidInput, Violation
from drs_orchestrator.domain.executions import (
    CleanupStatus,
    Command,
    ExecutionStatus,
    HookStatus,
    Mode,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.hooks import Hook, ManualApproval
from drs_orchestrator.domain.modes import policy
from drs_orchestrator.domain.plans import Wave
from drs_orchestrator.domain.roles import Permission, Role, covers, permissions_of
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState, ServerRun, WaveRun

# Servers in one answer of GET /executions/{id}; `serversNextCursor` pages through the rest.
SERVER_PAGE = 500
# Serialised details kept per process (bytes), and summaries (one per execution version).
CACHE_BYTES = 256 * 2**20
SUMMARIES_KEPT = 10_000
K = TypeVar("K")
V = TypeVar("V")


class WaveProgress(ApiModel):
    name: str
    status: WaveStatus
    ended: bool


class ExecutionSummary(ApiModel):
    id: str
    plan_id: str
    plan_name: str
    plan_version: int
    mode: Mode
    status: ExecutionStatus
    active: bool
    waves_done: int = Field(description="Waves that ended, whichever way.")
    initiated_by: str
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    waves: list[WaveProgress]
    cleanup: CleanupStatus
    keeps_instances: bool = Field(
        description="Its instances are the workloads and are kept (a recovery's); else they "
        "are cleaned up after (a drill's)."
    )


class PendingApproval(ApiModel):
    wave: str
    message: str
    approver_role: Role
    requested_at: datetime
    deadline: datetime


class HookOut(ApiModel):
    phase: Literal["pre", "post"]
    index: int
    hook: Hook
    status: HookStatus
    started_at: datetime | None
    ended_at: datetime | None
    detail: str | None
    approved_by: str | None
    attempts: int = Field(description="Tries of this run (an HTTP check tries again).")
    next_attempt_at: datetime | None
    run: int = Field(description="1, then one more for each retry of its wave.")


class WaveOut(ApiModel):
    name: str
    number: int = Field(description="1-based, as in the DRS:WaveNumber tag.")
    spec: Wave
    status: WaveStatus
    ended: bool = Field(description="Whichever way: completed, failed, skipped, cancelled.")
    hooks: list[HookOut]
    attempt: int
    started_at: datetime | None = Field(description="Dependencies met, pause lifted.")
    launch_started_at: datetime | None
    deadline: datetime | None = Field(description="Launch start plus the wave's timeout.")
    ended_at: datetime | None
    failure: str | None
    server_counts: dict[ServerStatus, int] = Field(description="Its servers by status.")
    allowed_commands: list[Command] = Field(
        description="What you may ask of this wave now (approve, retry-wave, skip-wave): the "
        "engine's rule for its state, less what your roles do not allow."
    )


class ServerOut(ApiModel):
    server_id: str
    account_id: str
    region: str
    wave: str
    hostname: str
    brings_home: str | None = Field(
        description="A failback's: the plan's source server this one (its reversed source "
        "server, at the origin) brings home."
    )
    critical: bool
    recovery_snapshot_id: str | None = Field(
        description="The recovery snapshot it launches from (null: its latest data)."
    )
    snapshot_taken_at: datetime | None
    snapshot_pinned: bool = Field(
        description="Chosen for it at the start, not resolved from `pointInTime`."
    )
    status: ServerStatus
    launch_status: str | None = Field(description="DRS's, as last seen.")
    attempt: int
    job_id: str | None
    recovery_instance_id: str | None
    ec2_instance_id: str | None
    ec2_state: str | None
    post_launch: str | None = Field(description="NOT_STARTED, IN_PROGRESS, SUCCEEDED, FAILED.")
    failure: str | None
    queued_at: datetime | None
    started_at: datetime | None = Field(description="StartRecovery sent.")
    launched_at: datetime | None
    ended_at: datetime | None
    phases: dict[str, datetime] = Field(description="Job-log phases and when they happened.")


class LaunchOut(ApiModel):
    """One StartRecovery: a wave's servers in one account and region, at most 100."""

    id: str = Field(description="Names the launch in `batch` events.")
    wave: str
    attempt: int
    account_id: str
    region: str
    server_count: int
    state: str = Field(description="QUEUED, ADMITTED, STARTING, RUNNING, ENDED or DROPPED.")
    job_id: str | None
    requested_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    error: str | None = Field(description="Why DRS refused or deferred it.")


class ExecutionOut(ExecutionSummary):
    user_id: str
    rto_target_minutes: int | None
    point_in_time: datetime | None = Field(
        description="Its servers launch from their latest recovery snapshot taken at or "
        "before this (null: from their latest data, unless one was chosen for a server)."
    )
    paused_reason: str | None = Field(description="Set while PAUSED: who or what paused it.")
    cancel_requested: bool
    terminate_on_cancel: bool
    cleanup_after_minutes: int | None
    cleanup_job_ids: list[str]
    last_event_seq: int = Field(description="The newest event's `seq` (-1: none yet).")
    pending_approvals: list[PendingApproval]
    allowed_commands: list[Command] = Field(
        description="What you may ask of the execution now (pause, resume, cancel, cleanup): "
        "the engine's rule for its state, less what your roles do not allow. A command not "
        "listed is refused (409, or 403 for your roles)."
    )
    may_terminate: bool = Field(
        description="Whether you may terminate its instances (cancel with terminate, clean-up)."
    )
    waves: list[WaveOut]  # type: ignore[assignment]  # the detail's, not the summary's
    launches: list[LaunchOut]
    server_count: int
    servers: dict[str, ServerOut] = Field(
        description=f"A page of its servers (at most {SERVER_PAGE}), in wave order."
    )
    servers_next_cursor: str | None = Field(
        description="Pass as `serverCursor` for the next page of servers; null on the last."
    )


def summary(state: ExecutionState) -> ExecutionSummary:
    return ExecutionSummary(
        id=state.id,
        plan_id=state.plan_id,
        plan_name=state.plan_name,
        plan_version=state.plan_version,
        mode=state.mode,
        status=state.status,
        active=state.status.active,
        waves_done=sum(w.status.ended for w in state.waves),
        initiated_by=state.initiated_by,
        created_at=state.created_at,
        started_at=state.started_at,
        ended_at=state.ended_at,
        waves=[
            WaveProgress(name=w.name, status=w.status, ended=w.status.ended) for w in state.waves
        ],
        cleanup=state.cleanup,
        keeps_instances=policy(state.mode).keeps_instances,
    )


def detail(
    state: ExecutionState, roles: frozenset[Role], server_cursor: str | None
) -> ExecutionOut:
    allowed = machine.allowed_commands(state)
    ids = list(state.servers)
    first = _page_start(ids, server_cursor)
    shown = ids[first : first + SERVER_PAGE]
    more = first + SERVER_PAGE < len(ids)
    head = summary(state).model_dump()
    return ExecutionOut(
        **{**head, "waves": [_wave(state, w, allowed.waves[w.name], roles) for w in state.waves]},
        user_id=state.user_id,
        rto_target_minutes=state.rto_target_minutes,
        point_in_time=state.point_in_time,
        paused_reason=state.paused_reason,
        cancel_requested=state.cancel_requested,
        terminate_on_cancel=state.terminate_on_cancel,
        cleanup_after_minutes=state.cleanup_after_minutes,
        cleanup_job_ids=state.cleanup_job_ids,
        last_event_seq=state.events_recorded - 1,
        pending_approvals=_pending(state),
        allowed_commands=[c for c in allowed.execution if permitted(roles, state, c)],
        may_terminate=_holds(
            roles, machine.required_permissions(state, Command.CANCEL, terminate=True)
        ),
        launches=[
            LaunchOut(
                id=b.key,
                wave=b.wave,
                attempt=b.attempt,
                account_id=b.account_id,
                region=b.region,
                server_count=len(b.server_ids),
                state=b.state,
                job_id=b.job_id,
                requested_at=b.requested_at,
                started_at=b.started_at,
                ended_at=b.ended_at,
                error=b.error,
            )
            for b in state.batches
        ],
        server_count=len(ids),
        servers={sid: _server(state.servers[sid]) for sid in shown},
        servers_next_cursor=shown[-1] if more else None,
    )


def permitted(
    roles: frozenset[Role], state: ExecutionState, command: Command, wave: str = ""
) -> bool:
    """Whether these roles allow the command on this execution (whatever its state)."""
    if not _holds(roles, machine.required_permissions(state, command)):
        return False
    role = machine.approver_role(state, wave) if command == Command.APPROVE else None
    return role is None or covers(roles, role)


def _holds(roles: frozenset[Role], needed: frozenset[Permission]) -> bool:
    return needed <= permissions_of(roles)


def _page_start(ids: list[str], cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return ids.index(cursor) + 1
    except ValueError:
        raise InvalidInput(
            [Violation("serverCursor", "INVALID_CURSOR", "Not a cursor this API returned")],
            code="INVALID_CURSOR",
        ) from None


def _wave(
    state: ExecutionState, w: WaveRun, allowed: tuple[Command, ...], roles: frozenset[Role]
) -> WaveOut:
    counts = Counter(s.status for s in state.servers.values() if s.wave == w.name)
    return WaveOut(
        name=w.name,
        number=w.number,
        spec=w.spec,
        status=w.status,
        ended=w.status.ended,
        hooks=[HookOut.model_validate(h, from_attributes=True) for h in w.hooks],
        attempt=w.attempt,
        started_at=w.started_at,
        launch_started_at=w.launch_started_at,
        deadline=w.deadline,
        ended_at=w.ended_at,
        failure=w.failure,
        server_counts=dict(sorted(counts.items())),
        allowed_commands=[c for c in allowed if permitted(roles, state, c, w.name)],
    )


def _server(s: ServerRun) -> ServerOut:
    return ServerOut.model_validate(s, from_attributes=True)


def _pending(state: ExecutionState) -> list[PendingApproval]:
    pending = []
    for wave in state.waves:
        for hook in wave.hooks:
            spec = hook.hook
            if isinstance(spec, ManualApproval) and hook.status == HookStatus.RUNNING:
                assert hook.started_at is not None  # set as it began to run
                pending.append(
                    PendingApproval(
                        wave=wave.name,
                        message=spec.message,
                        approver_role=spec.approver_role,
                        requested_at=hook.started_at,
                        deadline=hook.started_at + timedelta(minutes=spec.timeout_minutes),
                    )
                )
    return pending


class Kept(Generic[K, V]):
    """Read models kept per process (an LRU, shared by the API's threads): a detail by
    execution, version, roles and page of servers; a summary by execution and version. One
    serialisation per change of an execution, whoever asks and however often."""

    def __init__(self, size: int, getsizeof: Callable[[V], int] | None = None) -> None:
        self._cache: cachetools.LRUCache[K, V] = cachetools.LRUCache(size, getsizeof=getsizeof)
        self._lock = threading.Lock()
        self._making: dict[K, threading.Lock] = {}

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._cache.get(key)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The kept value, or made once however many ask for it at the same moment (the
        others wait for it rather than making it again)."""
        with self._lock:
            if (found := self._cache.get(key)) is not None:
                return found
            making = self._making.setdefault(key, threading.Lock())
        with making:
            found = self.get(key)
            if found is None:
                found = make()
                self.put(key, found)
        with self._lock:
            self._making.pop(key, None)
        return found

    def put(self, key: K, value: V) -> None:
        with self._lock, contextlib.suppress(ValueError):  # larger than all: not kept
            self._cache[key] = value


def details_kept() -> Kept[tuple[object, ...], bytes]:
    return Kept(CACHE_BYTES, getsizeof=len)


def summaries_kept() -> Kept[tuple[str, int], bytes]:
    return Kept(SUMMARIES_KEPT)
