"""Starting executions and reading them; operator commands go to the engine."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from drs_orchestrator.domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    Unavailable,
    Violation,
)
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.failback import Home
from drs_orchestrator.domain.modes import policy, start_action
from drs_orchestrator.domain.plans import GroupMembers, Wave, wave_servers
from drs_orchestrator.engine.core.freeze import Launch, freeze
from drs_orchestrator.engine.core.machine import OperatorCommand
from drs_orchestrator.engine.core.state import ExecutionState, load_state
from drs_orchestrator.engine.runner import Engine
from drs_orchestrator.reports import evidence
from drs_orchestrator.reports.evidence import Report
from drs_orchestrator.service import snapshots
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.plans import PlanService
from drs_orchestrator.service.snapshots import Choice
from drs_orchestrator.store import audit, executions, pages

NO_CHOICE = snapshots.Choice()


class SiteGuard(Protocol):
    def check_recover(self, plan_id: str) -> None: ...

    def homes(self, plan_id: str, mode: Mode) -> dict[str, Home]: ...

    def timeline(self, plan_id: str) -> Sequence[Any]: ...


class ExecutionService:
    def __init__(self, ctx: Context, plans: PlanService, engine: Engine | None = None) -> None:
        self.ctx = ctx
        self.plans = plans
        self.engine = engine
        # Where the plan stands in its round trip (a RECOVERY is refused on the way home).
        self.site: SiteGuard | None = None

    def now(self) -> datetime:
        """The engine's time where it runs (compressed in a demo), else the wall clock's."""
        return self.engine.clock.now() if self.engine is not None else self.ctx.now()

    def running(self) -> Engine:
        if self.engine is None:
            raise Unavailable(
                "ENGINE_NOT_RUNNING",
                "The execution engine is not running in this server; start it with "
                "`drs-orchestrator serve`",
            )
        return self.engine

    def start(
        self,
        plan_id: str,
        mode: Mode,
        *,
        confirm_plan_name: str | None,
        cleanup_after_minutes: int | None,
        user: tuple[str, str],
        reason: str | None = None,
        choice: Choice = NO_CHOICE,
    ) -> ExecutionState:
        """Freeze the plan's current version and hand it to the engine; the start is audited
        with the execution's creation (a refusal by `refused`)."""
        self.plans.get(plan_id)  # an unknown plan is a 404 whether or not the engine runs
        engine = self.running()
        state = self.prepare(
            plan_id,
            mode,
            confirm_plan_name=confirm_plan_name,
            cleanup_after_minutes=cleanup_after_minutes,
            user=user,
            now=engine.clock.now(),
            choice=choice,
        )
        entry = audit.Entry(
            actor=user[1],
            action=start_action(mode),
            resource_type="execution",
            resource_id=state.id,
            after={
                "planId": plan_id,
                "planName": state.plan_name,
                "planVersion": state.plan_version,
                "mode": mode.value,
                "waves": [w.name for w in state.waves],
                "servers": len(state.servers),
                "confirmedPlanName": confirm_plan_name if policy(mode).confirm_plan_name else None,
                "cleanupAfterMinutes": state.cleanup_after_minutes,
                "pointInTime": choice.point_in_time.isoformat() if choice.point_in_time else None,
                "snapshots": dict(choice.snapshots or {}) or None,
                "reason": reason,
            },
        )
        return engine.create(state, entry)

    def refused(
        self, actor: str, action: str, resource: tuple[str, str], error: DomainError, asked: Any
    ) -> None:
        """What was asked and why it was refused, in the audit log (its own transaction: the
        refusal changed nothing else)."""
        with self.ctx.write() as conn:
            audit.record(
                conn,
                at=self.now(),
                actor=actor,
                action=f"{action}-refused",
                resource_type=resource[0],
                resource_id=resource[1][:64],
                before=asked,
                after={"code": error.code, "reason": error.message},
            )

    def prepare(
        self,
        plan_id: str,
        mode: Mode,
        *,
        confirm_plan_name: str | None,
        cleanup_after_minutes: int | None,
        user: tuple[str, str],
        now: datetime,
        choice: Choice = NO_CHOICE,
    ) -> ExecutionState:
        """A new execution of the plan's current version, checked against DRS, not stored."""
        spec = self.plans.get(plan_id).spec()
        if policy(mode).confirm_plan_name and confirm_plan_name != spec.name:
            raise InvalidInput(
                [
                    Violation(
                        "confirmPlanName",
                        "RECOVERY_NOT_CONFIRMED",
                        f"A {policy(mode).label.lower()} launches production instances: type "
                        f"the plan's name ({spec.name!r}) to confirm",
                    )
                ],
                code="RECOVERY_NOT_CONFIRMED",
            )
        launch, members = self._launch(plan_id, mode, user, cleanup_after_minutes)
        if choice.empty:
            return freeze(launch, members, now)
        pinned, resolved = snapshots.resolve(
            self.ctx.drs, freeze(launch, members, now), choice, now
        )
        launch = replace(
            launch, point_in_time=choice.point_in_time, pinned=pinned, resolved=resolved
        )
        return freeze(launch, members, now)

    def recovery_snapshots(
        self, plan_id: str, mode: Mode, before: datetime | None, user: tuple[str, str]
    ) -> list[snapshots.ServerSnapshots]:
        """The points in time each server of the plan could launch from in `mode`."""
        launch, members = self._launch(plan_id, mode, user, None)
        return snapshots.listed(self.ctx.drs, freeze(launch, members, self.now()), before)

    def _launch(
        self, plan_id: str, mode: Mode, user: tuple[str, str], cleanup_after_minutes: int | None
    ) -> tuple[Launch, dict[str, GroupMembers]]:
        """Where the plan's current version launches each server in `mode`, asked of DRS."""
        record = self.plans.get(plan_id)
        spec = record.spec()
        homes = None
        if mode == Mode.RECOVERY and self.site is not None:
            self.site.check_recover(plan_id)
        if policy(mode).home:
            if self.site is None:
                raise Unavailable("ENGINE_NOT_RUNNING", "The site state is not kept here")
            homes = self.site.homes(plan_id, mode)  # the plan must be reprotected; asks DRS
        members = self.plans.validate(spec)  # asks DRS; fails closed
        hostnames, post_launch = self._facts(spec.waves, members, mode)
        launch = Launch(
            execution_id=str(uuid.uuid4()),
            plan_id=plan_id,
            plan_version=record.version,
            plan=spec,
            mode=mode,
            initiated_by=user[1],
            user_id=user[0],
            hostnames=hostnames,
            post_launch_enabled=frozenset(post_launch),
            cleanup_after_minutes=cleanup_after_minutes or spec.cleanup_after_minutes,
            homes=homes,
        )
        return launch, members

    def _facts(
        self,
        waves: list[Wave],
        members: dict[str, GroupMembers],
        mode: Mode,
    ) -> tuple[dict[str, str], set[str]]:
        places: dict[tuple[str, str], set[str]] = defaultdict(set)
        for wave in waves:
            for sid in wave_servers(wave, members):
                group = next(g for g in wave.protection_group_ids if sid in members[g].server_ids)
                places[(members[group].account_id, members[group].region)].add(sid)
        hostnames: dict[str, str] = {}
        post_launch: set[str] = set()
        for (account, region), ids in places.items():
            for facts in self.ctx.drs.source_servers(account, region, sorted(ids)):
                hostnames[facts.source_server_id] = facts.hostname
            if policy(mode).awaits_post_launch:
                enabled = self.ctx.drs.post_launch_enabled(account, region, sorted(ids))
                post_launch |= {s for s, on in enabled.items() if on}
        return hostnames, post_launch

    def get(self, execution_id: str) -> ExecutionState:
        with self.ctx.read() as conn:
            record = executions.get(conn, execution_id)
        if record is None:
            raise NotFound("EXECUTION_NOT_FOUND", f"Execution {execution_id} not found")
        return load_state(record.state)

    def version(self, execution_id: str) -> int:
        """The execution's stored version (cheap: no state read)."""
        with self.ctx.read() as conn:
            found = executions.version_of(conn, execution_id)
        if found is None:
            raise NotFound("EXECUTION_NOT_FOUND", f"Execution {execution_id} not found")
        return found

    def versions_page(
        self, filters: executions.Filters, limit: int, cursor: str | None
    ) -> pages.Page[tuple[str, int]]:
        with self.ctx.read() as conn:
            return executions.versions_page(conn, filters, limit, cursor)

    def states_of(self, ids: list[str]) -> dict[str, tuple[ExecutionState, int]]:
        with self.ctx.read() as conn:
            found = executions.states_of(conn, ids)
        return {i: (load_state(r.state), r.version) for i, r in found.items()}

    def events_after(
        self, execution_id: str, after: int, limit: int = 500
    ) -> list[executions.EventRow]:
        with self.ctx.read() as conn:
            return executions.events_after(conn, execution_id, after, limit)

    def report(self, execution_id: str) -> Report:
        state = self.get(execution_id)
        transitions = self.events_after(execution_id, -1, limit=100_000)
        # the engine's clock, which executions are timed by (the demo's runs ahead of the wall)
        now = self.engine.clock.now() if self.engine is not None else self.ctx.now()
        moves = self.site.timeline(state.plan_id) if self.site is not None else []
        return evidence.build(state, transitions, now, moves)

    def page(
        self, filters: executions.Filters, limit: int, cursor: str | None
    ) -> pages.Page[ExecutionState]:
        with self.ctx.read() as conn:
            found = executions.page(conn, filters, limit, cursor)
        return pages.Page([load_state(r.state) for r in found.items], found.next_cursor)

    def command(
        self,
        execution_id: str,
        command: OperatorCommand,
        entry: audit.Entry,
    ) -> ExecutionState:
        """An operator's command, audited in the transaction that applies it."""
        self.get(execution_id)
        return self.running().command(execution_id, command, entry)
