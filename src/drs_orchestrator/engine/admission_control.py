"""Admission across executions, per account and region, inside one lock: PostgreSQL's
advisory lock between workers, a process lock on SQLite (one worker)."""

from __future__ import annotations

import zlib

import sqlalchemy as sa

from drs_orchestrator.domain.executions import BatchState
from drs_orchestrator.engine.core.admission import Request, Usage, admit
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.port import Port
from drs_orchestrator.store import jobs


def admit_for(port: Port, state: ExecutionState) -> set[str]:
    """Admit what fits in the places where this execution queues; every execution that had
    a batch admitted (each learns of it in its own next turn)."""
    places = {(b.account_id, b.region) for b in state.batches if b.state == BatchState.QUEUED}
    return {r.execution_id for place in sorted(places) for r in admit_place(port, place)}


def admit_place(port: Port, place: tuple[str, str]) -> list[Request]:
    with port.admission_lock, port.db.begin() as conn:
        if conn.dialect.name == "postgresql":
            key = zlib.crc32(f"admission:{place[0]}:{place[1]}".encode())
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        queued = jobs.in_place(conn, place, (BatchState.QUEUED,))
        if not queued:
            return []
        reserved = jobs.in_place(conn, place, (BatchState.ADMITTED,))
        running = jobs.active_jobs(conn, place)
        usage = Usage(
            jobs=len(reserved) + len(running),
            servers=sum(b.server_count for b in reserved) + sum(j.server_count for j in running),
        )
        requests = [
            Request(b.execution_id, b.batch_key, b.server_count, b.requested_at) for b in queued
        ]
        admitted = admit(requests, usage)
        now = port.clock.now()
        for request in admitted:
            jobs.set_batch(
                conn,
                request.execution_id,
                request.batch_key,
                state=BatchState.ADMITTED,
                admitted_at=now,
            )
        return admitted
