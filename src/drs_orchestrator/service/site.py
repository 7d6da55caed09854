"""A plan's round trip: where it stands, read from its executions and from DRS, and the
reprotect that replicates its recovered servers back home.

The site state moves on events (domain/site.py). An operator's start of a reprotect is
recorded with the reprotect; the rest is read when asked: a RECOVERY execution created since
the last move started a recovery, its end ended it, and DRS saying every server replicates
back continuously ends a reprotect. Reading again changes nothing, so a crash loses nothing.

A reprotect runs in the background, wave by wave in dependency order. Before each
ReverseReplication the intent is stored; a reprotect resumed after a crash asks DRS whether
the server was reversed already (its `reversedDirectionSourceServerArn`) before calling again.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from drs_orchestrator.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    Unavailable,
    Violation,
)
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.failback import (
    AWS,
    Home,
    InstanceFacts,
    Leg,
    ServerLeg,
    arn_account,
    arn_id,
    arn_region,
    blocking,
    home_of,
    leg,
    recovered_instance,
    synced,
)
from drs_orchestrator.domain.graph import levels
from drs_orchestrator.domain.plans import GroupMembers, RecoveryPlanSpec, wave_servers
from drs_orchestrator.domain.servers import ServerFacts
from drs_orchestrator.domain.site import (
    IN_MOTION,
    SiteAction,
    SiteEvent,
    SiteState,
    advance,
    check_action,
    next_actions,
)
from drs_orchestrator.drs.failback import DrsFailback
from drs_orchestrator.drs.jobs import StartDeferredError, StartRefusedError
from drs_orchestrator.engine.core.state import load_state
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.plans import PlanService
from drs_orchestrator.store import audit, executions, sites, workers
from drs_orchestrator.store.plans import PlanRecord
from drs_orchestrator.store.sites import CallRow, ReprotectRow, SiteEventRow, SiteRow

log = logging.getLogger(__name__)
SYSTEM = "drs-orchestrator"  # the actor of moves read from DRS and from executions' ends
RESOURCE = "recovery-plan"
# The states that end when every server replicates continuously: back, or once home again.
_SYNCING = {SiteState.REPROTECTING: Leg.READY, SiteState.RESTORING: Leg.PROTECTED}
# The states an execution's start moves a plan out of, by the mode that moves it.
_STARTED_BY = {
    SiteState.PROTECTED: Mode.RECOVERY,
    SiteState.RECOVERED: Mode.RECOVERY,
    SiteState.REPROTECTED: Mode.FAILBACK,
}
_NEVER = SiteRow(SiteState.PROTECTED, datetime.min, None, 0)  # a plan that never moved
Place = tuple[str, str]


@dataclass(frozen=True)
class PlanServer:
    server_id: str
    wave: str
    account_id: str
    region: str

    @property
    def place(self) -> Place:
        return (self.account_id, self.region)


@dataclass(frozen=True)
class Legs:
    """Each server's step home; `error` when DRS could not say (the legs are then empty)."""

    servers: list[tuple[PlanServer, ServerLeg]]
    error: str | None = None

    def of(self) -> list[ServerLeg]:
        return [s for _, s in self.servers]


@dataclass(frozen=True)
class SiteView:
    plan_id: str
    plan_name: str
    state: SiteState
    since: datetime | None
    moved_by: str | None
    legs: Legs
    reprotect: ReprotectRow | None
    events: list[SiteEventRow] = field(default_factory=list)

    @property
    def next_actions(self) -> list[SiteAction]:
        return sorted(next_actions(self.state))


@dataclass(frozen=True)
class ReprotectView:
    record: ReprotectRow
    calls: list[CallRow]


def plan_servers(spec: RecoveryPlanSpec, members: Mapping[str, GroupMembers]) -> list[PlanServer]:
    """The plan's servers in dependency order, each once (in the first wave that has it)."""
    place = {s: (g.account_id, g.region) for g in members.values() for s in g.server_ids}
    by_name = {w.name: w for w in spec.waves}
    seen: set[str] = set()
    out: list[PlanServer] = []
    for level in levels(spec.edges()):
        for name in level:
            for sid in wave_servers(by_name[name], members):
                if sid not in seen and sid in place:
                    seen.add(sid)
                    out.append(PlanServer(sid, name, *place[sid]))
    return out


