"""Launch batches and DRS jobs across executions: what admission control counts, where the
intent to start a job is recorded, what the pollers follow, and who polls where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.domain.executions import BatchState, JobStatus
from drs_orchestrator.store.tables import drs_jobs, launch_batches, poller_leases

B, J = launch_batches, drs_jobs


@dataclass(frozen=True)
class BatchRow:
    execution_id: str
    batch_key: str
    account_id: str
    region: str
    server_count: int
    state: str
    requested_at: datetime
    intent_at: datetime | None
    job_id: str | None


@dataclass(frozen=True)
class JobRow:
    job_id: str
    execution_id: str
    kind: str
    account_id: str
    region: str
    server_count: int
    status: str
    fingerprint: str | None
    view: dict[str, Any] | None
    observed_seq: int
    applied_seq: int
    created_at: datetime


def _batch(row: Any) -> BatchRow:
    return BatchRow(
        row.execution_id,
        row.batch_key,
        row.account_id,
        row.region,
        row.server_count,
        row.state,
        row.requested_at,
        row.intent_at,
        row.job_id,
    )


def _job(row: Any) -> JobRow:
    return JobRow(
        row.job_id,
        row.execution_id,
        row.kind,
        row.account_id,
        row.region,
        row.server_count,
        row.status,
        row.fingerprint,
        row.view,
        row.observed_seq,
        row.applied_seq,
        row.created_at,
    )


# --- batches -----------------------------------------------------------------------------------


def request(
    conn: sa.Connection,
    *,
    execution_id: str,
    batch_key: str,
    place: tuple[str, str],
    server_count: int,
    now: datetime,
) -> None:
    """Queue a batch for capacity (once: a repeated request changes nothing)."""
    exists = conn.execute(
        sa.select(B.c.state).where(B.c.execution_id == execution_id, B.c.batch_key == batch_key)
    ).first()
    if exists is None:
        conn.execute(
            B.insert().values(
                execution_id=execution_id,
                batch_key=batch_key,
                account_id=place[0],
                region=place[1],
                server_count=server_count,
                state=BatchState.QUEUED,
                requested_at=now,
            )
        )


def batch(conn: sa.Connection, execution_id: str, batch_key: str) -> BatchRow | None:
    row = conn.execute(
        sa.select(B).where(B.c.execution_id == execution_id, B.c.batch_key == batch_key)
    ).first()
    return None if row is None else _batch(row)


def in_place(
    conn: sa.Connection, place: tuple[str, str], states: tuple[str, ...]
) -> list[BatchRow]:
    rows = conn.execute(
        sa.select(B)
        .where(B.c.account_id == place[0], B.c.region == place[1], B.c.state.in_(states))
        .order_by(B.c.requested_at, B.c.execution_id, B.c.batch_key)
    )
    return [_batch(r) for r in rows]


def batches_of(conn: sa.Connection, execution_id: str, state: str) -> list[BatchRow]:
    rows = conn.execute(sa.select(B).where(B.c.execution_id == execution_id, B.c.state == state))
    return [_batch(r) for r in rows]


def set_batch(conn: sa.Connection, execution_id: str, batch_key: str, **values: Any) -> None:
    conn.execute(
        B.update()
        .where(B.c.execution_id == execution_id, B.c.batch_key == batch_key)
        .values(**values)
    )


def end_batches(conn: sa.Connection, execution_id: str, keys: list[str]) -> None:
    if keys:
        conn.execute(
            B.update()
            .where(B.c.execution_id == execution_id, B.c.batch_key.in_(keys))
            .values(state=BatchState.ENDED)
        )


# --- jobs --------------------------------------------------------------------------------------


def add_job(
    conn: sa.Connection,
    *,
    job_id: str,
    execution_id: str,
    kind: str,
    place: tuple[str, str],
    server_count: int,
    now: datetime,
) -> None:
    if conn.execute(sa.select(J.c.job_id).where(J.c.job_id == job_id)).first() is None:
        conn.execute(
            J.insert().values(
                job_id=job_id,
                execution_id=execution_id,
                kind=kind,
                account_id=place[0],
                region=place[1],
                server_count=server_count,
                status=JobStatus.PENDING,
                observed_seq=0,
                applied_seq=0,
                followed=True,
                created_at=now,
            )
        )


def active_jobs(conn: sa.Connection, place: tuple[str, str] | None = None) -> list[JobRow]:
    query = sa.select(J).where(J.c.status != JobStatus.COMPLETED)
    if place is not None:
        query = query.where(J.c.account_id == place[0], J.c.region == place[1])
    return [_job(r) for r in conn.execute(query.order_by(J.c.created_at, J.c.job_id))]


def followed(conn: sa.Connection, place: tuple[str, str] | None = None) -> list[JobRow]:
    query = sa.select(J).where(J.c.followed.is_(True))
    if place is not None:
        query = query.where(J.c.account_id == place[0], J.c.region == place[1])
    return [_job(r) for r in conn.execute(query.order_by(J.c.created_at, J.c.job_id))]


def followed_places(conn: sa.Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        sa.select(J.c.account_id, J.c.region).where(J.c.followed.is_(True)).distinct()
    )
    return [(r.account_id, r.region) for r in rows]


def follow_only(conn: sa.Connection, execution_id: str, job_ids: set[str]) -> None:
    """The execution needs news of these jobs only; the poller stops asking about the rest."""
    query = J.update().where(J.c.execution_id == execution_id, J.c.followed.is_(True))
    if job_ids:
        query = query.where(J.c.job_id.not_in(sorted(job_ids)))
    conn.execute(query.values(followed=False))


def completed_launch_durations(conn: sa.Connection, limit: int = 200) -> list[float]:
    """Seconds from start to end of recent completed launch jobs (for the poll cadence)."""
    rows = conn.execute(
        sa.select(J.c.created_at, J.c.ended_at)
        .where(J.c.kind == "LAUNCH", J.c.ended_at.is_not(None))
        .order_by(J.c.ended_at.desc())
        .limit(limit)
    )
    return [(r.ended_at - r.created_at).total_seconds() for r in rows]


def observe(
    conn: sa.Connection,
    *,
    job_id: str,
    status: str,
    fingerprint: str,
    view: dict[str, Any],
    ended_at: datetime | None,
) -> None:
    conn.execute(
        J.update()
        .where(J.c.job_id == job_id)
        .values(
            status=status,
            fingerprint=fingerprint,
            view=view,
            ended_at=ended_at,
            observed_seq=J.c.observed_seq + 1,
        )
    )


def unapplied(conn: sa.Connection, execution_id: str) -> list[JobRow]:
    rows = conn.execute(
        sa.select(J).where(J.c.execution_id == execution_id, J.c.observed_seq > J.c.applied_seq)
    )
    return [_job(r) for r in rows]


def applied(conn: sa.Connection, job_id: str, seq: int) -> None:
    conn.execute(J.update().where(J.c.job_id == job_id).values(applied_seq=seq))


# --- poller leases -----------------------------------------------------------------------------


def take_lease(
    conn: sa.Connection, place: tuple[str, str], holder: str, now: datetime, until: datetime
) -> bool:
    """Hold the place's poller lease until `until` if it is free, expired or already ours."""
    taken = conn.execute(
        poller_leases.update()
        .where(
            poller_leases.c.account_id == place[0],
            poller_leases.c.region == place[1],
            sa.or_(poller_leases.c.holder == holder, poller_leases.c.expires_at < now),
        )
        .values(holder=holder, expires_at=until)
    )
    if taken.rowcount == 1:
        return True
    exists = conn.execute(
        sa.select(poller_leases.c.holder).where(
            poller_leases.c.account_id == place[0], poller_leases.c.region == place[1]
        )
    ).first()
    if exists is not None:
        return False
    try:
        with conn.begin_nested():  # another worker may insert it first
            conn.execute(
                poller_leases.insert().values(
                    account_id=place[0], region=place[1], holder=holder, expires_at=until
                )
            )
    except sa.exc.IntegrityError:
        return False
    return True
