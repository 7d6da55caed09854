"""Protection group rows and their server assignments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.domain.groups import Assignment, ProtectionGroupSpec, ServerSelector
from drs_orchestrator.store import pages
from drs_orchestrator.store.tables import (
    group_servers,
    plan_groups,
    protection_groups,
    recovery_plans,
)
from drs_orchestrator.store.versioned import name_key

T = protection_groups


@dataclass(frozen=True)
class GroupRecord:
    id: str
    name: str
    description: str
    account_id: str
    region: str
    source_server_ids: list[str] | None
    selector_tags: dict[str, str] | None
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str

    def spec(self) -> ProtectionGroupSpec:
        return ProtectionGroupSpec(
            name=self.name,
            description=self.description,
            account_id=self.account_id,
            region=self.region,
            source_server_ids=self.source_server_ids,
            server_selector=ServerSelector(tags=self.selector_tags) if self.selector_tags else None,
        )


def _record(row: Any) -> GroupRecord:
    return GroupRecord(
        id=row.id,
        name=row.name,
        description=row.description,
        account_id=row.account_id,
        region=row.region,
        source_server_ids=row.source_server_ids,
        selector_tags=row.selector_tags,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )


def values_of(spec: ProtectionGroupSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "name_key": name_key(spec.name),
        "description": spec.description,
        "source_server_ids": spec.source_server_ids,
        "selector_tags": spec.server_selector.tags if spec.server_selector else None,
    }


def get(conn: sa.Connection, group_id: str) -> GroupRecord | None:
    row = conn.execute(sa.select(T).where(T.c.id == group_id)).first()
    return _record(row) if row else None


def get_many(conn: sa.Connection, group_ids: Iterable[str]) -> dict[str, GroupRecord]:
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    rows = conn.execute(sa.select(T).where(T.c.id.in_(ids))).all()
    return {row.id: _record(row) for row in rows}


def list_page(conn: sa.Connection, limit: int, cursor: str | None) -> pages.Page[GroupRecord]:
    query = sa.select(T).order_by(T.c.name_key).limit(limit + 1)
    if (after := pages.decode(cursor, str)) is not None:
        query = query.where(T.c.name_key > after)
    rows = [_record(r) for r in conn.execute(query)]
    return pages.cut(rows, limit, name_key(rows[limit - 1].name) if len(rows) > limit else None)


def insert(conn: sa.Connection, values: dict[str, Any]) -> None:
    conn.execute(sa.insert(T).values(**values))


def owners(
    conn: sa.Connection, account_id: str, region: str, server_ids: Sequence[str]
) -> dict[str, Assignment]:
    """Who holds each of `server_ids` now (primary-key lookups, in chunks)."""
    found: dict[str, Assignment] = {}
    ids = sorted(set(server_ids))
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(group_servers.c.source_server_id, T.c.id, T.c.name)
            .join(T, T.c.id == group_servers.c.group_id)
            .where(
                group_servers.c.account_id == account_id,
                group_servers.c.region == region,
                group_servers.c.source_server_id.in_(ids[start : start + 500]),
            )
        )
        for row in rows:
            found[row.source_server_id] = Assignment(row.source_server_id, row.id, row.name)
    return found


def members(conn: sa.Connection, group_id: str) -> list[str]:
    rows = conn.execute(
        sa.select(group_servers.c.source_server_id)
        .where(group_servers.c.group_id == group_id)
        .order_by(group_servers.c.source_server_id)
    )
    return [r.source_server_id for r in rows]


def members_of(conn: sa.Connection, group_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each group's servers, for a page of groups in one query."""
    out: dict[str, list[str]] = {g: [] for g in group_ids}
    if group_ids:
        rows = conn.execute(
            sa.select(group_servers.c.group_id, group_servers.c.source_server_id)
            .where(group_servers.c.group_id.in_(list(group_ids)))
            .order_by(group_servers.c.source_server_id)
        )
        for row in rows:
            out[row.group_id].append(row.source_server_id)
    return out


def assign(
    conn: sa.Connection, group_id: str, account_id: str, region: str, server_ids: Sequence[str]
) -> None:
    """Make `server_ids` exactly the group's servers; the primary key refuses a taken one."""
    conn.execute(sa.delete(group_servers).where(group_servers.c.group_id == group_id))
    if server_ids:
        conn.execute(
            sa.insert(group_servers),
            [
                {
                    "account_id": account_id,
                    "region": region,
                    "source_server_id": s,
                    "group_id": group_id,
                }
                for s in sorted(set(server_ids))
            ],
        )


def referencing_plans(conn: sa.Connection, group_id: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        sa.select(recovery_plans.c.id, recovery_plans.c.name)
        .join(plan_groups, plan_groups.c.plan_id == recovery_plans.c.id)
        .where(plan_groups.c.group_id == group_id)
        .order_by(recovery_plans.c.name_key)
    )
    return [(r.id, r.name) for r in rows]


def delete(conn: sa.Connection, group_id: str) -> None:
    conn.execute(sa.delete(T).where(T.c.id == group_id))
