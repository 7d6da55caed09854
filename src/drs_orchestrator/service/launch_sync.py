"""Launch settings against what DRS and EC2 hold: each server's drift, and applying the
settings (in the background, followed by its ID), writing only what differs.

An apply is checked against EC2 first, like a save, and refused whole (400) before anything is
written. Then, per server: read the DRS launch configuration and the template's default
version, compare, and when something differs write a new template version from the current
default and/or update the launch configuration; each change audited with what it replaced."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic.alias_generators import to_snake
from sqlalchemy.exc import IntegrityError

from drs_orchestrator.domain.errors import Conflict, DomainError, NotFound
from drs_orchestrator.domain.launch_settings import (
    Effective,
    Subnet,
    SyncState,
    actual,
    differing,
    sync_state,
)
from drs_orchestrator.drs.ec2 import Ec2Reader
from drs_orchestrator.drs.launch import (
    HeldLaunch,
    LaunchCallError,
    LaunchWriter,
    Outcome,
    apply_server,
    jsonable,
)
from drs_orchestrator.engine.launch_settings import record_outcome
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.groups import not_found
from drs_orchestrator.service.launch_settings import RESOURCE, LaunchSettingsService, effective_of
from drs_orchestrator.store import audit, groups
from drs_orchestrator.store import launch_applies as applies
from drs_orchestrator.store.groups import GroupRecord
from drs_orchestrator.store.launch_applies import ApplyRecord, ServerApplied
from drs_orchestrator.store.versioned import Expected, check_version

log = logging.getLogger(__name__)
# Servers read or written at once within one group; DRS's limiter still paces the calls.
PARALLEL_SERVERS = 4
# A running apply with no server done for this long was left by a process that stopped.
STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class ServerStatus:
    server_id: str
    hostname: str
    state: SyncState
    effective: Effective
    differing: list[str]
    held: dict[str, Any]  # what DRS and the template hold of each differing field
    last: ServerApplied | None
    error: str | None = None


@dataclass(frozen=True)
class GroupStatus:
    group_id: str
    settings_version: int
    checked_at: datetime
    servers: list[ServerStatus]
    latest_apply: ApplyRecord | None
    subnets: dict[str, Subnet] = field(default_factory=dict)  # those the servers name

    def counts(self) -> dict[str, int]:
        found = Counter(s.state for s in self.servers)
        return {state.value: found.get(state, 0) for state in SyncState}


@dataclass(frozen=True)
class ApplyView:
    record: ApplyRecord
    failures: list[ServerApplied]


class LaunchSyncService:
    def __init__(self, ctx: Context, settings: LaunchSettingsService) -> None:
        self.ctx, self.settings = ctx, settings
        self._runs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="launch-apply")
        self._futures: dict[str, Future[None]] = {}

    # --- drift ----------------------------------------------------------------------------

    def status(self, group_id: str) -> GroupStatus:
        held = self.settings.get(group_id)
        group, members = self.settings.group(group_id)
        facts = self.settings.facts(group, members)
        hostnames = {f.source_server_id: f.hostname for f in facts}
        servers = effective_of(held.settings, facts)
        with self.ctx.read() as conn:
            last = applies.servers(conn, group_id)
            latest = applies.latest(conn, group_id)
        if held.version == 0:  # nothing managed: nothing to compare, DRS and EC2 not asked
            found = [
                ServerStatus(
                    e.server_id, hostnames[e.server_id], SyncState.NOT_APPLIED, e, [], {}, None
                )
                for e in servers
            ]
        else:
            writer = LaunchWriter(self.ctx.drs, group.account_id, group.region)
            reads = self._each(servers, lambda e: _read(writer, e.server_id))
            found = [
                _status(e, reads[e.server_id], last.get(e.server_id), hostnames[e.server_id])
                for e in servers
            ]
        found.sort(key=lambda s: (s.hostname, s.server_id))
        subnets = self._subnets(group, found) if held.version else {}
        return GroupStatus(group_id, held.version, self.ctx.now(), found, latest, subnets)

    def _subnets(self, group: GroupRecord, found: list[ServerStatus]) -> dict[str, Subnet]:
        """The subnets the servers are to launch in or are held in, so that a person sees
        their address ranges; none when EC2 does not answer (the status stands without)."""
        named = {s.effective.values.get("subnet_id") for s in found}
        named |= {s.held.get("subnetId") for s in found}
        session = self.ctx.drs.session(group.account_id)
        ids = {n for n in named if isinstance(n, str)}
        if session is None or not ids:
            return {}
        try:
            return Ec2Reader(session, group.account_id, group.region).subnets(ids)
        except DomainError:
            return {}

    @staticmethod
    def _each(servers: Sequence[Effective], work: Callable[[Effective], Any]) -> dict[str, Any]:
        with ThreadPoolExecutor(max_workers=PARALLEL_SERVERS) as pool:
            return dict(zip([e.server_id for e in servers], pool.map(work, servers), strict=True))

    # --- apply ----------------------------------------------------------------------------

    def apply(self, group_id: str, actor: str, if_match: Expected = None) -> ApplyRecord:
        """Checked now (400 on any fault, nothing written); then run in the background."""
        held = self.settings.get(group_id)
        check_version(if_match, held.version, "Launch settings")
        if held.version == 0:
            raise Conflict(
                "LAUNCH_SETTINGS_NOT_SAVED",
                "This group has no launch settings to apply: save some first (PUT "
                "launch-settings, or `drs-orchestrator pg launch-settings set`).",
            )
        group, members = self.settings.group(group_id)
        servers = self.settings.check(group, members, held.settings)
        apply_id = str(uuid.uuid4())
        now = self.ctx.now()
        try:
            with self.ctx.write() as conn:
                applies.fail_stale(conn, group_id, now - STALE_AFTER)
                applies.insert(
                    conn,
                    apply_id=apply_id,
                    group_id=group_id,
                    settings_version=held.version,
                    servers=len(servers),
                    actor=actor,
                    now=now,
                )
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="apply",
                    resource_type=RESOURCE,
                    resource_id=group_id,
                    after={"applyId": apply_id, "settingsVersion": held.version},
                )
        except IntegrityError:
            raise self._in_progress(group_id) from None
        self._futures[apply_id] = self._runs.submit(self._run, apply_id, group, servers, actor)
        return self.view(group_id, apply_id).record

    def _in_progress(self, group_id: str) -> Conflict:
        with self.ctx.read() as conn:
            running = applies.running(conn, group_id)
        return Conflict(
            "APPLY_IN_PROGRESS",
            "Launch settings are being applied to this group already; follow that apply, "
            "then apply again if needed.",
            {"applyId": running.id if running else None},
        )

    def _run(self, apply_id: str, group: GroupRecord, servers: list[Effective], actor: str) -> None:
        tally: Counter[str] = Counter()
        counting = threading.Lock()
        try:
            writer = LaunchWriter(self.ctx.drs, group.account_id, group.region)

            def one(desired: Effective) -> None:
                outcome = apply_server(writer, desired)
                self._record(apply_id, group.id, outcome, actor)
                with counting:
                    tally[outcome.kind] += 1

            self._each(servers, one)
        except Exception as error:  # the apply failed as a whole (DRS, the database): say why
            log.exception("launch settings apply %s failed", apply_id)
            self._finish(apply_id, applies.FAILED, tally, str(error))
            return
        self._finish(apply_id, applies.FAILED if tally["failed"] else applies.COMPLETED, tally)

    def _record(self, apply_id: str, group_id: str, outcome: Outcome, actor: str) -> None:
        now = self.ctx.now()
        with self.ctx.write() as conn:
            record_outcome(conn, group_id, outcome, apply_id=apply_id, actor=actor, now=now)
            applies.beat(conn, apply_id, now)

    def _finish(
        self, apply_id: str, state: str, tally: Counter[str], error: str | None = None
    ) -> None:
        with self.ctx.write() as conn:
            applies.finish(
                conn,
                apply_id,
                state=state,
                now=self.ctx.now(),
                changed=tally["changed"],
                unchanged=tally["unchanged"],
                failed=tally["failed"],
                error=error,
            )

    def view(self, group_id: str, apply_id: str) -> ApplyView:
        with self.ctx.read() as conn:
            record = applies.get(conn, group_id, apply_id)
            if record is None:
                if groups.get(conn, group_id) is None:
                    raise not_found(group_id)
                raise NotFound("APPLY_NOT_FOUND", f"Apply {apply_id} not found in {group_id}")
            return ApplyView(record, applies.failures(conn, group_id, apply_id))

    def settle(self, apply_ids: Iterable[str] | None = None, timeout: float = 60) -> None:
        """Wait for applies started by this process to end (tests, the bench)."""
        for apply_id in list(apply_ids or self._futures):
            future = self._futures.get(apply_id)
            if future is not None:
                future.result(timeout)

    def close(self) -> None:
        self._runs.shutdown(wait=True)


def _read(writer: LaunchWriter, server_id: str) -> HeldLaunch | str:
    try:
        return writer.held(server_id)
    except LaunchCallError as error:
        return str(error)


def _status(
    e: Effective, read: HeldLaunch | str, last: ServerApplied | None, hostname: str
) -> ServerStatus:
    applied = None if last is None else last.state == applies.APPLIED
    if isinstance(read, str):
        return ServerStatus(e.server_id, hostname, SyncState.FAILED, e, [], {}, last, read)
    have = actual(read.template_data, read.configuration)
    diff = differing(e, have)
    state = sync_state(applied, bool(diff))
    error = last.error if last is not None and state is SyncState.FAILED else None
    held = {n: jsonable(have.get(to_snake(n))) for n in diff}
    return ServerStatus(e.server_id, hostname, state, e, diff, held, last, error)
