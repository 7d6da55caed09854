"""The running engine of one worker process, put together: DBOS and the workflows
(`workflow`), the stored executions (`store`), worker leases (`workers`), change
notifications (`notifier`) and the DRS pollers (`poller`)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from dbos import DBOS, SetWorkflowID

from drs_orchestrator.drs.hooks import AwsHooks
from drs_orchestrator.drs.jobs import DrsJobs
from drs_orchestrator.engine import workflow
from drs_orchestrator.engine.clock import Clock
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.core.step import Step
from drs_orchestrator.engine.launch_settings import LaunchPrep
from drs_orchestrator.engine.notifier import Notifier
from drs_orchestrator.engine.poller import Poller
from drs_orchestrator.engine.port import Change, Port
from drs_orchestrator.engine.probe import Probe
from drs_orchestrator.engine.store import ExecutionStore
from drs_orchestrator.engine.workers import Workers
from drs_orchestrator.store import audit, executions

_RUNNING = {"PENDING", "ENQUEUED"}  # DBOS's statuses of a workflow that will go on


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    tag_jobs: bool = True
    poll_in_background: bool = True
    # DBOS's executor ID: stable for one SQLite worker (it recovers its own workflows on
    # restart); unique per process with several PostgreSQL workers.
    executor_id: str = "local"
    # A worker silent this long (wall seconds) is dead: a survivor takes its workflows over.
    worker_lease_seconds: float = 30.0


class Engine:
    def __init__(
        self,
        *,
        database: sa.Engine,
        drs: DrsJobs,
        hooks: AwsHooks,
        clock: Clock,
        dbos_url: str,
        options: Options | None = None,
        dbos_schema: str | None = None,
        probe: Probe | None = None,
    ) -> None:
        self.db = database
        self.drs = drs
        self.clock = clock
        self.options = options or Options()
        self.beats: list[Callable[[], object]] = []
        self.probe = probe or Probe()
        self.notifier = Notifier()
        self._dbos_url = dbos_url
        self._dbos_schema = dbos_schema
        self._lock = threading.Lock()
        self._started: dict[str, str] = {}  # execution -> workflow, started by this worker
        self.store = ExecutionStore(database, clock, self._changed)
        self.port = Port(
            db=database,
            drs=drs,
            hooks=hooks,
            clock=clock,
            tag_jobs=self.options.tag_jobs,
            admission_lock=threading.Lock(),
            apply=self.store.apply,
            state=self.store.state,
            wake=self.wake,
            jobs_started=lambda: self.poller.news(),  # noqa: PLW0108 - made below
            launch=LaunchPrep(database, drs.gateway),
        )
        self.workers = Workers(
            database, self.options.executor_id, self.options.worker_lease_seconds,
            took_over=self.probe.started,
        )  # fmt: skip
        self.poller = Poller(
            self.port, heartbeat=self.keep_alive, beat_every=self.options.worker_lease_seconds / 3
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def launch(self) -> None:
        workflow.install(workflow.Worker(self.port, self.store, self.probe))
        config: dict[str, Any] = {
            "name": "drs-orchestrator",
            "system_database_url": self._dbos_url,
            "run_admin_server": False,
            "log_level": "WARNING",
            # SQLite has no LISTEN/NOTIFY: DBOS polls for messages, by default every second,
            # which would put a second between a DRS change and the wave that waits on it.
            "notification_listener_polling_interval_sec": 0.05,
            "executor_id": self.options.executor_id,
        }
        if self._dbos_schema:
            config["dbos_system_schema"] = self._dbos_schema
        DBOS(config=config)  # type: ignore[arg-type]
        DBOS.launch()
        self.keep_alive()
        if self.options.poll_in_background:
            self.poller.start()

    def shutdown(self) -> None:
        """Stop this worker. Its workflows are cancelled rather than left half-way: every
        execution's progress is in our database, so the next start begins a fresh workflow
        that carries on from there (a crash, instead, leaves them to DBOS's own recovery)."""
        self.poller.stop()
        with self.db.connect() as conn:
            ids = executions.ids_with_work(conn)
            workflows = {r.workflow_id for i in ids if (r := executions.get(conn, i))}
        with self._lock:  # and those of ended executions still waiting (timed clean-up)
            workflows |= set(self._started.values())
        for workflow_id in workflows:
            if workflow_id is not None:
                DBOS.cancel_workflow(workflow_id)
                DBOS.send(workflow_id, 0, topic=workflow.WAKE)  # out of recv, into the cancel
        self.workers.leave()
        DBOS.destroy(workflow_completion_timeout_sec=5, destroy_registry=False)
        workflow.install(None)

    def keep_alive(self) -> None:
        """The heartbeat: beat, take over dead workers' workflows, start any missing one,
        and what else beats with it (`beats`: the services' own take-overs)."""
        self.workers.beat()
        self.resume_unattended()
        for beat in self.beats:
            try:
                beat()
            except Exception:
                log.exception("a heartbeat task failed; the next beat tries again")

    def resume_unattended(self) -> None:
        """Start a workflow for every execution with work that has none running: a crash
        between storing a change (a new execution, a clean-up request) and starting its
        workflow, a command that reached a workflow as it finished, a clean shutdown that
        cancelled one waiting for a timed clean-up. Runs at start and at every heartbeat:
        one indexed query and one question to DBOS."""
        with self.db.connect() as conn:
            waiting = executions.workflows_with_work(conn)
        if not waiting:
            return
        running = {
            w.workflow_id
            for w in DBOS.list_workflows(
                workflow_ids=[w for w in waiting.values() if w is not None],
                status=sorted(_RUNNING),
                load_input=False,
                load_output=False,
            )
        }
        for execution_id, workflow_id in waiting.items():
            if workflow_id not in running:
                self.ensure_running(execution_id)

    # --- executions --------------------------------------------------------------------------

    def create(self, state: ExecutionState, entry: audit.Entry | None = None) -> ExecutionState:
        """Store a new execution (its servers held, its audit record in the same transaction)
        and start its workflow."""
        self.store.create(state, entry)
        self.ensure_running(state.id)
        return state

    def ensure_running(self, execution_id: str) -> bool:
        """Start a workflow for the execution unless one is running for it already; True
        when this started one (it begins with a turn: no need to wake it)."""
        with self.db.connect() as conn:
            record = executions.get(conn, execution_id)
        if record is None:
            return False
        if record.workflow_id is not None:
            status = DBOS.get_workflow_status(record.workflow_id)
            if status is not None and status.status in _RUNNING:
                return False
        # Deterministic: two workers resuming the same execution start one workflow (DBOS
        # runs a workflow ID once).
        generation = int(record.workflow_id.rsplit("/", 1)[1]) + 1 if record.workflow_id else 1
        workflow_id = f"{execution_id}/{generation}"
        with self.db.begin() as conn:
            executions.set_workflow(conn, execution_id, workflow_id)
        with self._lock:
            self._started[execution_id] = workflow_id
        self.probe.started(execution_id)
        with SetWorkflowID(workflow_id):
            DBOS.start_workflow(workflow.run_execution, execution_id)
        return True

    def wake(self, execution_id: str) -> None:
        """Tell the execution's workflow it has news (a DRS change, a command, admission)."""
        with self.db.connect() as conn:
            record = executions.get(conn, execution_id)
        if record is None or record.workflow_id is None:
            return
        status = DBOS.get_workflow_status(record.workflow_id)
        if status is None or status.status not in _RUNNING:
            return
        self.probe.sent(execution_id)
        DBOS.send(record.workflow_id, 1, topic=workflow.WAKE)

    def wake_all(self) -> None:
        with self.db.connect() as conn:
            ids = executions.active_ids(conn)
        for execution_id in ids:
            self.wake(execution_id)

    def command(
        self,
        execution_id: str,
        command: machine.OperatorCommand,
        entry: audit.Entry | None = None,
    ) -> ExecutionState:
        """An operator's command, applied at once (domain errors raise before anything is
        stored) and audited in the same transaction; the workflow is woken, or started again
        if the execution had ended."""
        change = partial(_commanded, command)
        state = self.store.apply(execution_id, change, entry=entry).state
        busy = state.status.active or state.cleanup.value in {"REQUESTED", "RUNNING"}
        if busy and not self.ensure_running(execution_id):
            self.wake(execution_id)
        return state

    def apply(self, execution_id: str, change: Change, *, reserve_again: bool = True) -> Step:
        return self.store.apply(execution_id, change, reserve_again=reserve_again)

    def state(self, execution_id: str) -> ExecutionState:
        return self.store.state(execution_id)

    def listen(self) -> asyncio.Event:
        return self.notifier.listen()

    def unlisten(self, event: asyncio.Event) -> None:
        self.notifier.unlisten(event)

    def _changed(self) -> None:
        self.notifier.changed()
        self.probe.changed()


def _commanded(command: machine.OperatorCommand, state: ExecutionState, now: datetime) -> Step:
    return machine.command(state, command, now)
