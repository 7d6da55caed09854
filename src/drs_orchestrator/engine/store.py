"""Executions as the engine stores them: created with their servers held, changed with
compare-and-set (again from the top when another writer saved first), read back."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from drs_orchestrator.domain.errors import Conflict
from drs_orchestrator.engine import records
from drs_orchestrator.engine.clock import Clock
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.core.step import Step
from drs_orchestrator.engine.port import Change
from drs_orchestrator.store import audit, executions

_CAS_TRIES = 20


class ExecutionStore:
    def __init__(self, db: sa.Engine, clock: Clock, changed: Callable[[], None]) -> None:
        self.db = db
        self.clock = clock
        self._changed = changed

    def create(self, state: ExecutionState, entry: audit.Entry | None = None) -> None:
        """Store a new execution, holding its servers (and its audit record, in the same
        transaction)."""
        servers = [(s.account_id, s.region, s.server_id) for s in state.servers.values()]
        try:
            with self.db.begin() as conn:
                records.insert_new(conn, state)
                if entry is not None:
                    audit.write(conn, entry, self.clock.now())
        except sa.exc.IntegrityError:
            with self.db.connect() as conn:
                held = executions.holders(conn, servers)
            raise servers_busy(held) from None
        self._changed()

    def apply(
        self,
        execution_id: str,
        change: Change,
        *,
        reserve_again: bool = True,
        entry: audit.Entry | None = None,
    ) -> Step:
        """Load, change, store with compare-and-set; again from the top if someone else saved."""
        for _ in range(_CAS_TRIES):
            with self.db.begin() as conn:
                state, version = records.load(conn, execution_id)
                now = self.clock.now()
                step = change(state, now)
                if not state.status.active and step.state.status.active and reserve_again:
                    _reserve_again(conn, step.state)
                try:
                    records.save(conn, step.state, version=version, events=step.events, now=now)
                except Conflict:
                    continue
                if entry is not None:
                    audit.write(conn, entry, now)
            self._changed()
            return step
        raise Conflict("CONCURRENT_CHANGE", f"Execution {execution_id} is changing too fast")

    def state(self, execution_id: str) -> ExecutionState:
        with self.db.connect() as conn:
            return records.load(conn, execution_id)[0]


def _reserve_again(conn: sa.Connection, state: ExecutionState) -> None:
    """An ended execution that runs again (a retry, a skip) holds its servers again."""
    servers = [(s.account_id, s.region, s.server_id) for s in state.servers.values()]
    held = {k: v for k, v in executions.holders(conn, servers).items() if k != state.id}
    if held:
        raise servers_busy(held)
    executions.reserve(conn, state.id, servers)


def servers_busy(held: dict[str, list[str]]) -> Conflict:
    first, servers = next(iter(sorted(held.items())))
    return Conflict(
        "SERVERS_IN_ACTIVE_EXECUTION",
        f"{len(servers)} of these servers are in active execution {first} "
        f"({', '.join(sorted(servers)[:5])}{', ...' if len(servers) > 5 else ''})",
        {"executionIds": sorted(held), "serverIds": sorted(s for v in held.values() for s in v)},
    )
