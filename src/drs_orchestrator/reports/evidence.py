"""What happened in an execution, as an auditor reads it: who, what, when, how long each
phase took, who approved, what failed and why, the RTO measured against the target, and
whether the drill's instances were cleaned up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from drs_orchestrator.domain import display
from drs_orchestrator.domain.executions import HookStatus, ServerStatus, WaveStatus
from drs_orchestrator.domain.hooks import ManualApproval
from drs_orchestrator.domain.modes import policy
from drs_orchestrator.domain.site import SiteState
from drs_orchestrator.domain.site import label as site_label
from drs_orchestrator.engine.core.state import ExecutionState, ServerRun


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Phases(Model):
    """Seconds per phase, from DRS's job log (None where DRS did not report it)."""

    snapshot: float | None = None
    conversion: float | None = None
    launch: float | None = None
    verification: float | None = None


class ServerEvidence(Model):
    server_id: str
    hostname: str
    wave: str
    brings_home: str | None = None  # a failback's: the plan's server it brings home
    critical: bool
    status: ServerStatus
    # What it launched from: a chosen or point-in-time recovery snapshot (None: latest data)
    recovery_snapshot_id: str | None = None
    snapshot_taken_at: datetime | None = None
    job_id: str | None
    recovery_instance_id: str | None
    ec2_instance_id: str | None
    started_at: datetime | None
    launched_at: datetime | None
    ended_at: datetime | None
    failure: str | None
    phases: Phases


class WaveEvidence(Model):
    name: str
    status: WaveStatus
    started_at: datetime | None
    launch_started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: float | None
    job_ids: list[str]
    failure: str | None


class ApprovalEvidence(Model):
    wave: str
    message: str
    approver_role: str
    requested_at: datetime | None
    decided_at: datetime | None
    status: HookStatus
    approved_by: str | None
    detail: str | None


class Failure(Model):
    wave: str
    server_id: str | None
    hostname: str | None
    reason: str


class Cleanup(Model):
    status: str
    job_ids: list[str]
    terminated: int
    still_running: int


class HookEvidence(Model):
    wave: str
    phase: str
    name: str  # by type and what it runs: "SSM command AWS-RunShellScript"
    status: HookStatus
    started_at: datetime | None
    ended_at: datetime | None
    detail: str | None


class Transition(Model):
    seq: int
    at: datetime
    kind: str
    subject: str
    old: str | None
    new: str | None
    detail: dict[str, Any]
    # The subject as people name it (a hostname, a drsjob-... ID, a hook by type and name);
    # filled in reports, where the execution is at hand.
    subject_name: str | None = None
    # The detail as people read it: internal keys (a batch's) replaced by what DRS calls them.
    detail_text: str | None = None


class RoundTripStep(Model):
    """One move of the plan's site state, and how long the plan then stayed there."""

    at: datetime
    event: str
    old: str
    new: str
    new_label: str
    actor: str
    moved_by: str | None  # the execution or reprotect that moved it
    detail: dict[str, Any]
    held_seconds: float | None  # until the next move (None: it is still there, or at rest)


class RoundTrip(Model):
    """The incident an execution is part of: the plan's moves from the recovery that took
    it from protected to its being protected again (or to now), as one timeline."""

    started_at: datetime
    ended_at: datetime | None  # protected again; None while the round trip goes on
    complete: bool
    duration_seconds: float | None
    steps: list[RoundTripStep]


class Report(Model):
    execution_id: str
    plan_id: str
    plan_name: str
    plan_version: int
    mode: str
    keeps_instances: bool  # a recovery's instances are the workloads: not cleaned up
    initiated_by: str
    status: str
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    rto_target_minutes: int | None
    point_in_time: datetime | None = None  # launched from snapshots at or before this
    measured_rto_seconds: float | None
    rto_met: bool | None
    waves: list[WaveEvidence]
    servers: list[ServerEvidence]
    approvals: list[ApprovalEvidence]
    hooks: list[HookEvidence]
    failures: list[Failure]
    cleanup: Cleanup
    transitions: list[Transition]
    generated_at: datetime
    # The round trip it belongs to (a recovery's or failback's; None for a drill or a plan
    # that never moved)
    round_trip: RoundTrip | None = None