class SiteService:
    def __init__(self, ctx: Context, plans: PlanService, now: Callable[[], datetime]) -> None:
        self.ctx, self.plans, self.now = ctx, plans, now
        self.failback = DrsFailback(ctx.drs)
        self._runs: ThreadPoolExecutor | None = None  # made on the first reprotect
        self._futures: dict[str, Future[None]] = {}
        # Who runs the reprotects started here (the engine's executor ID, once it starts),
        # and how long a silent worker's are left to it before another takes them over.
        self.owner = "local"
        self.lease_seconds = 30.0

    # --- where a plan stands --------------------------------------------------------------

    def view(self, plan_id: str) -> SiteView:
        record = self.plans.get(plan_id)
        legs = self.legs(record)
        held = self.refresh(plan_id, legs)
        with self.ctx.read() as conn:
            reprotect = sites.latest_reprotect(conn, plan_id)
            timeline = sites.events(conn, plan_id)
        return SiteView(
            plan_id,
            record.spec().name,
            SiteState(held.state),
            held.since if held.version else None,
            held.moved_by,
            legs,
            reprotect,
            timeline,
        )

    def timeline(self, plan_id: str) -> list[SiteEventRow]:
        """The plan's moves to this moment (those due stored first), for its reports: a
        report is evidence even when DRS or the plan itself is gone, so those read stored."""
        with contextlib.suppress(DomainError):  # those due from DRS wait for a later reader
            self.refresh(plan_id)
        with self.ctx.read() as conn:
            return sites.events(conn, plan_id)

    def check_recover(self, plan_id: str) -> None:
        """Refuse a RECOVERY where the plan's workloads are on their way home. A recovery
        running already is left to the engine's one-active-execution rule to answer."""
        state = SiteState(self.refresh(plan_id).state)
        if state != SiteState.RECOVERING:
            check_action(state, SiteAction.RECOVER)

    def homes(self, plan_id: str, mode: Mode = Mode.FAILBACK) -> dict[str, Home]:
        """Where a failback (or its drill) launches each recovered server (its reversed
        source server at its origin, or its recovery instance onto the machine on premises),
        or the refusal: the plan is not reprotected, or a server is not ready."""
        drill = mode == Mode.FAILBACK_DRILL
        self.check(plan_id, SiteAction.FAILBACK_DRILL if drill else SiteAction.FAILBACK)
        legs = self.legs(self.plans.get(plan_id))
        if legs.error is not None:
            raise Unavailable("DRS_UNAVAILABLE", legs.error)
        found = {
            server.server_id: home
            for server, now_leg in legs.servers
            if (home := home_of(now_leg, server.place, drill)) is not None
        }
        held = [
            f"{s.hostname} ({s.server_id}): {why}" for s, why in blocking(legs.of(), False, drill)
        ]
        if held or not found:
            raise Conflict(
                "FAILBACK_NOT_READY",
                "Not every recovered server can fail back now: "
                + ("; ".join(held) or "none is running in the recovery region"),
                {"blocking": held},
            )
        return found

    def check(self, plan_id: str, action: SiteAction) -> SiteState:
        """The plan's state now, or the Conflict that refuses `action` in it."""
        state = SiteState(self.refresh(plan_id).state)
        check_action(state, action)
        return state

    def legs(self, record: PlanRecord, only: Iterable[str] | None = None) -> Legs:
        """Each server's step home (of `only` these, or all), asked of DRS: its recovery
        instances in the recovery region and, for AWS origins, its reversed server in the
        origin region."""
        try:
            spec = record.spec()
            servers = plan_servers(spec, self.plans.validate(spec))
            if only is not None:
                wanted = set(only)
                servers = [s for s in servers if s.server_id in wanted]
            facts, instances = self._facts(servers)
            reversed_ = self._reversed(facts.values())
            launched_home = self._launched_home(reversed_)
        except DomainError as error:
            return Legs([], error.message)
        out = []
        for s in servers:
            server = facts.get(s.server_id)
            if server is None:
                continue
            instance = recovered_instance(instances.get(s.server_id, []))
            back = reversed_.get(server.reversed_server_arn or "")
            home = launched_home.get(server.reversed_server_arn or "")
            out.append((s, leg(server, instance, back, home)))
        return Legs(out)

    def _launched_home(self, reversed_: Mapping[str, ServerFacts]) -> dict[str, InstanceFacts]:
        """The reversed servers' live recovery instances at the origin (a failback's), by
        the reversed server's ARN."""
        by_place: dict[Place, list[str]] = defaultdict(list)
        for arn in reversed_:
            by_place[(arn_account(arn), arn_region(arn))].append(arn_id(arn))
        found: dict[str, InstanceFacts] = {}
        for place, ids in by_place.items():
            by_server: dict[str, list[InstanceFacts]] = defaultdict(list)
            for i in self.failback.instances(place, ids):
                by_server[i.source_server_id].append(i)
            for sid, listed in by_server.items():
                live = recovered_instance(listed)
                if live is not None:
                    found[f"arn:aws:drs:{place[1]}:{place[0]}:source-server/{sid}"] = live
        return found

    def _facts(
        self, servers: Sequence[PlanServer]
    ) -> tuple[dict[str, ServerFacts], dict[str, list[InstanceFacts]]]:
        by_place: dict[Place, list[str]] = defaultdict(list)
        for s in servers:
            by_place[s.place].append(s.server_id)
        facts: dict[str, ServerFacts] = {}
        instances: dict[str, list[InstanceFacts]] = defaultdict(list)
        for place, ids in by_place.items():
            facts |= {f.source_server_id: f for f in self.ctx.drs.source_servers(*place, ids)}
            for i in self.failback.instances(place, ids):
                instances[i.source_server_id].append(i)
        return facts, instances

    def _reversed(self, facts: Iterable[ServerFacts]) -> dict[str, ServerFacts]:
        """The reversed servers the facts name, by ARN."""
        by_place: dict[Place, list[str]] = defaultdict(list)
        for f in facts:
            if f.reversed_server_arn and f.origin_region:
                arn = f.reversed_server_arn
                by_place[(arn_account(arn), arn_region(arn))].append(arn_id(arn))
        found: dict[str, ServerFacts] = {}
        for place, ids in by_place.items():
            for f in self.ctx.drs.source_servers(*place, ids):
                found[f"arn:aws:drs:{place[1]}:{place[0]}:source-server/{f.source_server_id}"] = f
        return found

    def refresh(self, plan_id: str, legs: Legs | None = None) -> SiteRow:
        """The plan's state after the moves that executions and DRS say are due (each
        stored with its timeline entry; a move someone else made first is read again)."""
        while True:
            with self.ctx.read() as conn:
                held = sites.get(conn, plan_id) or _NEVER
            due = self._due(plan_id, held, legs)
            if due is None:
                return held
            event, at, moved_by, detail = due
            new = advance(SiteState(held.state), event)
            try:
                with self.ctx.write() as conn:
                    sites.move(
                        conn,
                        plan_id,
                        held,
                        event=event,
                        new=new,
                        at=at,
                        actor=SYSTEM,
                        moved_by=moved_by,
                        detail=detail,
                    )
            except IntegrityError:
                continue  # another reader stored the plan's first move first: read it

    def _due(
        self, plan_id: str, held: SiteRow, legs: Legs | None
    ) -> tuple[SiteEvent, datetime, str | None, dict[str, object]] | None:
        """The move the plan's executions or DRS say is due, if any."""
        state = SiteState(held.state)
        if state in _STARTED_BY:
            mode = _STARTED_BY[state]
            after = held.since if held.version else None
            with self.ctx.read() as conn:
                found = executions.first_since(
                    conn, plan_id, [mode.value], after, other_than=held.moved_by
                )
            if found is None:
                return None
            run = load_state(found.state)
            started = (
                SiteEvent.FAILBACK_STARTED if mode == Mode.FAILBACK else SiteEvent.RECOVERY_STARTED
            )
            return started, run.created_at, run.id, {"mode": run.mode.value}
        if state in IN_MOTION and held.moved_by:
            return self._ended(state, held.moved_by)
        if state in _SYNCING:
            if legs is None:
                record = self.plans.get(plan_id)
                legs = self.legs(record)
            if legs.error is None and synced(legs.of(), _SYNCING[state]):
                return (
                    SiteEvent.REPLICATION_SYNCED,
                    self.now(),
                    held.moved_by,
                    {"servers": len(legs.servers)},
                )
        return None

    def _ended(
        self, state: SiteState, execution_id: str
    ) -> tuple[SiteEvent, datetime, str | None, dict[str, object]] | None:
        """The move an execution's end makes: what it launched decides where the plan is."""
        failback = state == SiteState.FAILING_BACK
        with self.ctx.read() as conn:
            found = executions.get(conn, execution_id)
        if found is None:
            nothing = (
                SiteEvent.FAILBACK_INCOMPLETE if failback else SiteEvent.RECOVERY_LAUNCHED_NOTHING
            )
            return nothing, self.now(), None, {}
        run = load_state(found.state)
        if run.status.active:
            return None
        launched = sum(1 for s in run.servers.values() if s.recovery_instance_id or s.landed)
        detail: dict[str, object] = {"status": run.status.value, "launched": launched}
        if failback:  # home only when every server it brings home runs there
            whole = bool(run.servers) and launched == len(run.servers)
            event = SiteEvent.FAILBACK_ENDED if whole else SiteEvent.FAILBACK_INCOMPLETE
        else:
            event = SiteEvent.RECOVERY_ENDED if launched else SiteEvent.RECOVERY_LAUNCHED_NOTHING
        return event, run.ended_at or self.now(), run.id, detail

    # --- reprotect ------------------------------------------------------------------------

    def reprotect(self, plan_id: str, actor: str, waves: list[str] | None = None) -> ReprotectRow:
        """Checked now (the site state, the waves named); then run in the background."""
        record = self.plans.get(plan_id)
        spec = record.spec()
        names = [w.name for w in spec.waves]
        unknown = [w for w in waves or [] if w not in names]
        if unknown:
            raise InvalidInput(
                [
                    Violation(
                        f"waves[{(waves or []).index(w)}]",
                        "WAVE_NOT_FOUND",
                        f"The plan has no wave {w!r}; its waves: {', '.join(names)}",
                    )
                    for w in unknown
                ]
            )
        self.check(plan_id, SiteAction.REPROTECT)  # the moves due are stored first
        servers = self._chosen(record, waves)
        reprotect_id = str(uuid.uuid4())
        now = self.now()
        with self.ctx.read() as conn:
            held = sites.get(conn, plan_id) or _NEVER
        state = SiteState(held.state)  # what the move below compares against
        check_action(state, SiteAction.REPROTECT)
        try:
            with self.ctx.write() as conn:
                sites.insert_reprotect(
                    conn,
                    reprotect_id=reprotect_id,
                    plan_id=plan_id,
                    waves=waves,
                    servers=len(servers),
                    actor=actor,
                    now=now,
                    owner=self.owner,
                )
                if not sites.move(
                    conn,
                    plan_id,
                    held,
                    event=SiteEvent.REPROTECT_STARTED,
                    new=advance(state, SiteEvent.REPROTECT_STARTED),
                    at=now,
                    actor=actor,
                    moved_by=reprotect_id,
                    detail={"waves": waves},
                ):
                    raise _moved()
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="reprotect",
                    resource_type=RESOURCE,
                    resource_id=plan_id,
                    before={"siteState": state.value},
                    after={"reprotectId": reprotect_id, "waves": waves, "servers": len(servers)},
                )
        except IntegrityError:
            raise self._in_progress(plan_id) from None
        self._start(reprotect_id, plan_id)
        return self.reprotect_view(plan_id, reprotect_id).record

    def _chosen(self, record: PlanRecord, waves: list[str] | None) -> list[PlanServer]:
        spec = record.spec()
        servers = plan_servers(spec, self.plans.validate(spec))
        return [s for s in servers if waves is None or s.wave in waves]

    def _in_progress(self, plan_id: str) -> Conflict:
        with self.ctx.read() as conn:
            running = sites.latest_reprotect(conn, plan_id)
        return Conflict(
            "REPROTECT_IN_PROGRESS",
            "A reprotect of this plan is running already; follow it, then reprotect again "
            "for what it did not reverse.",
            {"reprotectId": running.id if running else None},
        )

    def _start(self, reprotect_id: str, plan_id: str) -> None:
        if self._runs is None:
            self._runs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reprotect")
        self._futures[reprotect_id] = self._runs.submit(self._run, reprotect_id, plan_id)

    def resume(self) -> list[str]:
        """Run again the reprotects left running by this worker's earlier life or by a
        worker whose heart stopped (their intents say what to ask DRS before calling
        again); those of a live worker are its own. At the engine's start and heartbeat."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.lease_seconds)
        taken = []
        with self.ctx.read() as conn:
            left = sites.running_reprotects(conn)
            orphans = [
                r
                for r in left
                if r.id not in self._futures
                and (r.owner == self.owner or not workers.alive(conn, r.owner, cutoff))
            ]
        for row in orphans:
            with self.ctx.write() as conn:
                claimed = sites.claim_reprotect(conn, row.id, row.owner, self.owner)
            if claimed:
                log.warning(
                    "resuming reprotect %s of %s (was %s's)", row.id, row.plan_id, row.owner
                )
                self._start(row.id, row.plan_id)
                taken.append(row.id)
        return taken

    def _run(self, reprotect_id: str, plan_id: str) -> None:
        try:
            with self.ctx.read() as conn:
                row = sites.reprotect(conn, reprotect_id)
                done = sites.calls(conn, reprotect_id)
            assert row is not None
            record = self.plans.get(plan_id)
            servers = self._chosen(record, row.waves)
            for wave in _in_order(servers):
                legs = {s.server_id: s for _, s in self.legs_of(record, wave).servers}
                for server in wave:
                    self._one(reprotect_id, server, legs.get(server.server_id), done)
        except Exception as error:  # the reprotect failed as a whole (DRS, the database)
            log.exception("reprotect %s failed", reprotect_id)
            self._finish(reprotect_id, sites.FAILED, str(error))
            return
        with self.ctx.read() as conn:
            calls = sites.calls(conn, reprotect_id).values()
        failed = any(c.outcome == sites.FAILED for c in calls)
        self._finish(reprotect_id, sites.FAILED if failed else sites.COMPLETED)

    def legs_of(self, record: PlanRecord, servers: Sequence[PlanServer]) -> Legs:
        legs = self.legs(record, [s.server_id for s in servers])
        if legs.error is not None:
            raise Unavailable("DRS_UNAVAILABLE", legs.error)
        return legs

    def _one(
        self,
        reprotect_id: str,
        server: PlanServer,
        now_leg: ServerLeg | None,
        done: Mapping[str, CallRow],
    ) -> None:
        """One server: reversed (ReverseReplication, after its intent), or skipped with why."""
        call = done.get(server.server_id)
        if call is not None and call.outcome is not None:
            return  # finished before a crash
        skip = _skip_reason(now_leg)
        if call is not None and now_leg is not None and _reversed_already(now_leg):
            # The call was made before a crash: DRS says it replicates that way now.
            self._complete(
                reprotect_id, server, sites.REVERSED, _target_arn(server, now_leg),
                "found after a restart",
            )  # fmt: skip
            return
        if skip is not None or now_leg is None or not _instance_of(now_leg):
            self._skipped(reprotect_id, server, now_leg, skip or "not recovered", call)
            return
        place, instance_id = _reversal_of(server, now_leg)
        if call is None:
            with self.ctx.write() as conn:
                sites.record_intent(
                    conn,
                    reprotect_id,
                    server_id=server.server_id,
                    recovery_instance_id=instance_id,
                    place=place,
                    now=self.now(),
                )
        try:
            arn = self.failback.reverse(place, instance_id)
        except (StartRefusedError, StartDeferredError) as error:
            self._complete(reprotect_id, server, sites.FAILED, None, str(error))
            return
        self._complete(reprotect_id, server, sites.REVERSED, arn, None)

    def _skipped(
        self,
        reprotect_id: str,
        server: PlanServer,
        now_leg: ServerLeg | None,
        why: str,
        call: CallRow | None,
    ) -> None:
        if call is None:
            with self.ctx.write() as conn:
                sites.record_intent(
                    conn,
                    reprotect_id,
                    server_id=server.server_id,
                    recovery_instance_id=(now_leg.recovery_instance_id if now_leg else None) or "",
                    place=server.place,
                    now=self.now(),
                )
        self._complete(reprotect_id, server, sites.SKIPPED, None, why)

    def _complete(
        self,
        reprotect_id: str,
        server: PlanServer,
        outcome: str,
        result: str | None,
        detail: str | None,
    ) -> None:
        with self.ctx.write() as conn:
            sites.complete_call(
                conn,
                reprotect_id,
                server.server_id,
                outcome=outcome,
                result=result,
                detail=detail,
                now=self.now(),
            )

    def _finish(self, reprotect_id: str, state: str, error: str | None = None) -> None:
        with self.ctx.write() as conn:
            sites.finish_reprotect(conn, reprotect_id, state=state, now=self.now(), error=error)

    def reprotect_view(self, plan_id: str, reprotect_id: str) -> ReprotectView:
        with self.ctx.read() as conn:
            row = sites.reprotect(conn, reprotect_id)
            if row is None or row.plan_id != plan_id:
                self.plans.get(plan_id)  # an unknown plan is a 404 of the plan
                raise NotFound(
                    "REPROTECT_NOT_FOUND", f"Reprotect {reprotect_id} not found in {plan_id}"
                )
            calls = list(sites.calls(conn, reprotect_id).values())
        return ReprotectView(row, calls)

    def settle(self, ids: Iterable[str] | None = None, timeout: float = 60) -> None:
        """Wait for reprotects started by this process to end (tests)."""
        for reprotect_id in list(ids or self._futures):
            future = self._futures.get(reprotect_id)
            if future is not None:
                future.result(timeout)

    def close(self) -> None:
        """Let running reprotects end (a stop mid-way is resumed by the next `resume`)."""
        if self._runs is not None:
            self._runs.shutdown(wait=True)
            self._runs = None
        self._futures.clear()


def _in_order(servers: Sequence[PlanServer]) -> list[list[PlanServer]]:
    """The servers by wave, in the order `plan_servers` gave them (dependency order)."""
    waves: dict[str, list[PlanServer]] = {}
    for s in servers:
        waves.setdefault(s.wave, []).append(s)
    return list(waves.values())


def _skip_reason(now_leg: ServerLeg | None) -> str | None:
    """Why a server is not reversed now, or None when it is to be: recovered (it replicates
    back to its origin) or failed back (it replicates into the recovery region again)."""
    if now_leg is None:
        return "DRS does not list it"
    if now_leg.leg == Leg.RECOVERED and now_leg.origin == AWS:
        return None
    if now_leg.leg == Leg.FAILED_BACK and now_leg.home_instance_id:
        return None
    return f"{now_leg.leg.value}: {now_leg.next_step}"


def _instance_of(now_leg: ServerLeg) -> str | None:
    return now_leg.home_instance_id or now_leg.recovery_instance_id


def _reversed_already(now_leg: ServerLeg) -> bool:
    """An interrupted reprotect's call was made: DRS shows the replication it started."""
    if now_leg.home_instance_id is not None:  # failed back: the original direction
        return now_leg.leg != Leg.FAILED_BACK
    return now_leg.reversed_server_id is not None


def _reversal_of(server: PlanServer, now_leg: ServerLeg) -> tuple[Place, str]:
    """Where ReverseReplication is called, and on which recovery instance."""
    if (
        now_leg.home_instance_id is not None
        and now_leg.reversed_account
        and now_leg.reversed_region
    ):
        return (now_leg.reversed_account, now_leg.reversed_region), now_leg.home_instance_id
    assert now_leg.recovery_instance_id is not None
    return server.place, now_leg.recovery_instance_id


def _target_arn(server: PlanServer, now_leg: ServerLeg) -> str:
    """The source server a reversal replicates into: the reversed one at the origin, or,
    once home, the plan's own in the recovery region."""
    if now_leg.home_instance_id is not None:
        return f"arn:aws:drs:{server.region}:{server.account_id}:source-server/{server.server_id}"
    return (
        f"arn:aws:drs:{now_leg.reversed_region}:{server.account_id}:"
        f"source-server/{now_leg.reversed_server_id}"
    )


def _moved() -> Conflict:
    return Conflict(
        "SITE_STATE_CONFLICT",
        "The plan's site state changed while the reprotect was being started; read it "
        "again and retry.",
    )
