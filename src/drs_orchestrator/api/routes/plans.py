"""/recovery-plans"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response, status
from pydantic import Field

from drs_orchestrator.api.auth import Configurer, Reader
from drs_orchestrator.api.common import ApiModel, Cursor, IfMatch, Limit, Page, etag
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain import display
from drs_orchestrator.domain.findings import Finding
from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.service.records import PlanRecord, VersionRecord

router = APIRouter(prefix="/recovery-plans", tags=["recovery plans"])


class RecoveryPlanOut(RecoveryPlanSpec):
    id: str
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str


class PlanVersionSummary(ApiModel):
    version: int
    name: str
    created_at: datetime
    created_by: str


class PlanVersionOut(PlanVersionSummary):
    plan: RecoveryPlanSpec


def plan_out(record: PlanRecord) -> RecoveryPlanOut:
    return RecoveryPlanOut.model_validate(
        {
            **record.document,
            "id": record.id,
            "version": record.version,
            "createdAt": record.created_at,
            "updatedAt": record.updated_at,
            "createdBy": record.created_by,
        }
    )


def version_summary(v: VersionRecord) -> PlanVersionSummary:
    return PlanVersionSummary(
        version=v.version, name=v.document["name"], created_at=v.created_at, created_by=v.created_by
    )


class FindingOut(ApiModel):
    severity: Literal["error", "warning", "info"]
    code: str
    message: str
    fix: str
    wave: str | None
    server_id: str | None


class LintOut(ApiModel):
    ok: bool
    errors: int
    warnings: int
    findings: list[FindingOut]


def lint_out(findings: list[Finding]) -> LintOut:
    errors = sum(f.severity == "error" for f in findings)
    return LintOut(
        ok=errors == 0,
        errors=errors,
        warnings=sum(f.severity == "warning" for f in findings),
        findings=[FindingOut(**vars(f)) for f in findings],
    )


@router.post("/lint", responses=responses(400, 401, 403, 503), operation_id="lintPlanDocument")
def lint_document(spec: RecoveryPlanSpec, svc: Svc, _: Reader) -> LintOut:
    """Lint a plan before saving it: every finding, with a fix."""
    return lint_out(svc.lint.lint(spec))


@router.get("", responses=responses(400, 401, 403), operation_id="listRecoveryPlans")
def list_plans(
    svc: Svc, _: Reader, limit: Limit = 100, cursor: Cursor = None
) -> Page[RecoveryPlanOut]:
    page = svc.plans.list(limit, cursor)
    return Page[RecoveryPlanOut](
        items=[plan_out(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 409, 503),
    operation_id="createRecoveryPlan",
)
def create_plan(
    spec: RecoveryPlanSpec, svc: Svc, who: Configurer, response: Response
) -> RecoveryPlanOut:
    record = svc.plans.create(spec, who.username)
    etag(response, record.version)
    response.headers["Location"] = f"/api/v1/recovery-plans/{record.id}"
    return plan_out(record)


@router.get("/{plan_id}", responses=responses(401, 403, 404), operation_id="getRecoveryPlan")
def get_plan(plan_id: str, svc: Svc, _: Reader, response: Response) -> RecoveryPlanOut:
    record = svc.plans.get(plan_id)
    etag(response, record.version)
    return plan_out(record)


@router.put(
    "/{plan_id}",
    responses=responses(400, 401, 403, 404, 409, 412, 503),
    operation_id="updateRecoveryPlan",
)
def update_plan(
    plan_id: str,
    spec: RecoveryPlanSpec,
    svc: Svc,
    who: Configurer,
    version: IfMatch,
    response: Response,
) -> RecoveryPlanOut:
    record = svc.plans.update(plan_id, spec, version, who.username)
    etag(response, record.version)
    return plan_out(record)


@router.delete(
    "/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(400, 401, 403, 404, 409, 412),
    operation_id="deleteRecoveryPlan",
)
def delete_plan(plan_id: str, svc: Svc, who: Configurer, version: IfMatch) -> None:
    svc.plans.delete(plan_id, version, who.username)


@router.get("/{plan_id}/lint", responses=responses(401, 403, 404, 503), operation_id="lintPlan")
def lint_plan(plan_id: str, svc: Svc, _: Reader) -> LintOut:
    """What would go wrong if the plan ran now: its recovery or, while its workloads run in
    the recovery region, its failback."""
    return lint_out(svc.lint.lint(svc.plans.get(plan_id).spec(), plan_id))


class WaveEstimateOut(ApiModel):
    name: str
    p50_minutes: float
    low_minutes: float
    high_minutes: float
    samples: int
    source: Literal["this plan", "all plans", "default"]


class RtoEstimateOut(ApiModel):
    p50_minutes: float
    low_minutes: float
    high_minutes: float
    critical_path: list[str]
    waves: list[WaveEstimateOut]
    executions: int
    target_minutes: int | None
    at_risk: bool
    text: str = Field(
        description="The estimate as people read it, the same words as lint and the CLI: "
        "`1 h 7 min`, or `50 min (30 min to 1 h 28 min)` when the range has a width."
    )


@router.get(
    "/{plan_id}/rto-estimate",
    responses=responses(401, 403, 404),
    operation_id="estimatePlanRto",
)
def rto_estimate(plan_id: str, svc: Svc, _: Reader) -> RtoEstimateOut:
    """The plan's predicted RTO (its critical path) with a range, from past executions'
    wave durations (this plan's first, then all plans', then DRS's usual times)."""
    spec = svc.plans.get(plan_id).spec()
    found = svc.rto.estimate(plan_id, spec)
    target = spec.rto_target_minutes
    return RtoEstimateOut(
        p50_minutes=round(found.p50_minutes, 1),
        low_minutes=round(found.low_minutes, 1),
        high_minutes=round(found.high_minutes, 1),
        critical_path=found.critical_path,
        waves=[
            WaveEstimateOut(
                name=w.name,
                p50_minutes=round(w.p50_minutes, 1),
                low_minutes=round(w.low_minutes, 1),
                high_minutes=round(w.high_minutes, 1),
                samples=w.samples,
                source=w.source,
            )
            for w in found.waves
        ],
        executions=found.executions,
        target_minutes=target,
        at_risk=target is not None and found.p50_minutes > target,
        text=display.estimate(found.p50_minutes, found.low_minutes, found.high_minutes),
    )


@router.get(
    "/{plan_id}/versions", responses=responses(400, 401, 403, 404), operation_id="listPlanVersions"
)
def versions(
    plan_id: str, svc: Svc, _: Reader, limit: Limit = 100, cursor: Cursor = None
) -> Page[PlanVersionSummary]:
    """Every saved version, newest first."""
    page = svc.plans.versions(plan_id, limit, cursor)
    return Page[PlanVersionSummary](
        items=[version_summary(v) for v in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/{plan_id}/versions/{version}",
    responses=responses(400, 401, 403, 404),
    operation_id="getPlanVersion",
)
def version(
    plan_id: str, version: Annotated[int, Path(ge=1, le=2**31 - 1)], svc: Svc, _: Reader
) -> PlanVersionOut:
    v = svc.plans.version(plan_id, version)
    return PlanVersionOut(
        version=v.version,
        name=v.document["name"],
        created_at=v.created_at,
        created_by=v.created_by,
        plan=RecoveryPlanSpec.model_validate(v.document),
    )
