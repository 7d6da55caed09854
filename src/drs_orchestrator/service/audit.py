"""The audit log, read: every change, newest first."""

from __future__ import annotations

from drs_orchestrator.service.context import Context
from drs_orchestrator.store import audit, pages


class AuditService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def page(
        self,
        limit: int,
        cursor: str | None,
        resource_type: str | None = None,
        resource_id: str | None = None,
    ) -> pages.Page[audit.AuditRecord]:
        """One page, optionally of one resource type or one resource."""
        with self.ctx.read() as conn:
            return audit.page(conn, limit, cursor, resource_type, resource_id)
