"""/readiness: the dashboard's view of how prepared the estate and the plans are."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from drs_orchestrator.api.auth import Reader
from drs_orchestrator.api.common import ApiModel
from drs_orchestrator.api.execution_views import ExecutionSummary, summary
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.schemas import AccountQuery
from drs_orchestrator.api.services import Svc
from drs_orchestrator.service.readiness import PlanReadiness, Severity

router = APIRouter(prefix="/readiness", tags=["readiness"])

SEVERITY: dict[Severity, Literal["error", "warning", "info"]] = {
    Severity.REPLICATION_BROKEN: "error",
    Severity.REPLICATION_NOT_CONTINUOUS: "warning",
    Severity.NEVER_DRILLED: "warning",
    Severity.NOT_DRILLED_RECENTLY: "info",
}


class RegionCount(ApiModel):
    region: str
    servers: int
    error: str | None


class AttentionServer(ApiModel):
    region: str
    source_server_id: str
    hostname: str
    replication_state: str
    lag_seconds: int | None
    last_drill_at: datetime | None
    reason: str
    severity: Literal["error", "warning", "info"] = Field(
        description="error: replication has stopped; warning: not replicating continuously "
        "or never drilled; info: not drilled recently. The list is sorted by it."
    )


class ServerReadinessOut(ApiModel):
    account_id: str
    total: int
    stale_days: int
    regions: list[RegionCount]
    by_replication_state: dict[str, int]
    by_lag: dict[str, int]
    never_drilled: int
    stale: int = Field(description="Drilled, but longer ago than staleDays (never drilled: apart).")
    attention: list[AttentionServer] = Field(description="Most urgent first; at most 20.")


class PlanReadinessOut(ApiModel):
    id: str
    name: str
    version: int
    waves: int
    rto_target_minutes: int | None
    lint_errors: int | None
    lint_warnings: int | None
    lint_failure: str | None
    last_execution: ExecutionSummary | None
    last_drill: ExecutionSummary | None
    last_drill_rto_seconds: float | None
    last_drill_rto_met: bool | None


class PlansReadinessOut(ApiModel):
    items: list[PlanReadinessOut]


@router.get("/servers", responses=responses(400, 401, 403), operation_id="serverReadiness")
def servers(
    svc: Svc,
    _: Reader,
    account_id: AccountQuery = None,
    stale_days: Annotated[
        int, Query(alias="staleDays", ge=1, le=3650, description="Drilled longer ago is stale.")
    ] = 30,
) -> ServerReadinessOut:
    """Servers by replication state and lag, and those never or not recently drilled."""
    found = svc.readiness.servers(account_id, stale_days)
    return ServerReadinessOut(
        account_id=found.account_id,
        total=sum(len(r.servers) for r in found.regions),
        stale_days=stale_days,
        regions=[
            RegionCount(region=r.region, servers=len(r.servers), error=r.error)
            for r in found.regions
        ],
        by_replication_state=found.by_replication_state,
        by_lag=found.by_lag,
        never_drilled=found.never_drilled,
        stale=found.stale,
        attention=[
            AttentionServer(
                region=a.region,
                source_server_id=a.server.source_server_id,
                hostname=a.server.hostname,
                replication_state=a.server.replication_state,
                lag_seconds=a.server.lag_seconds,
                last_drill_at=a.server.last_drill_at,
                reason=a.reason,
                severity=SEVERITY[a.severity],
            )
            for a in found.attention
        ],
    )


def plan_readiness_out(p: PlanReadiness) -> PlanReadinessOut:
    spec = p.plan.spec()
    target = spec.rto_target_minutes
    rto = p.last_drill_rto_seconds
    return PlanReadinessOut(
        id=p.plan.id,
        name=spec.name,
        version=p.plan.version,
        waves=len(spec.waves),
        rto_target_minutes=target,
        lint_errors=p.lint_errors,
        lint_warnings=p.lint_warnings,
        lint_failure=p.lint_failure,
        last_execution=summary(p.last_execution) if p.last_execution else None,
        last_drill=summary(p.last_drill) if p.last_drill else None,
        last_drill_rto_seconds=rto,
        last_drill_rto_met=None if rto is None or target is None else rto <= target * 60,
    )


@router.get("/plans", responses=responses(401, 403), operation_id="planReadiness")
def plans(svc: Svc, _: Reader) -> PlansReadinessOut:
    """Every plan with its lint result, last execution and last drill's measured RTO."""
    return PlansReadinessOut(items=[plan_readiness_out(p) for p in svc.readiness.plans_readiness()])
