"""Execution state in and out of the store, with its transitions and its launch batches."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from drs_orchestrator.domain.errors import NotFound
from drs_orchestrator.domain.executions import BatchState
from drs_orchestrator.domain.observations import JobView
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState, load_state
from drs_orchestrator.engine.core.step import Event
from drs_orchestrator.store import executions, jobs

_JOB_VIEW = TypeAdapter(JobView)


def columns(state: ExecutionState) -> executions.Columns:
    return executions.Columns(
        plan_id=state.plan_id,
        plan_name=state.plan_name,
        plan_version=state.plan_version,
        mode=state.mode.value,
        status=state.status.value,
        active=state.status.active,
        has_work=machine.has_work(state),
        initiated_by=state.initiated_by,
        created_at=state.created_at,
        started_at=state.started_at,
        ended_at=state.ended_at,
    )


def document(state: ExecutionState) -> dict[str, Any]:
    return state.model_dump(mode="json", by_alias=True)


def insert_new(conn: sa.Connection, state: ExecutionState) -> None:
    """A new execution and the servers it holds (the primary key refuses busy ones)."""
    executions.insert(conn, state.id, columns(state), document(state))
    executions.reserve(
        conn, state.id, [(s.account_id, s.region, s.server_id) for s in state.servers.values()]
    )


def load(conn: sa.Connection, execution_id: str) -> tuple[ExecutionState, int]:
    record = executions.get(conn, execution_id)
    if record is None:
        raise NotFound("EXECUTION_NOT_FOUND", f"Execution {execution_id} not found")
    return load_state(record.state), record.version


def event_rows(events: Iterable[Event]) -> list[executions.EventRow]:
    return [
        executions.EventRow(
            e.seq,
            e.at,
            e.kind,
            e.subject,
            None if e.old is None else str(e.old),
            None if e.new is None else str(e.new),
            _jsonable(e.detail),
        )
        for e in events
    ]


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (str(v) if not isinstance(v, (int, float, bool, list, type(None))) else v)
        for k, v in detail.items()
    }


def save(
    conn: sa.Connection,
    state: ExecutionState,
    *,
    version: int,
    events: list[Event],
    now: datetime,
) -> int:
    """Store the new state (compare-and-set on `version`), its transitions and its batches."""
    new_version = executions.save(
        conn,
        state.id,
        expected_version=version,
        columns=columns(state),
        state=document(state),
        now=now,
    )
    executions.add_events(conn, state.id, event_rows(events))
    _sync_batches(conn, state, now)
    if not state.status.active:
        executions.release(conn, state.id)
    return new_version


def _sync_batches(conn: sa.Connection, state: ExecutionState, now: datetime) -> None:
    ended = []
    for batch in state.batches:
        if batch.state == BatchState.QUEUED:
            jobs.request(
                conn,
                execution_id=state.id,
                batch_key=batch.key,
                place=(batch.account_id, batch.region),
                server_count=len(batch.server_ids),
                now=now,
            )
        elif batch.state in {BatchState.ENDED, BatchState.DROPPED}:
            ended.append(batch.key)
    jobs.end_batches(conn, state.id, ended)


def view_json(view: JobView) -> dict[str, Any]:
    data: dict[str, Any] = _JOB_VIEW.dump_python(view, mode="json")
    return data


def view_of(data: dict[str, Any]) -> JobView:
    return _JOB_VIEW.validate_python(data)
