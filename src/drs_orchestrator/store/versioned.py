"""Helpers shared by the tables that have a unique name and a version column."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.domain.errors import NotFound, PreconditionFailed


def name_key(name: str) -> str:
    return name.casefold()


def name_owner(conn: sa.Connection, table: sa.Table, name: str) -> tuple[str, str] | None:
    """(id, name) of the row holding `name` in any case; an index lookup."""
    row = conn.execute(
        sa.select(table.c.id, table.c.name).where(table.c.name_key == name_key(name))
    ).first()
    return (row.id, row.name) if row else None


def current_version(conn: sa.Connection, table: sa.Table, row_id: str, what: str, code: str) -> int:
    version = conn.execute(sa.select(table.c.version).where(table.c.id == row_id)).scalar()
    if version is None:
        raise NotFound(code, f"{what} {row_id} not found")
    return int(version)


def check_version(expected: int | None, actual: int, what: str) -> int:
    """The version to write against: If-Match's when given (412 when stale), else the current."""
    if expected is not None and expected != actual:
        raise PreconditionFailed(
            "VERSION_MISMATCH",
            f"{what} is at version {actual}, not {expected}: it was changed since you read it. "
            "Fetch it again and reapply your change.",
            {"currentVersion": actual},
        )
    return actual


def bump(
    conn: sa.Connection,
    table: sa.Table,
    row_id: str,
    *,
    version: int,
    now: datetime,
    values: dict[str, Any],
    what: str,
) -> None:
    """Write `values` only if the row is still at `version` (a compare-and-set)."""
    result = conn.execute(
        sa.update(table)
        .where(table.c.id == row_id, table.c.version == version)
        .values(**values, version=version + 1, updated_at=now)
    )
    if result.rowcount != 1:
        raise PreconditionFailed(
            "VERSION_MISMATCH",
            f"{what} was changed by someone else while this change was saved. "
            "Fetch it again and reapply your change.",
        )
