"""Helpers shared by the tables that have a unique name and a version column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

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
    """The row's version, locked until the transaction ends where the database can (FOR
    UPDATE on PostgreSQL; SQLite writers take turns anyway): the write that follows cannot
    lose a race to another writer."""
    version = conn.execute(
        sa.select(table.c.version).where(table.c.id == row_id).with_for_update()
    ).scalar()
    if version is None:
        raise NotFound(code, f"{what} {row_id} not found")
    return int(version)


Expected = int | frozenset[int] | None
T = TypeVar("T")
# Tries of a compare-and-set write that keeps losing to concurrent writers.
_TRIES = 20


class LostRace(PreconditionFailed):
    """Another writer saved between our read and our write."""


def retrying(expected: Expected, write: Callable[[], T]) -> T:
    """Run a compare-and-set write. With If-Match a lost race is the client's 412; without it
    concurrency control is ours, so the write is tried again on the version now current."""
    for _ in range(_TRIES - 1):
        try:
            return write()
        except LostRace:
            if expected is not None:
                raise
    return write()


def check_version(expected: Expected, actual: int, what: str) -> int:
    """The version to write against: If-Match's when given (412 when stale), else the current."""
    wanted = frozenset([expected]) if isinstance(expected, int) else expected
    if wanted is not None and actual not in wanted:
        named = ", ".join(str(v) for v in sorted(wanted)) or "a tag this API never issued"
        raise PreconditionFailed(
            "VERSION_MISMATCH",
            f"{what} is at version {actual}, not {named}: it was changed since you read it. "
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
        raise LostRace(
            "VERSION_MISMATCH",
            f"{what} was changed by someone else while this change was saved. "
            "Fetch it again and reapply your change.",
        )
