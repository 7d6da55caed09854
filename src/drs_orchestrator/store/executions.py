"""Execution rows (the state document and the columns the API filters on), their stored
transitions, and the servers they hold while active."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.domain.errors import Conflict
from drs_orchestrator.store import pages
from drs_orchestrator.store.tables import execution_events, execution_servers, executions

T = executions


@dataclass(frozen=True)
class ExecutionRecord:
    id: str
    state: dict[str, Any]
    version: int
    workflow_id: str | None


@dataclass(frozen=True)
class Columns:
    """What the list filters and orders on, kept beside the state document."""

    plan_id: str
    plan_name: str
    plan_version: int
    mode: str
    status: str
    active: bool
    has_work: bool  # its workflow still has something to do (running, or cleaning up)
    initiated_by: str
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class EventRow:
    seq: int
    at: datetime
    kind: str
    subject: str
    old: str | None
    new: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    plan_id: str | None = None
    mode: str | None = None
    active: bool | None = None


def insert(conn: sa.Connection, execution_id: str, columns: Columns, state: dict[str, Any]) -> None:
    conn.execute(
        T.insert().values(
            id=execution_id,
            **columns.__dict__,
            updated_at=columns.created_at,
            version=1,
            state=state,
        )
    )


def reserve(
    conn: sa.Connection, execution_id: str, servers: Iterable[tuple[str, str, str]]
) -> None:
    """Hold (account, region, server) for this execution; the primary key refuses a second."""
    rows = [
        {"account_id": a, "region": r, "server_id": s, "execution_id": execution_id}
        for a, r, s in servers
    ]
    if rows:
        conn.execute(execution_servers.insert(), rows)


def holders(conn: sa.Connection, servers: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
    """Which active executions hold which of these servers: execution ID -> server IDs."""
    wanted = list(servers)
    found: dict[str, list[str]] = {}
    for first in range(0, len(wanted), 500):
        chunk = wanted[first : first + 500]
        rows = conn.execute(
            sa.select(execution_servers.c.execution_id, execution_servers.c.server_id).where(
                sa.tuple_(
                    execution_servers.c.account_id,
                    execution_servers.c.region,
                    execution_servers.c.server_id,
                ).in_(chunk)
            )
        )
        for row in rows:
            found.setdefault(row.execution_id, []).append(row.server_id)
    return found


def release(conn: sa.Connection, execution_id: str) -> None:
    conn.execute(execution_servers.delete().where(execution_servers.c.execution_id == execution_id))


def get(conn: sa.Connection, execution_id: str) -> ExecutionRecord | None:
    row = conn.execute(
        sa.select(T.c.id, T.c.state, T.c.version, T.c.workflow_id).where(T.c.id == execution_id)
    ).first()
    return None if row is None else ExecutionRecord(row.id, row.state, row.version, row.workflow_id)


def version_of(conn: sa.Connection, execution_id: str) -> int | None:
    """The stored version alone: what a reader needs to tell whether what it kept is current."""
    found = conn.execute(sa.select(T.c.version).where(T.c.id == execution_id)).scalar()
    return None if found is None else int(found)


def states_of(conn: sa.Connection, ids: Iterable[str]) -> dict[str, ExecutionRecord]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(T.c.id, T.c.state, T.c.version, T.c.workflow_id).where(T.c.id.in_(wanted))
    )
    return {r.id: ExecutionRecord(r.id, r.state, r.version, r.workflow_id) for r in rows}


def save(
    conn: sa.Connection,
    execution_id: str,
    *,
    expected_version: int,
    columns: Columns,
    state: dict[str, Any],
    now: datetime,
) -> int:
    """Compare-and-set: the new version, or Conflict if someone saved in between."""
    done = conn.execute(
        T.update()
        .where(T.c.id == execution_id, T.c.version == expected_version)
        .values(**columns.__dict__, state=state, updated_at=now, version=expected_version + 1)
    )
    if done.rowcount != 1:
        raise Conflict(
            "CONCURRENT_CHANGE",
            f"Execution {execution_id} changed while this change was made; try again",
        )
    return expected_version + 1


def set_workflow(conn: sa.Connection, execution_id: str, workflow_id: str) -> None:
    conn.execute(T.update().where(T.c.id == execution_id).values(workflow_id=workflow_id))


def add_events(conn: sa.Connection, execution_id: str, events: Iterable[EventRow]) -> None:
    rows = [{"execution_id": execution_id, **e.__dict__} for e in events]
    if rows:
        conn.execute(execution_events.insert(), rows)


def events_after(
    conn: sa.Connection, execution_id: str, after: int, limit: int = 1000
) -> list[EventRow]:
    E = execution_events  # noqa: N806
    rows = conn.execute(
        sa.select(E.c.seq, E.c.at, E.c.kind, E.c.subject, E.c.old, E.c.new, E.c.detail)
        .where(E.c.execution_id == execution_id, E.c.seq > after)
        .order_by(E.c.seq)
        .limit(limit)
    )
    return [EventRow(r.seq, r.at, r.kind, r.subject, r.old, r.new, r.detail) for r in rows]


def _cursor_key(created_at: datetime, execution_id: str) -> str:
    return f"{created_at.isoformat()}|{execution_id}"


def page(
    conn: sa.Connection, filters: Filters, limit: int, cursor: str | None
) -> pages.Page[ExecutionRecord]:
    """Newest first, across all plans; the cursor is the last row's (created_at, id)."""
    found = versions_page(conn, filters, limit, cursor)
    records = states_of(conn, [i for i, _ in found.items])
    return pages.Page([records[i] for i, _ in found.items], found.next_cursor)


