"""A plan's round trip: its site state, each server's step home, reprotects, and the
release of the recovery-region instances once it is home."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from pydantic import Field

from drs_orchestrator.api.auth import Reader, RecoveryAdmin
from drs_orchestrator.api.common import ApiModel
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain.errors import DomainError
from drs_orchestrator.domain.failback import Leg, blocking
from drs_orchestrator.domain.site import SiteAction, SiteState, label
from drs_orchestrator.service.records import ReprotectRow
from drs_orchestrator.service.release import FAILED, RELEASED, SKIPPED
from drs_orchestrator.service.site import ReprotectView, SiteView

router = APIRouter(prefix="/recovery-plans", tags=["site"])
PlanId = Annotated[str, Path(max_length=64)]


class SiteServer(ApiModel):
    source_server_id: str
    hostname: str
    wave: str
    account_id: str
    region: str
    origin: str = Field(description="AWS (an EC2 instance in another region) or ON_PREMISES.")
    leg: Leg = Field(description="Its step on the way home.")
    next_step: str = Field(description="What it waits for, in words.")
    recovery_instance_id: str | None
    reversed_source_server_id: str | None = Field(
        description="AWS origins, once reversed: the source server replicating it back."
    )
    reversed_region: str | None
    replication: str | None = Field(description="The replication back's state, as DRS says it.")
    error: str | None = Field(description="The error DRS reports for the replication back.")
    failback_launch_type: str | None = Field(
        description="On premises: what its DRS Failback Client was started to launch (RECOVERY "
        "for a FAILBACK, DRILL for a FAILBACK_DRILL)."
    )


class ReprotectOut(ApiModel):
    id: str
    plan_id: str
    state: str = Field(description="RUNNING, COMPLETED or FAILED (some server failed).")
    waves: list[str] | None = Field(description="The waves asked for; null for all.")
    requested_by: str
    requested_at: datetime
    ended_at: datetime | None
    servers: int
    reversed: int
    skipped: int
    failed: int
    error: str | None
    url: str


class ReprotectCall(ApiModel):
    source_server_id: str
    recovery_instance_id: str
    account_id: str
    region: str
    intent_at: datetime = Field(description="Stored before ReverseReplication was called.")
    outcome: str | None = Field(description="REVERSED, SKIPPED or FAILED; null while it runs.")
    reversed_source_server_arn: str | None
    detail: str | None = Field(description="Why it was skipped or failed.")


class ReprotectDetail(ReprotectOut):
    calls: list[ReprotectCall]


class SiteEventOut(ApiModel):
    seq: int
    at: datetime
    event: str
    old: SiteState
    new: SiteState
    actor: str
    moved_by: str | None = Field(description="The execution or reprotect that moved it.")
    detail: dict[str, Any]


class SiteStateOut(ApiModel):
    plan_id: str
    plan_name: str
    state: SiteState
    label: str
    since: datetime | None = Field(description="Null: it never moved (protected).")
    moved_by: str | None
    next_actions: list[SiteAction] = Field(description="What an operator may start now.")
    servers: list[SiteServer]
    legs: dict[str, int] = Field(description="How many servers are at each step.")
    blocking: list[str] = Field(
        description="What keeps the plan from its next step, per server: failing back "
        "(replicating back continuously, from an AWS origin) or, once home, being protected "
        "again."
    )
    drs_error: str | None = Field(description="Set when DRS could not be asked.")
    reprotect: ReprotectOut | None = Field(description="The latest reprotect.")
    timeline: list[SiteEventOut]


def _reprotect_out(row: ReprotectRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "plan_id": row.plan_id,
        "state": row.state,
        "waves": row.waves,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "ended_at": row.ended_at,
        "servers": row.servers,
        "reversed": row.reversed,
        "skipped": row.skipped,
        "failed": row.failed,
        "error": row.error,
        "url": f"/api/v1/recovery-plans/{row.plan_id}/reprotects/{row.id}",
    }


def _site_out(view: SiteView) -> SiteStateOut:
    servers = [
        SiteServer(
            source_server_id=s.server_id,
            hostname=leg.hostname,
            wave=s.wave,
            account_id=s.account_id,
            region=s.region,
            origin=leg.origin,
            leg=leg.leg,
            next_step=leg.next_step,
            recovery_instance_id=leg.recovery_instance_id,
            reversed_source_server_id=leg.reversed_server_id,
            reversed_region=leg.reversed_region,
            replication=leg.replication,
            error=leg.error,
            failback_launch_type=leg.launch_type,
        )
        for s, leg in view.legs.servers
    ]
    counts: dict[str, int] = {}
    for s in servers:
        counts[s.leg.value] = counts.get(s.leg.value, 0) + 1
    home = view.state in {SiteState.FAILED_BACK, SiteState.RESTORING, SiteState.PROTECTED}
    held = [f"{s.hostname} ({s.server_id}): {why}" for s, why in blocking(view.legs.of(), home)]
    return SiteStateOut(
        plan_id=view.plan_id,
        plan_name=view.plan_name,
        state=view.state,
        label=label(view.state),
        since=view.since,
        moved_by=view.moved_by,
        next_actions=view.next_actions,
        servers=servers,
        legs=counts,
        blocking=held,
        drs_error=view.legs.error,
        reprotect=ReprotectOut(**_reprotect_out(view.reprotect)) if view.reprotect else None,
        timeline=[
            SiteEventOut(
                seq=e.seq,
                at=e.at,
                event=e.event,
                old=SiteState(e.old),
                new=SiteState(e.new),
                actor=e.actor,
                moved_by=e.moved_by,
                detail=e.detail,
            )
            for e in view.events
        ],
    )


def _detail(view: ReprotectView) -> ReprotectDetail:
    return ReprotectDetail(
        **_reprotect_out(view.record),
        calls=[
            ReprotectCall(
                source_server_id=c.server_id,
                recovery_instance_id=c.recovery_instance_id,
                account_id=c.account_id,
                region=c.region,
                intent_at=c.intent_at,
                outcome=c.outcome,
                reversed_source_server_arn=c.result,
                detail=c.detail,
            )
            for c in view.calls
        ],
    )


class ReprotectStart(ApiModel):
    waves: list[Annotated[str, Field(min_length=1, max_length=128)]] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Reverse only these waves' servers (the rest later); omitted: all.",
    )


@router.get(
    "/{plan_id}/site-state", responses=responses(401, 403, 404), operation_id="getSiteState"
)
def site_state(svc: Svc, _: Reader, plan_id: PlanId) -> SiteStateOut:
    """Where the plan stands in the round trip (failover, reprotect, failback), each
    server's step home as DRS reports it, what may be done next, and the timeline."""
    return _site_out(svc.site.view(plan_id))


