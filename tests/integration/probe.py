"""Waiting for the engine in tests and benchmarks: a probe that counts each workflow's
wake-ups and rests, so a test can block until every workflow has taken in its news."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.probe import Probe
from drs_orchestrator.engine.runner import Engine
from drs_orchestrator.store import executions


class Settling(Probe):
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy: set[str] = set()
        self._pending: Counter[str] = Counter()
        self._finished: set[str] = set()

    def started(self, execution_id: str) -> None:
        with self._changed:
            self._busy.add(execution_id)
            self._finished.discard(execution_id)

    def sent(self, execution_id: str) -> None:
        with self._changed:
            if execution_id not in self._finished:  # a finished workflow reads no more
                self._pending[execution_id] += 1

    def woke(self, execution_id: str, message: object) -> None:
        with self._changed:
            if message is not None and self._pending[execution_id] > 0:
                self._pending[execution_id] -= 1
            self._busy.add(execution_id)

    def resting(self, execution_id: str, *, finished: bool) -> None:
        with self._changed:
            self._busy.discard(execution_id)
            if finished:  # wake-ups sent as it finished will never be read
                self._pending.pop(execution_id, None)
                self._finished.add(execution_id)
            self._changed.notify_all()

    def changed(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def settle(self, timeout: float = 30.0) -> None:
        """Block until every workflow of this worker has taken in its wake-ups and rests."""
        with self._changed:
            ok = self._changed.wait_for(lambda: not self._busy and not +self._pending, timeout)
        if not ok:
            raise TimeoutError(f"workflows still busy: {self._busy}, woken: {+self._pending}")

    def wait_for(
        self,
        engine: Engine,
        execution_id: str,
        done: Callable[[ExecutionState], bool],
        timeout: float = 30.0,
    ) -> ExecutionState:
        """Block until the execution's stored state satisfies `done` (or fail after `timeout`
        wall seconds, with the state as it was)."""
        with self._changed:
            ok = self._changed.wait_for(lambda: done(engine.state(execution_id)), timeout)
        state = engine.state(execution_id)
        if not ok:
            raise TimeoutError(f"execution {execution_id} is {state.status}: {state.waves}")
        return state

    def wait_for_any_execution(self, engine: Engine, timeout: float = 30.0) -> str:
        """The ID of the newest execution once there is one (for callers that did not start
        it themselves, such as a CLI running in another thread)."""

        def newest() -> str:
            with engine.db.connect() as conn:
                found = executions.page(conn, executions.Filters(), 1, None).items
            return found[0].id if found else ""

        with self._changed:
            ok = self._changed.wait_for(lambda: bool(newest()), timeout)
        if not ok:
            raise TimeoutError("no execution was started")
        return newest()


def settling(engine: Engine) -> Settling:
    """The engine's probe, which the tests' services install (see `start_engine`)."""
    assert isinstance(engine.probe, Settling), "start the engine with probe=Settling()"
    return engine.probe
