"""Request and response schemas that more than one router uses (routers do not import one
another)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from drs_orchestrator.api.common import ApiModel
from drs_orchestrator.service.discovery import DiscoveredServer

AccountQuery = Annotated[
    str | None,
    Query(
        alias="accountId", pattern=r"^[0-9]{12}$", description="Default: the deployment's account."
    ),
]


class DiscoveredServerOut(ApiModel):
    source_server_id: str
    hostname: str
    replication_state: str
    lag_seconds: int | None
    last_seen_at: datetime | None
    last_drill_at: datetime | None
    last_recovery_at: datetime | None
    tags: dict[str, str]
    protection_group_id: str | None
    protection_group_name: str | None
    selectable: bool


def server_out(s: DiscoveredServer) -> DiscoveredServerOut:
    f = s.facts
    return DiscoveredServerOut(
        source_server_id=f.source_server_id,
        hostname=f.hostname,
        replication_state=f.replication_state,
        lag_seconds=f.lag_seconds,
        last_seen_at=f.last_seen_at,
        last_drill_at=f.last_drill_at,
        last_recovery_at=f.last_recovery_at,
        tags=dict(f.tags),
        protection_group_id=s.assignment.protection_group_id if s.assignment else None,
        protection_group_name=s.assignment.protection_group_name if s.assignment else None,
        selectable=s.selectable,
    )