def _span(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def phases(server: ServerRun) -> Phases:
    p = server.phases
    return Phases(
        snapshot=_span(p.get("SNAPSHOT_START"), p.get("SNAPSHOT_END")),
        conversion=_span(p.get("CONVERSION_START"), p.get("CONVERSION_END")),
        launch=_span(p.get("LAUNCH_START"), server.launched_at),
        verification=_span(server.launched_at, server.ended_at)
        if server.status == ServerStatus.READY
        else None,
    )


def measured_rto(state: ExecutionState) -> float | None:
    """Execution start to the last wave with critical servers verified; None if any such
    wave did not complete (the service was not restored)."""
    if state.started_at is None:
        return None
    ends = []
    for wave in state.waves:
        if not any(s.critical for s in state.servers_of(wave.name)):
            continue
        if wave.status != WaveStatus.COMPLETED or wave.ended_at is None:
            return None
        ends.append(wave.ended_at)
    return _span(state.started_at, max(ends)) if ends else None


def subject_names(state: ExecutionState) -> dict[tuple[str, str], str]:
    """(kind, subject) of a transition -> its name: servers by hostname, batches by their DRS
    job (drsjob-...), hooks by wave, phase, type and name; never an internal key."""
    names = {("server", s.server_id): s.hostname or s.server_id for s in state.servers.values()}
    names["execution", state.id] = f"{display.label(display.MODE, state.mode)} of {state.plan_name}"
    names["cleanup", state.id] = "of the recovery instances"
    for b in state.batches:
        servers = display.plural(len(b.server_ids), "server")
        job = b.job_id or "DRS job not started"
        names["batch", b.key] = f"{b.wave}: {job} ({servers}, {b.region})"
    for s in state.servers.values():
        names["instance", s.server_id] = f"of {s.hostname or s.server_id}"
    for w in state.waves:
        for h in w.hooks:
            names["hook", f"{w.name}/{h.phase}/{h.index}"] = display.hook_in_wave(
                w.name, h.phase, h.hook
            )
    return names


def detail_text(detail: dict[str, Any], state: ExecutionState) -> str:
    jobs = {b.key: b.job_id or "DRS job not started" for b in state.batches}
    words = []
    for key, value in detail.items():
        if key == "batch" and isinstance(value, str):
            key, value = "job", jobs.get(value, value)  # noqa: PLW2901
        words.append(f"{key}={', '.join(map(str, value)) if isinstance(value, list) else value}")
    return " ".join(words)


def round_trip(execution_id: str, events: Sequence[Any], now: datetime) -> RoundTrip | None:
    """The site moves around the one `execution_id` made: back to the recovery that left
    PROTECTED, on to the first move into PROTECTED again (`events`: the plan's, in order)."""
    mine = next((i for i, e in enumerate(events) if e.moved_by == execution_id), None)
    if mine is None:
        return None
    first = max(
        (i for i in range(mine + 1) if events[i].old == SiteState.PROTECTED),
        default=0,
    )
    last = next(
        (i for i in range(mine, len(events)) if events[i].new == SiteState.PROTECTED),
        len(events) - 1,
    )
    trip = events[first : last + 1]
    complete = trip[-1].new == SiteState.PROTECTED
    steps = [
        RoundTripStep(
            at=e.at,
            event=e.event,
            old=e.old,
            new=e.new,
            new_label=site_label(SiteState(e.new)),
            actor=e.actor,
            moved_by=e.moved_by,
            detail=e.detail,
            held_seconds=_span(e.at, trip[i + 1].at) if i + 1 < len(trip) else None,
        )
        for i, e in enumerate(trip)
    ]
    ended = trip[-1].at if complete else None
    return RoundTrip(
        started_at=trip[0].at,
        ended_at=ended,
        complete=complete,
        duration_seconds=_span(trip[0].at, ended or now),
        steps=steps,
    )


def build(
    state: ExecutionState,
    transitions: Sequence[Any],
    now: datetime,
    site_events: Sequence[Any] = (),
) -> Report:
    """`site_events`: the plan's site moves, oldest first, whose round trip it shows."""
    rto = measured_rto(state)
    target = state.rto_target_minutes
    servers = sorted(state.servers.values(), key=lambda s: (s.wave, s.hostname, s.server_id))
    waves = [
        WaveEvidence(
            name=w.name,
            status=w.status,
            started_at=w.started_at,
            launch_started_at=w.launch_started_at,
            ended_at=w.ended_at,
            duration_seconds=_span(w.started_at, w.ended_at),
            job_ids=sorted({b.job_id for b in state.batches if b.wave == w.name and b.job_id}),
            failure=w.failure,
        )
        for w in state.waves
    ]
    approvals = [
        ApprovalEvidence(
            wave=w.name,
            message=h.hook.message,
            approver_role=h.hook.approver_role.value,
            requested_at=h.started_at,
            decided_at=h.ended_at,
            status=h.status,
            approved_by=h.approved_by,
            detail=h.detail,
        )
        for w in state.waves
        for h in w.hooks
        if isinstance(h.hook, ManualApproval) and h.status != HookStatus.PENDING
    ]
    failures = [
        Failure(wave=w.name, server_id=None, hostname=None, reason=w.failure)
        for w in state.waves
        if w.failure
    ] + [
        Failure(wave=s.wave, server_id=s.server_id, hostname=s.hostname, reason=s.failure)
        for s in servers
        if s.failure and s.status == ServerStatus.FAILED
    ]
    with_instances = [s for s in servers if s.recovery_instance_id]
    names = subject_names(state)
    return Report(
        execution_id=state.id,
        plan_id=state.plan_id,
        plan_name=state.plan_name,
        plan_version=state.plan_version,
        mode=state.mode.value,
        keeps_instances=policy(state.mode).keeps_instances,
        initiated_by=state.initiated_by,
        status=state.status.value,
        created_at=state.created_at,
        started_at=state.started_at,
        ended_at=state.ended_at,
        rto_target_minutes=target,
        point_in_time=state.point_in_time,
        measured_rto_seconds=rto,
        rto_met=None if target is None or rto is None else rto <= target * 60,
        waves=waves,
        servers=[
            ServerEvidence(
                server_id=s.server_id,
                hostname=s.hostname,
                wave=s.wave,
                brings_home=s.brings_home,
                critical=s.critical,
                status=s.status,
                recovery_snapshot_id=s.recovery_snapshot_id,
                snapshot_taken_at=s.snapshot_taken_at,
                job_id=s.job_id,
                recovery_instance_id=s.recovery_instance_id,
                ec2_instance_id=s.ec2_instance_id,
                started_at=s.started_at,
                launched_at=s.launched_at,
                ended_at=s.ended_at,
                failure=s.failure,
                phases=phases(s),
            )
            for s in servers
        ],
        approvals=approvals,
        hooks=[
            HookEvidence(
                wave=w.name,
                phase=h.phase,
                name=display.hook_name(h.hook),
                status=h.status,
                started_at=h.started_at,
                ended_at=h.ended_at,
                detail=h.detail,
            )
            for w in state.waves
            for h in w.hooks
        ],
        failures=failures,
        cleanup=Cleanup(
            status=state.cleanup.value,
            job_ids=state.cleanup_job_ids,
            terminated=sum(s.status == ServerStatus.TERMINATED for s in with_instances),
            still_running=sum(s.status != ServerStatus.TERMINATED for s in with_instances),
        ),
        transitions=[
            Transition.model_validate(
                {
                    **t.__dict__,
                    "subject_name": names.get((t.kind, t.subject)),
                    "detail_text": detail_text(t.detail, state),
                }
            )
            for t in transitions
        ],
        generated_at=now,
        round_trip=round_trip(state.id, site_events, now),
    )
