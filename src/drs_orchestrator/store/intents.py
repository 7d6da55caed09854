"""Intents of AWS calls that create something: stored before the call, completed with what
the call created, so that a worker resuming after a crash knows to look for it first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from drs_orchestrator.store.tables import call_intents

C = call_intents.c


@dataclass(frozen=True)
class Intent:
    execution_id: str
    call_key: str
    account_id: str
    region: str
    intent_at: datetime
    result: str | None


def _intent(row: sa.Row[tuple[object, ...]]) -> Intent:
    return Intent(
        row.execution_id, row.call_key, row.account_id, row.region, row.intent_at, row.result
    )


def get(conn: sa.Connection, execution_id: str, call_key: str) -> Intent | None:
    row = conn.execute(
        sa.select(call_intents).where(C.execution_id == execution_id, C.call_key == call_key)
    ).first()
    return _intent(row) if row is not None else None


def record(
    conn: sa.Connection,
    execution_id: str,
    call_key: str,
    place: tuple[str, str],
    now: datetime,
) -> None:
    conn.execute(
        sa.insert(call_intents).values(
            execution_id=execution_id,
            call_key=call_key,
            account_id=place[0],
            region=place[1],
            intent_at=now,
        )
    )


def complete(
    conn: sa.Connection, execution_id: str, call_key: str, result: str, now: datetime
) -> None:
    conn.execute(
        sa.update(call_intents)
        .where(C.execution_id == execution_id, C.call_key == call_key)
        .values(result=result, done_at=now)
    )