def versions_page(
    conn: sa.Connection, filters: Filters, limit: int, cursor: str | None
) -> pages.Page[tuple[str, int]]:
    """A page of (id, version), newest first, without the state documents."""
    query = sa.select(T.c.id, T.c.version, T.c.created_at)
    if filters.status is not None:
        query = query.where(T.c.status == filters.status)
    if filters.plan_id is not None:
        query = query.where(T.c.plan_id == filters.plan_id)
    if filters.mode is not None:
        query = query.where(T.c.mode == filters.mode)
    if filters.active is not None:
        query = query.where(T.c.active == filters.active)
    after = pages.decode(cursor, str)
    if after is not None:
        stamp, _, last_id = after.partition("|")
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            raise pages.invalid_cursor() from None
        query = query.where(sa.tuple_(T.c.created_at, T.c.id) < sa.tuple_(moment, last_id))
    rows = conn.execute(query.order_by(T.c.created_at.desc(), T.c.id.desc()).limit(limit + 1)).all()
    items = [(r.id, int(r.version)) for r in rows]
    last = rows[min(limit, len(rows)) - 1] if rows else None
    return pages.cut(items, limit, _cursor_key(last.created_at, last.id) if last else None)


def active_ids(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.select(T.c.id).where(T.c.active.is_(True))).scalars())


def ids_with_work(conn: sa.Connection) -> list[str]:
    """Executions whose workflow must run: active ones, and ended ones still cleaning up
    (or waiting to)."""
    return list(workflows_with_work(conn))


def has_work(conn: sa.Connection, execution_id: str) -> bool:
    found = conn.execute(sa.select(T.c.has_work).where(T.c.id == execution_id)).scalar()
    return bool(found)


def workflows_with_work(conn: sa.Connection) -> dict[str, str | None]:
    """Executions with work -> the ID of their newest workflow (None before the first)."""
    rows = conn.execute(sa.select(T.c.id, T.c.workflow_id).where(T.c.has_work.is_(True)))
    return {r.id: r.workflow_id for r in rows}


def active_for_plan(conn: sa.Connection, plan_id: str) -> list[tuple[str, str]]:
    """(execution ID, status) of the plan's active executions."""
    rows = conn.execute(
        sa.select(T.c.id, T.c.status).where(T.c.plan_id == plan_id, T.c.active.is_(True))
    )
    return [(r.id, r.status) for r in rows]


def ended_states(
    conn: sa.Connection, plan_id: str | None, limit: int = 200
) -> list[dict[str, Any]]:
    """The state documents of the newest ended executions (of one plan, or of all)."""
    query = sa.select(T.c.state).where(T.c.active.is_(False))
    if plan_id is not None:
        query = query.where(T.c.plan_id == plan_id)
    rows = conn.execute(query.order_by(T.c.created_at.desc()).limit(limit))
    return [r.state for r in rows]


def first_since(
    conn: sa.Connection,
    plan_id: str,
    modes: Iterable[str],
    after: datetime | None,
    other_than: str | None = None,
) -> ExecutionRecord | None:
    """The plan's first execution in one of `modes` created at `after` or later (or ever),
    other than `other_than` (a manual clock may start one at the very instant of a move)."""
    query = sa.select(T.c.id, T.c.state, T.c.version, T.c.workflow_id).where(
        T.c.plan_id == plan_id, T.c.mode.in_(list(modes))
    )
    if after is not None:
        query = query.where(T.c.created_at >= after)
    if other_than is not None:
        query = query.where(T.c.id != other_than)
    row = conn.execute(query.order_by(T.c.created_at, T.c.id).limit(1)).first()
    return None if row is None else ExecutionRecord(row.id, row.state, row.version, row.workflow_id)
