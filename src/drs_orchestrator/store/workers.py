"""Worker heartbeats: who is alive, and claiming the work of one who is not."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from drs_orchestrator.store.tables import workers as table


def beat(conn: sa.Connection, executor_id: str, now: datetime) -> None:
    if conn.execute(
        table.update().where(table.c.executor_id == executor_id).values(heartbeat_at=now)
    ).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(executor_id=executor_id, heartbeat_at=now))
    except sa.exc.IntegrityError:
        conn.execute(
            table.update().where(table.c.executor_id == executor_id).values(heartbeat_at=now)
        )


def silent_since(conn: sa.Connection, cutoff: datetime) -> list[str]:
    rows = conn.execute(sa.select(table.c.executor_id).where(table.c.heartbeat_at < cutoff))
    return [r.executor_id for r in rows]


def alive(conn: sa.Connection, executor_id: str, cutoff: datetime) -> bool:
    """The worker's heart beat since `cutoff`."""
    beat_at = conn.execute(
        sa.select(table.c.heartbeat_at).where(table.c.executor_id == executor_id)
    ).scalar_one_or_none()
    return beat_at is not None and beat_at >= cutoff


def claim(conn: sa.Connection, executor_id: str, cutoff: datetime) -> bool:
    """Remove a silent worker's row; True for the one survivor whose delete took it."""
    gone = conn.execute(
        table.delete().where(table.c.executor_id == executor_id, table.c.heartbeat_at < cutoff)
    )
    return gone.rowcount == 1


def leave(conn: sa.Connection, executor_id: str) -> None:
    conn.execute(table.delete().where(table.c.executor_id == executor_id))
