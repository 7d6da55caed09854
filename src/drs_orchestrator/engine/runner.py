"""The durable runner: one DBOS workflow per execution around the functional core.

Each turn of a workflow is a step that takes in what the pollers saw, admits queued batches,
lets the core decide and stores the result; then one step per action (StartRecovery, a hook,
DescribeRecoveryInstances, ...); then it sleeps on its mailbox until woken (by the poller, an
operator, or its own next deadline). Everything it knows is in the database, so a restarted
worker carries on where the dead one stopped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from dbos import DBOS, SetWorkflowID

from drs_orchestrator.domain.errors import Conflict, DomainError
from drs_orchestrator.drs.hooks import AwsHooks
from drs_orchestrator.drs.jobs import DrsJobs
from drs_orchestrator.engine import actions, admission_control, records
from drs_orchestrator.engine.clock import Clock
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.core.step import Action, Event, Step
from drs_orchestrator.engine.poller import Poller
from drs_orchestrator.store import audit, executions, jobs, workers

log = logging.getLogger(__name__)

WAKE = "wake"
# Longest a workflow sleeps without news (wall seconds): a safety net, not the cadence.
LONGEST_SLEEP = 60.0
_CAS_TRIES = 20


@dataclass(frozen=True)
class Options:
    tag_jobs: bool = True
    poll_in_background: bool = True
    # DBOS's executor ID: stable for one SQLite worker (it recovers its own workflows on
    # restart); unique per process with several PostgreSQL workers.
    executor_id: str = "local"
    # A worker silent this long (wall seconds) is dead: a survivor takes its workflows over.
    worker_lease_seconds: float = 30.0


_engine: Engine | None = None


def _current() -> Engine:
    if _engine is None:
        raise RuntimeError("the engine is not running")
    return _engine


class Engine:
    """The running engine of one worker process: DBOS, the workflows, the pollers."""

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
    ) -> None:
        self.db = database
        self.drs = drs
        self.hooks = hooks
        self.clock = clock
        self.options = options or Options()
        self._dbos_url = dbos_url
        self._dbos_schema = dbos_schema
        self._changed = threading.Condition()
        # In-memory bookkeeping of this worker's workflows, so callers can wait until they
        # have taken in every wake-up (tests, benchmarks); not part of the durable state.
        self._busy: set[str] = set()
        self._pending: Counter[str] = Counter()
        self._finished: set[str] = set()
        self._started: dict[str, str] = {}  # execution -> workflow, started by this worker
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.admission_lock = threading.Lock()
        self.poller = Poller(self)

    # --- lifecycle ---------------------------------------------------------------------------

    def launch(self) -> None:
        global _engine  # noqa: PLW0603 - DBOS workflows are module functions; they find us here
        _engine = self
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
        global _engine  # noqa: PLW0603
        self.poller.stop()
        with self.db.connect() as conn:
            ids = executions.ids_with_work(conn)
            workflows = {r.workflow_id for i in ids if (r := executions.get(conn, i))}
        with self._changed:  # and those of ended executions still waiting (timed clean-up)
            workflows |= set(self._started.values())
        for workflow_id in workflows:
            if workflow_id is not None:
                DBOS.cancel_workflow(workflow_id)
                DBOS.send(workflow_id, 0, topic=WAKE)  # out of recv, into the cancellation
        with self.db.begin() as conn:  # a clean exit is not a death: nobody takes over
            workers.leave(conn, self.options.executor_id)
        DBOS.destroy(workflow_completion_timeout_sec=5, destroy_registry=False)
        _engine = None

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
                status=["PENDING", "ENQUEUED"],
                load_input=False,
                load_output=False,
            )
        }
        for execution_id, workflow_id in waiting.items():
            if workflow_id not in running:
                self.ensure_running(execution_id)

    # --- executions --------------------------------------------------------------------------

    def create(self, state: ExecutionState, entry: audit.Entry | None = None) -> ExecutionState:
        """Store a new execution, holding its servers (and its audit record, in the same
        transaction), and start its workflow."""
        servers = [(s.account_id, s.region, s.server_id) for s in state.servers.values()]
        try:
            with self.db.begin() as conn:
                records.insert_new(conn, state)
                if entry is not None:
                    audit.write(conn, entry, self.clock.now())
        except sa.exc.IntegrityError:
            with self.db.connect() as conn:
                held = executions.holders(conn, servers)
            raise _busy(held) from None
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
            if status is not None and status.status in {"PENDING", "ENQUEUED"}:
                return False
        # Deterministic: two workers resuming the same execution start one workflow (DBOS
        # runs a workflow ID once).
        generation = int(record.workflow_id.rsplit("/", 1)[1]) + 1 if record.workflow_id else 1
        workflow_id = f"{execution_id}/{generation}"
        with self.db.begin() as conn:
            executions.set_workflow(conn, execution_id, workflow_id)
        with self._changed:
            self._busy.add(execution_id)
            self._finished.discard(execution_id)
            self._started[execution_id] = workflow_id
        with SetWorkflowID(workflow_id):
            DBOS.start_workflow(run_execution, execution_id)
        return True

    def keep_alive(self) -> None:
        """Beat our heart; take over the workflows of workers whose heart stopped."""
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=self.options.worker_lease_seconds)
        mine = self.options.executor_id
        with self.db.begin() as conn:
            workers.beat(conn, mine, now)
            silent = [w for w in workers.silent_since(conn, cutoff) if w != mine]
        for dead in silent:
            with self.db.begin() as conn:
                claimed = workers.claim(conn, dead, cutoff)
            if claimed:
                log.warning("worker %s is silent; taking over its workflows", dead)
                # DBOS recovers another executor's workflows with this (its Conductor does).
                for handle in DBOS._recover_pending_workflows([dead]):
                    with self._changed:
                        self._busy.add(handle.workflow_id.split("/", 1)[0])
        self.resume_unattended()

    def wake(self, execution_id: str) -> None:
        with self.db.connect() as conn:
            record = executions.get(conn, execution_id)
        if record is None or record.workflow_id is None:
            return
        status = DBOS.get_workflow_status(record.workflow_id)
        if status is None or status.status not in {"PENDING", "ENQUEUED"}:
            return
        with self._changed:
            if execution_id in self._finished:
                return
            self._pending[execution_id] += 1
        DBOS.send(record.workflow_id, 1, topic=WAKE)

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
        state = self.apply(execution_id, change, entry=entry).state
        busy = state.status.active or state.cleanup.value in {"REQUESTED", "RUNNING"}
        if busy and not self.ensure_running(execution_id):
            self.wake(execution_id)
        return state

    def apply(
        self,
        execution_id: str,
        change: Callable[[ExecutionState, datetime], Step],
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
                    self._reserve_again(conn, step.state)
                try:
                    records.save(conn, step.state, version=version, events=step.events, now=now)
                except Conflict:
                    continue
                if entry is not None:
                    audit.write(conn, entry, now)
            self.changed()
            return step
        raise Conflict("CONCURRENT_CHANGE", f"Execution {execution_id} is changing too fast")

    def _reserve_again(self, conn: sa.Connection, state: ExecutionState) -> None:
        servers = [(s.account_id, s.region, s.server_id) for s in state.servers.values()]
        held = {k: v for k, v in executions.holders(conn, servers).items() if k != state.id}
        if held:
            raise _busy(held)
        executions.reserve(conn, state.id, servers)

    def state(self, execution_id: str) -> ExecutionState:
        with self.db.connect() as conn:
            return records.load(conn, execution_id)[0]

    # --- waiting for progress (tests, the CLI's --wait through the API) ----------------------

    def resting(self, execution_id: str, *, finished: bool = False) -> None:
        with self._changed:
            self._busy.discard(execution_id)
            if finished:  # wake-ups sent as it finished will never be read
                self._pending.pop(execution_id, None)
                self._finished.add(execution_id)
                self._started.pop(execution_id, None)
            self._changed.notify_all()

    def woke(self, execution_id: str, message: object) -> None:
        with self._changed:
            if message is not None and self._pending[execution_id] > 0:
                self._pending[execution_id] -= 1
            self._busy.add(execution_id)

    def settle(self, timeout: float = 30.0) -> None:
        """Block until every workflow of this worker has taken in its wake-ups and rests."""
        with self._changed:
            ok = self._changed.wait_for(lambda: not self._busy and not +self._pending, timeout)
        if not ok:
            raise TimeoutError(f"workflows still busy: {self._busy}, woken: {+self._pending}")

    def changed(self) -> None:
        with self._changed:
            self._changed.notify_all()
            listeners = list(self._listeners)
        for loop, event in listeners:
            loop.call_soon_threadsafe(event.set)

    def listen(self) -> asyncio.Event:
        """An event set whenever any execution changes (for streams on the running loop)."""
        event = asyncio.Event()
        with self._changed:
            self._listeners.add((asyncio.get_running_loop(), event))
        return event

    def unlisten(self, event: asyncio.Event) -> None:
        with self._changed:
            self._listeners = {(lp, ev) for lp, ev in self._listeners if ev is not event}

    def wait_for_any_execution(self, timeout: float = 30.0) -> str:
        """The ID of the newest execution once there is one (for callers that did not start
        it themselves, such as a CLI running in another thread)."""
        with self._changed:
            ok = self._changed.wait_for(lambda: bool(self._newest()), timeout)
        if not ok:
            raise TimeoutError("no execution was started")
        return self._newest()

    def _newest(self) -> str:
        with self.db.connect() as conn:
            found = executions.page(conn, executions.Filters(), 1, None).items
        return found[0].id if found else ""

    def wait_for(
        self,
        execution_id: str,
        done: Callable[[ExecutionState], bool],
        timeout: float = 30.0,
    ) -> ExecutionState:
        """Block until the execution's stored state satisfies `done` (or fail after `timeout`
        wall seconds, with the state as it was)."""
        with self._changed:
            ok = self._changed.wait_for(lambda: done(self.state(execution_id)), timeout)
        state = self.state(execution_id)
        if not ok:
            raise TimeoutError(f"execution {execution_id} is {state.status}: {state.waves}")
        return state


def _commanded(command: machine.OperatorCommand, state: ExecutionState, now: datetime) -> Step:
    return machine.command(state, command, now)


def _busy(held: dict[str, list[str]]) -> Conflict:
    first, servers = next(iter(sorted(held.items())))
    return Conflict(
        "SERVERS_IN_ACTIVE_EXECUTION",
        f"{len(servers)} of these servers are in active execution {first} "
        f"({', '.join(sorted(servers)[:5])}{', ...' if len(servers) > 5 else ''})",
        {"executionIds": sorted(held), "serverIds": sorted(s for v in held.values() for s in v)},
    )


# --- the workflow ----------------------------------------------------------------------------


@DBOS.workflow()
def run_execution(execution_id: str) -> str:
    engine = _current()
    while True:
        turn = take_turn(execution_id)
        if turn["done"] and not has_work_again(execution_id):
            engine.resting(execution_id, finished=True)
            return str(turn["status"])
        # (done, yet a command just gave it work: it rests below until that command wakes it)
        retry_in: list[float] = []
        for action in turn["actions"]:
            outcome = perform(execution_id, action)
            if outcome is not None:
                retry_in.append(outcome)
        if turn["actions"] and not retry_in:
            continue  # the actions changed the state: decide again at once
        waits = [w for w in [turn["sleep"], *retry_in] if w is not None]
        engine.resting(execution_id)
        message = DBOS.recv(WAKE, timeout_seconds=min(waits) if waits else LONGEST_SLEEP)
        engine.woke(execution_id, message)


@DBOS.step(retries_allowed=True, max_attempts=5)
def has_work_again(execution_id: str) -> bool:
    """Whether a command arrived as the workflow was about to end (its wake-up would be lost
    with the workflow): then it takes another turn instead of ending."""
    engine = _current()
    with engine.db.connect() as conn:
        return executions.has_work(conn, execution_id)


@DBOS.step(retries_allowed=True, max_attempts=5)
def take_turn(execution_id: str) -> dict[str, Any]:
    """Take in observations and admissions, let the core decide, store it; what to do next."""
    engine = _current()
    taken: list[tuple[str, int]] = []

    def turn(state: ExecutionState, now: datetime) -> Step:
        events: list[Event] = []
        with engine.db.connect() as conn:
            unapplied = jobs.unapplied(conn, execution_id)
        taken[:] = [(j.job_id, j.observed_seq) for j in unapplied]
        for job in unapplied:
            if job.view is not None:
                step = machine.job_observed(state, records.view_of(job.view), now)
                state, events = step.state, events + step.events
        if state.status.value == "PENDING":
            step = machine.start(state, now)
        else:
            step = machine.advance(state, now)
        return Step(step.state, events + step.events, step.actions, step.wake_at)

    step = engine.apply(execution_id, turn, reserve_again=False)
    with engine.db.begin() as conn:
        for job_id, seq in taken:
            jobs.applied(conn, job_id, seq)
    others = admission_control.admit_for(engine, step.state)
    with engine.db.connect() as conn:  # admitted now, or earlier in another's turn
        granted = {b.batch_key for b in jobs.batches_of(conn, execution_id, "ADMITTED")}
    mine = [b.key for b in step.state.batches if b.state == "QUEUED" and b.key in granted]
    if mine:
        step = engine.apply(
            execution_id, lambda s, now: machine.admitted(s, mine, now), reserve_again=False
        )
    for other in others - {execution_id}:
        engine.wake(other)
    state = step.state
    followed = actions.still_followed(state)
    with engine.db.begin() as conn:
        jobs.follow_only(conn, execution_id, followed)
    busy = bool(followed) or any(b.state in {"ADMITTED", "STARTING"} for b in state.batches)
    done = not state.status.active and not step.actions and not busy and step.wake_at is None
    sleep = None
    if step.wake_at is not None:
        ahead = (step.wake_at - engine.clock.now()).total_seconds()
        sleep = engine.clock.wall_seconds(ahead, LONGEST_SLEEP)
    return {
        "done": done,
        "status": state.status.value,
        "actions": [actions.encode(a) for a in step.actions],
        "sleep": sleep,
    }


@DBOS.step(retries_allowed=True, max_attempts=5)
def perform(execution_id: str, action: dict[str, Any]) -> float | None:
    """Do one action; None when it changed the state, else wall seconds until it may be
    tried again."""
    engine = _current()
    decoded: Action = actions.decode(action)
    try:
        return actions.perform(engine, execution_id, decoded)
    except DomainError as error:  # DRS unreachable and the like: try again later
        log.warning("execution %s: %s failed: %s", execution_id, action, error)
        return engine.clock.wall_seconds(15, LONGEST_SLEEP)
