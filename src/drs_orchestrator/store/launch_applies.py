"""Applies of launch settings, and what the last one did to each server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.store.tables import launch_applied, launch_applies

T = launch_applies
SERVERS = launch_applied
RUNNING, COMPLETED, FAILED = "RUNNING", "COMPLETED", "FAILED"
APPLIED = "APPLIED"  # a server's last apply wrote what it had to (or found nothing to write)


@dataclass(frozen=True)
class ApplyRecord:
    id: str
    group_id: str
    state: str
    settings_version: int
    requested_by: str
    requested_at: datetime
    ended_at: datetime | None
    servers: int
    changed: int
    unchanged: int
    failed: int
    error: str | None


@dataclass(frozen=True)
class ServerApplied:
    server_id: str
    apply_id: str
    state: str
    at: datetime
    by: str
    changed: list[str]
    template_version: int | None
    error: str | None


def _apply(row: Any) -> ApplyRecord:
    return ApplyRecord(
        row.id,
        row.group_id,
        row.state,
        row.settings_version,
        row.requested_by,
        row.requested_at,
        row.ended_at,
        row.servers,
        row.changed,
        row.unchanged,
        row.failed,
        row.error,
    )


def insert(
    conn: sa.Connection,
    *,
    apply_id: str,
    group_id: str,
    settings_version: int,
    servers: int,
    actor: str,
    now: datetime,
) -> None:
    """A running apply; a second one for the group trips the unique index."""
    conn.execute(
        sa.insert(T).values(
            id=apply_id,
            group_id=group_id,
            state=RUNNING,
            settings_version=settings_version,
            requested_by=actor,
            requested_at=now,
            heartbeat_at=now,
            servers=servers,
            changed=0,
            unchanged=0,
            failed=0,
        )
    )


def get(conn: sa.Connection, group_id: str, apply_id: str) -> ApplyRecord | None:
    row = conn.execute(sa.select(T).where(T.c.id == apply_id, T.c.group_id == group_id)).first()
    return None if row is None else _apply(row)


def latest(conn: sa.Connection, group_id: str) -> ApplyRecord | None:
    query = sa.select(T).where(T.c.group_id == group_id).order_by(T.c.requested_at.desc())
    row = conn.execute(query.limit(1)).first()
    return None if row is None else _apply(row)


def running(conn: sa.Connection, group_id: str) -> ApplyRecord | None:
    row = conn.execute(sa.select(T).where(T.c.group_id == group_id, T.c.state == RUNNING)).first()
    return None if row is None else _apply(row)


def finish(
    conn: sa.Connection,
    apply_id: str,
    *,
    state: str,
    now: datetime,
    changed: int,
    unchanged: int,
    failed: int,
    error: str | None = None,
) -> None:
    conn.execute(
        sa.update(T)
        .where(T.c.id == apply_id)
        .values(
            state=state,
            ended_at=now,
            changed=changed,
            unchanged=unchanged,
            failed=failed,
            error=error,
        )
    )


def beat(conn: sa.Connection, apply_id: str, now: datetime) -> None:
    conn.execute(sa.update(T).where(T.c.id == apply_id).values(heartbeat_at=now))


def fail_stale(conn: sa.Connection, group_id: str, before: datetime) -> int:
    """A running apply with no progress since `before` was left by a process that stopped:
    failed, so another may start."""
    result = conn.execute(
        sa.update(T)
        .where(T.c.group_id == group_id, T.c.state == RUNNING, T.c.heartbeat_at < before)
        .values(state=FAILED, ended_at=before, error="stopped: the process running it ended")
    )
    return int(result.rowcount or 0)


def record_server(conn: sa.Connection, group_id: str, done: ServerApplied) -> None:
    """What an apply did to a server, replacing what the one before did."""
    conn.execute(
        sa.delete(SERVERS).where(
            SERVERS.c.group_id == group_id, SERVERS.c.server_id == done.server_id
        )
    )
    conn.execute(
        sa.insert(SERVERS).values(
            group_id=group_id,
            server_id=done.server_id,
            apply_id=done.apply_id,
            state=done.state,
            at=done.at,
            by=done.by,
            changed=done.changed,
            template_version=done.template_version,
            error=done.error,
        )
    )


def _server(r: Any) -> ServerApplied:
    return ServerApplied(
        r.server_id, r.apply_id, r.state, r.at, r.by, list(r.changed), r.template_version, r.error
    )


def servers(conn: sa.Connection, group_id: str) -> dict[str, ServerApplied]:
    rows = conn.execute(sa.select(SERVERS).where(SERVERS.c.group_id == group_id))
    return {r.server_id: _server(r) for r in rows}


def failures(conn: sa.Connection, group_id: str, apply_id: str) -> list[ServerApplied]:
    rows = conn.execute(
        sa.select(SERVERS).where(
            SERVERS.c.group_id == group_id,
            SERVERS.c.apply_id == apply_id,
            SERVERS.c.state == FAILED,
        )
    )
    return [_server(r) for r in rows]
