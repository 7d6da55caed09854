"""/recovery-plans/{id}/recovery-snapshots: the points in time a plan's servers may launch
from, to choose one before a recovery (e.g. the last before a ransomware event)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, Field

from drs_orchestrator.api.auth import Reader
from drs_orchestrator.api.common import ApiModel
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain.executions import Mode

router = APIRouter(prefix="/recovery-plans", tags=["executions"])


class SnapshotOut(ApiModel):
    snapshot_id: str = Field(description="DRS's recoverySnapshotID (`pit-...`).")
    taken_at: datetime


class ServerSnapshots(ApiModel):
    source_server_id: str = Field(description="The plan's source server.")
    hostname: str
    wave: str
    launched_server_id: str = Field(
        description="The source server the mode launches (a failback: its reversed one)."
    )
    account_id: str
    region: str
    count: int = Field(description="How many snapshots match, all told.")
    snapshots: list[SnapshotOut] = Field(description="Newest first, at most `limit`.")


class RecoverySnapshots(ApiModel):
    mode: Mode
    before: datetime | None
    items: list[ServerSnapshots]


@router.get(
    "/{plan_id}/recovery-snapshots",
    responses=responses(400, 401, 403, 404, 409, 503),
    operation_id="listRecoverySnapshots",
)
def list_recovery_snapshots(
    svc: Svc,
    who: Reader,
    plan_id: Annotated[str, Path(max_length=64)],
    mode: Mode = Mode.RECOVERY,
    before: Annotated[
        AwareDatetime | None, Query(description="Only snapshots taken at or before this.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Per server.")] = 20,
) -> RecoverySnapshots:
    """Each server's recovery snapshots (DescribeRecoverySnapshots) where `mode` would launch
    it: what `snapshots` and `pointInTime` of an execution's start may name."""
    found = svc.executions.recovery_snapshots(plan_id, mode, before, (who.subject, who.username))
    return RecoverySnapshots(
        mode=mode,
        before=before,
        items=[
            ServerSnapshots(
                source_server_id=item.server_id,
                hostname=item.launches.hostname,
                wave=item.launches.wave,
                launched_server_id=item.launches.server_id,
                account_id=item.launches.account_id,
                region=item.launches.region,
                count=len(item.snapshots),
                snapshots=[
                    SnapshotOut(snapshot_id=s.snapshot_id, taken_at=s.taken_at)
                    for s in item.snapshots[:limit]
                ],
            )
            for item in found
        ],
    )
