"""Recovery plan rows, their version history and the groups they use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.store import pages
from drs_orchestrator.store.tables import plan_groups, plan_versions, recovery_plans
from drs_orchestrator.store.versioned import name_key

T = recovery_plans


@dataclass(frozen=True)
class PlanRecord:
    id: str
    document: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str

    def spec(self) -> RecoveryPlanSpec:
        return RecoveryPlanSpec.model_validate(self.document)


@dataclass(frozen=True)
class VersionRecord:
    plan_id: str
    version: int
    document: dict[str, Any]
    created_at: datetime
    created_by: str


def document_of(spec: RecoveryPlanSpec) -> dict[str, Any]:
    return spec.model_dump(by_alias=True, mode="json")


def _record(row: Any) -> PlanRecord:
    return PlanRecord(
        row.id, row.document, row.version, row.created_at, row.updated_at, row.created_by
    )


def get(conn: sa.Connection, plan_id: str) -> PlanRecord | None:
    row = conn.execute(sa.select(T).where(T.c.id == plan_id)).first()
    return _record(row) if row else None


def get_by_name(conn: sa.Connection, name: str) -> PlanRecord | None:
    row = conn.execute(sa.select(T).where(T.c.name_key == name_key(name))).first()
    return _record(row) if row else None


def list_page(conn: sa.Connection, limit: int, cursor: str | None) -> pages.Page[PlanRecord]:
    query = sa.select(T).order_by(T.c.name_key).limit(limit + 1)
    if (after := pages.decode(cursor, str)) is not None:
        query = query.where(T.c.name_key > after)
    rows = [_record(r) for r in conn.execute(query)]
    last = name_key(rows[limit - 1].document["name"]) if len(rows) > limit else None
    return pages.cut(rows, limit, last)


def insert(
    conn: sa.Connection, plan_id: str, spec: RecoveryPlanSpec, now: datetime, actor: str
) -> None:
    document = document_of(spec)
    conn.execute(
        sa.insert(T).values(
            id=plan_id,
            name=spec.name,
            name_key=name_key(spec.name),
            document=document,
            version=1,
            created_at=now,
            updated_at=now,
            created_by=actor,
        )
    )
    add_version(conn, plan_id, version=1, document=document, now=now, actor=actor)
    use_groups(conn, plan_id, spec.group_ids())


def add_version(
    conn: sa.Connection,
    plan_id: str,
    *,
    version: int,
    document: dict[str, Any],
    now: datetime,
    actor: str,
) -> None:
    conn.execute(
        sa.insert(plan_versions).values(
            plan_id=plan_id, version=version, document=document, created_at=now, created_by=actor
        )
    )


def use_groups(conn: sa.Connection, plan_id: str, group_ids: Iterable[str]) -> None:
    """Record the groups a plan uses; the foreign key refuses a group that does not exist."""
    conn.execute(sa.delete(plan_groups).where(plan_groups.c.plan_id == plan_id))
    rows = [{"plan_id": plan_id, "group_id": g} for g in sorted(set(group_ids))]
    if rows:
        conn.execute(sa.insert(plan_groups), rows)


def versions_page(
    conn: sa.Connection, plan_id: str, limit: int, cursor: str | None
) -> pages.Page[VersionRecord]:
    """Newest first."""
    query = (
        sa.select(plan_versions)
        .where(plan_versions.c.plan_id == plan_id)
        .order_by(plan_versions.c.version.desc())
        .limit(limit + 1)
    )
    if (after := pages.decode(cursor, int)) is not None:
        query = query.where(plan_versions.c.version < after)
    rows = [
        VersionRecord(r.plan_id, r.version, r.document, r.created_at, r.created_by)
        for r in conn.execute(query)
    ]
    return pages.cut(rows, limit, rows[limit - 1].version if len(rows) > limit else None)


def get_version(conn: sa.Connection, plan_id: str, version: int) -> VersionRecord | None:
    r = conn.execute(
        sa.select(plan_versions).where(
            plan_versions.c.plan_id == plan_id, plan_versions.c.version == version
        )
    ).first()
    return (
        VersionRecord(r.plan_id, r.version, r.document, r.created_at, r.created_by) if r else None
    )


def delete(conn: sa.Connection, plan_id: str) -> None:
    conn.execute(sa.delete(T).where(T.c.id == plan_id))
