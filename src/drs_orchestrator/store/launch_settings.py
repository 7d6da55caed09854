"""Launch settings rows: one document per protection group, versioned like the group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.store import groups
from drs_orchestrator.store.groups import GroupRecord
from drs_orchestrator.store.tables import launch_settings

T = launch_settings


@dataclass(frozen=True)
class LaunchSettingsRecord:
    group_id: str
    document: dict[str, Any]
    version: int
    updated_at: datetime
    updated_by: str


def get(conn: sa.Connection, group_id: str) -> LaunchSettingsRecord | None:
    row = conn.execute(sa.select(T).where(T.c.id == group_id)).first()
    if row is None:
        return None
    return LaunchSettingsRecord(row.id, row.document, row.version, row.updated_at, row.updated_by)


def insert(
    conn: sa.Connection, group_id: str, document: dict[str, Any], now: datetime, actor: str
) -> None:
    """The first settings of a group (version 1); a racing first writer trips the key."""
    conn.execute(
        sa.insert(T).values(
            id=group_id,
            document=document,
            version=1,
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
        )
    )


@dataclass(frozen=True)
class OtherGroup:
    group_id: str
    group: GroupRecord
    document: dict[str, Any]


def others(conn: sa.Connection, group_id: str, account_id: str, region: str) -> list[OtherGroup]:
    """The other groups' settings in one account and region."""
    found = conn.execute(
        sa.select(T.c.id, T.c.document)
        .join(groups.T, groups.T.c.id == T.c.id)
        .where(T.c.id != group_id, groups.T.c.account_id == account_id, groups.T.c.region == region)
    ).all()
    records = groups.get_many(conn, [r.id for r in found])
    return [OtherGroup(r.id, records[r.id], r.document) for r in found if r.id in records]