@router.post(
    "/{plan_id}/reprotect",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(400, 401, 403, 404, 409, 503),
    operation_id="startReprotect",
)
def start_reprotect(
    svc: Svc,
    who: RecoveryAdmin,
    plan_id: PlanId,
    response: Response,
    body: ReprotectStart | None = None,
) -> ReprotectOut:
    """After a recovery: replicate the recovered servers back to their origin
    (ReverseReplication per recovery instance, wave by wave in dependency order), in the
    background (recovery-admin). On-premises origins are skipped with what to do: boot the
    DRS Failback Client. The start, or its refusal and why, is written to the audit log."""
    waves = body.waves if body else None
    try:
        row = svc.site.reprotect(plan_id, who.username, waves)
    except DomainError as refused:
        asked = {"waves": waves}
        svc.executions.refused(
            who.username, "reprotect", ("recovery-plan", plan_id), refused, asked
        )
        raise
    out = ReprotectOut(**_reprotect_out(row))
    response.headers["Location"] = out.url
    return out


@router.get(
    "/{plan_id}/reprotects/{reprotect_id}",
    responses=responses(401, 403, 404),
    operation_id="getReprotect",
)
def get_reprotect(
    svc: Svc, _: Reader, plan_id: PlanId, reprotect_id: Annotated[str, Path(max_length=64)]
) -> ReprotectDetail:
    """A reprotect and each server's ReverseReplication: its intent, outcome and why."""
    return _detail(svc.site.reprotect_view(plan_id, reprotect_id))


class ReleaseStart(ApiModel):
    stop_instances: bool = Field(
        default=False,
        description="Also stop each instance through EC2 (StopInstances) before DRS "
        "forgets it, so the copies left in the recovery region no longer run.",
    )


class ReleasedServer(ApiModel):
    source_server_id: str
    hostname: str
    wave: str
    recovery_instance_id: str | None
    ec2_instance_id: str | None = Field(description="The EC2 instance EC2 keeps.")
    outcome: str = Field(description="RELEASED, SKIPPED or FAILED.")
    calls: list[str] = Field(
        description="The calls that succeeded, in order (DRS's, and EC2's StopInstances)."
    )
    detail: str | None = Field(description="Why it was skipped, or DRS's refusal.")


class ReleaseOut(ApiModel):
    plan_id: str
    released: int
    skipped: int
    failed: int
    servers: list[ReleasedServer]


@router.post(
    "/{plan_id}/release-recovery-instances",
    responses=responses(400, 401, 403, 404, 409, 503),
    operation_id="releaseRecoveryInstances",
)
def release_recovery_instances(
    svc: Svc, who: RecoveryAdmin, plan_id: PlanId, body: ReleaseStart | None = None
) -> ReleaseOut:
    """After a failback, once the plan is protected again: take each server's
    recovery-region instance out of DRS (DisconnectRecoveryInstance, after StopFailback if
    it still replicates back; recovery-admin). EC2 keeps the instance: stopped first with
    `stopInstances`, else for you to stop or terminate. Done before the answer; asking
    again finishes what is left. A server not home and protected is skipped with why; a
    refusal (DRS's or EC2's) fails that server, the rest go on. The request and its
    outcome are written to the audit log."""
    stop = body.stop_instances if body is not None else False
    try:
        done = svc.release.release(plan_id, who.username, stop_instances=stop)
    except DomainError as refused:
        svc.executions.refused(
            who.username, "release-recovery-instances", ("recovery-plan", plan_id), refused, {}
        )
        raise
    servers = [
        ReleasedServer(
            source_server_id=r.server.server_id,
            hostname=r.hostname,
            wave=r.server.wave,
            recovery_instance_id=r.recovery_instance_id,
            ec2_instance_id=r.ec2_instance_id,
            outcome=r.outcome,
            calls=r.calls,
            detail=r.detail,
        )
        for r in done
    ]
    return ReleaseOut(
        plan_id=plan_id,
        released=sum(s.outcome == RELEASED for s in servers),
        skipped=sum(s.outcome == SKIPPED for s in servers),
        failed=sum(s.outcome == FAILED for s in servers),
        servers=servers,
    )
