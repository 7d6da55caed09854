"""Plans' site states, the timeline of their moves, and reprotects with the intent of each
ReverseReplication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.store.tables import reprotect_calls, reprotects, site_events, site_states

S, E, R, C = site_states.c, site_events.c, reprotects.c, reprotect_calls.c
RUNNING, COMPLETED, FAILED = "RUNNING", "COMPLETED", "FAILED"
REVERSED, SKIPPED = "REVERSED", "SKIPPED"  # a call's outcome (or FAILED)


@dataclass(frozen=True)
class SiteRow:
    state: str
    since: datetime
    moved_by: str | None
    version: int  # 0: never moved (no row)


@dataclass(frozen=True)
class SiteEventRow:
    seq: int
    at: datetime
    event: str
    old: str
    new: str
    actor: str
    moved_by: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class ReprotectRow:
    id: str
    plan_id: str
    state: str
    waves: list[str] | None
    requested_by: str
    requested_at: datetime
    owner: str  # the executor running it
    ended_at: datetime | None
    servers: int
    reversed: int
    skipped: int
    failed: int
    error: str | None


@dataclass(frozen=True)
class CallRow:
    server_id: str
    recovery_instance_id: str
    account_id: str
    region: str
    intent_at: datetime
    outcome: str | None
    result: str | None
    detail: str | None


def get(conn: sa.Connection, plan_id: str) -> SiteRow | None:
    row = conn.execute(sa.select(site_states).where(S.plan_id == plan_id)).first()
    return None if row is None else SiteRow(row.state, row.since, row.moved_by, row.version)


def move(
    conn: sa.Connection,
    plan_id: str,
    held: SiteRow,
    *,
    event: str,
    new: str,
    at: datetime,
    actor: str,
    moved_by: str | None,
    detail: dict[str, Any] | None = None,
) -> bool:
    """Move the plan from `held` to `new` with its timeline entry; False (nothing written)
    when someone else moved it first."""
    values = {"state": new, "since": at, "moved_by": moved_by, "version": held.version + 1}
    if held.version == 0:
        exists = conn.execute(sa.select(S.plan_id).where(S.plan_id == plan_id)).first()
        if exists is not None:
            return False
        conn.execute(sa.insert(site_states).values(plan_id=plan_id, **values))
    else:
        done = conn.execute(
            sa.update(site_states)
            .where(S.plan_id == plan_id, S.version == held.version)
            .values(**values)
        )
        if done.rowcount != 1:
            return False
    seq = conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(E.seq), 0)).where(E.plan_id == plan_id)
    ).scalar_one()
    conn.execute(
        sa.insert(site_events).values(
            plan_id=plan_id,
            seq=seq + 1,
            at=at,
            event=event,
            old=held.state,
            new=new,
            actor=actor,
            moved_by=moved_by,
            detail=detail or {},
        )
    )
    return True


def events(conn: sa.Connection, plan_id: str) -> list[SiteEventRow]:
    rows = conn.execute(sa.select(site_events).where(E.plan_id == plan_id).order_by(E.seq))
    return [
        SiteEventRow(r.seq, r.at, r.event, r.old, r.new, r.actor, r.moved_by, r.detail)
        for r in rows
    ]


# --- reprotects ---------------------------------------------------------------------------------


def _reprotect(row: Any) -> ReprotectRow:
    return ReprotectRow(
        row.id,
        row.plan_id,
        row.state,
        row.waves,
        row.requested_by,
        row.requested_at,
        row.owner,
        row.ended_at,
        row.servers,
        row.reversed,
        row.skipped,
        row.failed,
        row.error,
    )


def insert_reprotect(
    conn: sa.Connection,
    *,
    reprotect_id: str,
    plan_id: str,
    waves: list[str] | None,
    servers: int,
    actor: str,
    now: datetime,
    owner: str,
) -> None:
    """A running reprotect; a second one for the plan trips the unique index."""
    conn.execute(
        sa.insert(reprotects).values(
            id=reprotect_id,
            plan_id=plan_id,
            state=RUNNING,
            waves=waves,
            requested_by=actor,
            requested_at=now,
            owner=owner,
            servers=servers,
            reversed=0,
            skipped=0,
            failed=0,
        )
    )


def reprotect(conn: sa.Connection, reprotect_id: str) -> ReprotectRow | None:
    row = conn.execute(sa.select(reprotects).where(R.id == reprotect_id)).first()
    return None if row is None else _reprotect(row)


def latest_reprotect(conn: sa.Connection, plan_id: str) -> ReprotectRow | None:
    row = conn.execute(
        sa.select(reprotects)
        .where(R.plan_id == plan_id)
        .order_by(R.requested_at.desc(), R.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _reprotect(row)


def running_reprotects(conn: sa.Connection) -> list[ReprotectRow]:
    rows = conn.execute(sa.select(reprotects).where(R.state == RUNNING).order_by(R.requested_at))
    return [_reprotect(r) for r in rows]


def claim_reprotect(conn: sa.Connection, reprotect_id: str, held: str, owner: str) -> bool:
    """Take over a running reprotect from `held`; False when someone else took it first."""
    taken = conn.execute(
        reprotects.update()
        .where(R.id == reprotect_id, R.state == RUNNING, R.owner == held)
        .values(owner=owner)
    )
    return taken.rowcount == 1


def finish_reprotect(
    conn: sa.Connection,
    reprotect_id: str,
    *,
    state: str,
    now: datetime,
    error: str | None = None,
) -> None:
    rows = conn.execute(
        sa.select(C.outcome, sa.func.count())
        .where(C.reprotect_id == reprotect_id, C.outcome.is_not(None))
        .group_by(C.outcome)
    ).all()
    counts: dict[str, int] = {str(r[0]): int(r[1]) for r in rows}
    conn.execute(
        sa.update(reprotects)
        .where(R.id == reprotect_id)
        .values(
            state=state,
            ended_at=now,
            reversed=counts.get(REVERSED, 0),
            skipped=counts.get(SKIPPED, 0),
            failed=counts.get(FAILED, 0),
            error=error,
        )
    )


def calls(conn: sa.Connection, reprotect_id: str) -> dict[str, CallRow]:
    """The reprotect's calls in the order their intents were stored."""
    rows = conn.execute(
        sa.select(reprotect_calls).where(C.reprotect_id == reprotect_id).order_by(C.seq)
    )
    return {
        r.server_id: CallRow(
            r.server_id,
            r.recovery_instance_id,
            r.account_id,
            r.region,
            r.intent_at,
            r.outcome,
            r.result,
            r.detail,
        )
        for r in rows
    }


def record_intent(
    conn: sa.Connection,
    reprotect_id: str,
    *,
    server_id: str,
    recovery_instance_id: str,
    place: tuple[str, str],
    now: datetime,
) -> None:
    seq = conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(C.seq), 0)).where(C.reprotect_id == reprotect_id)
    ).scalar_one()
    conn.execute(
        sa.insert(reprotect_calls).values(
            reprotect_id=reprotect_id,
            server_id=server_id,
            seq=seq + 1,
            recovery_instance_id=recovery_instance_id,
            account_id=place[0],
            region=place[1],
            intent_at=now,
        )
    )


def complete_call(
    conn: sa.Connection,
    reprotect_id: str,
    server_id: str,
    *,
    outcome: str,
    result: str | None,
    detail: str | None,
    now: datetime,
) -> None:
    conn.execute(
        sa.update(reprotect_calls)
        .where(C.reprotect_id == reprotect_id, C.server_id == server_id)
        .values(outcome=outcome, result=result, detail=detail, done_at=now)
    )
