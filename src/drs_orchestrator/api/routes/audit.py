"""/audit: every change, newest first (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from drs_orchestrator.api.auth import Auditor
from drs_orchestrator.api.common import ApiModel, Cursor, Limit, Page
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Svc

router = APIRouter(tags=["audit"])


class AuditEntry(ApiModel):
    id: int
    at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: Any
    after: Any


@router.get("/audit", responses=responses(400, 401, 403), operation_id="listAudit")
def list_audit(
    svc: Svc,
    _: Auditor,
    resource_type: Annotated[str | None, Query(alias="resourceType", max_length=64)] = None,
    resource_id: Annotated[str | None, Query(alias="resourceId", max_length=64)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[AuditEntry]:
    page = svc.audit.page(limit, cursor, resource_type, resource_id)
    return Page[AuditEntry](
        items=[AuditEntry(**vars(e)) for e in page.items], next_cursor=page.next_cursor
    )
