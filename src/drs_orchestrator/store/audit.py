"""The audit log: every change, written in the same transaction as the change itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.store import pages
from drs_orchestrator.store.tables import audit_log


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Entry:
    """An audit record to be written with a change, in the change's own transaction."""

    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: Any = None
    after: Any = None


def write(conn: sa.Connection, entry: Entry, at: datetime) -> None:
    record(
        conn,
        at=at,
        actor=entry.actor,
        action=entry.action,
        resource_type=entry.resource_type,
        resource_id=entry.resource_id,
        before=entry.before,
        after=entry.after,
    )


def record(
    conn: sa.Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    resource_type: str,
    resource_id: str,
    before: Any = None,
    after: Any = None,
) -> None:
    conn.execute(
        sa.insert(audit_log).values(
            at=at,
            actor=actor,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            before=before,
            after=after,
        )
    )


def page(
    conn: sa.Connection,
    limit: int,
    cursor: str | None,
    resource_type: str | None = None,
    resource_id: str | None = None,
) -> pages.Page[AuditRecord]:
    """Newest first, by the primary key (or the resource index when filtered)."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit + 1)
    if resource_type is not None:
        query = query.where(audit_log.c.resource_type == resource_type)
    if resource_id is not None:
        query = query.where(audit_log.c.resource_id == resource_id)
    if (after := pages.decode(cursor, int)) is not None:
        query = query.where(audit_log.c.id < after)
    rows = [
        AuditRecord(
            r.id, r.at, r.actor, r.action, r.resource_type, r.resource_id, r.before, r.after
        )
        for r in conn.execute(query)
    ]
    return pages.cut(rows, limit, rows[limit - 1].id if len(rows) > limit else None)
