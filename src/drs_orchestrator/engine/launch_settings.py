"""Launch settings before a wave's DRS launch, as the plan says (`launchSettings`): applied
again to the batch's servers (`reapply`), or compared with what DRS and the templates hold
(`check`). Either way the launch goes on; what was found is said in the execution's timeline.

Only servers whose group has launch settings are looked at; the others launch with whatever
DRS holds, as they would without this."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from drs_orchestrator.domain import display
from drs_orchestrator.domain.launch_settings import (
    Effective,
    LaunchSettings,
    Server,
    actual,
    differing,
    effective,
    failback_effective,
)
from drs_orchestrator.drs.gateway import DrsGateway
from drs_orchestrator.drs.launch import LaunchCallError, LaunchWriter, Outcome, apply_server
from drs_orchestrator.store import audit
from drs_orchestrator.store import launch_applies as applies
from drs_orchestrator.store.launch_applies import ServerApplied
from drs_orchestrator.store.tables import group_servers, launch_settings

PARALLEL_SERVERS = 4
RESOURCE = "launch-settings"


@dataclass(frozen=True)
class Found:
    """What was done or seen of a batch's launch settings, in a sentence."""

    summary: str
    failed: int = 0


class LaunchPrep:
    def __init__(self, db: sa.Engine, gateway: DrsGateway) -> None:
        self.db, self.gateway = db, gateway

    def _desired(
        self, place: tuple[str, str], server_ids: Sequence[str]
    ) -> tuple[dict[str, Effective], dict[str, str], dict[str, str]]:
        """Each server's effective settings, group and hostname, for those whose group has
        launch settings."""
        account, region = place
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(
                    group_servers.c.source_server_id,
                    group_servers.c.group_id,
                    launch_settings.c.document,
                )
                .join(launch_settings, launch_settings.c.id == group_servers.c.group_id)
                .where(
                    group_servers.c.account_id == account,
                    group_servers.c.region == region,
                    group_servers.c.source_server_id.in_(list(server_ids)),
                )
            ).all()
        if not rows:
            return {}, {}, {}
        settings = {r.source_server_id: LaunchSettings.model_validate(r.document) for r in rows}
        group_of = {r.source_server_id: r.group_id for r in rows}
        facts = self.gateway.source_servers(account, region, sorted(settings))
        return (
            {
                f.source_server_id: effective(
                    settings[f.source_server_id], Server(f.source_server_id, f.tags, f.ips)
                )
                for f in facts
                if f.source_server_id in settings
            },
            group_of,
            {f.source_server_id: f.hostname for f in facts},
        )

    def _failback_desired(
        self, brings_home: Mapping[str, str]
    ) -> tuple[dict[str, Effective], dict[str, str], dict[str, str]]:
        """Each reversed server's failback settings, from the group of the server it brings
        home (`brings_home`: reversed ID -> the group's own), whose tags and addresses DRS
        says in the recovery region; for those whose group has failback settings."""
        launched_as = {home: reversed_ for reversed_, home in brings_home.items()}
        with self.db.connect() as conn:
            rows = conn.execute(
                sa.select(
                    group_servers.c.source_server_id,
                    group_servers.c.group_id,
                    group_servers.c.account_id,
                    group_servers.c.region,
                    launch_settings.c.document,
                )
                .join(launch_settings, launch_settings.c.id == group_servers.c.group_id)
                .where(group_servers.c.source_server_id.in_(list(launched_as)))
            ).all()
        failback = {
            r.source_server_id: (r, fb)
            for r in rows
            if (fb := LaunchSettings.model_validate(r.document).failback) is not None
        }
        by_place: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r, _ in failback.values():
            by_place[(r.account_id, r.region)].append(r.source_server_id)
        desired: dict[str, Effective] = {}
        group_of: dict[str, str] = {}
        names: dict[str, str] = {}
        for place, ids in by_place.items():
            for f in self.gateway.source_servers(*place, sorted(ids)):
                row, settings = failback[f.source_server_id]
                as_ = launched_as[f.source_server_id]
                server = Server(f.source_server_id, f.tags, f.ips)
                desired[as_] = failback_effective(settings, server, as_)
                group_of[as_], names[as_] = row.group_id, f.hostname
        return desired, group_of, names

    def prepare(
        self,
        place: tuple[str, str],
        server_ids: Sequence[str],
        *,
        reapply: bool,
        execution_id: str,
        actor: str,
        now: datetime,
        brings_home: Mapping[str, str] | None = None,
    ) -> Found | None:
        """None when no server of the batch has launch settings. `brings_home`: a
        failback's batch (reversed ID -> the group's server), whose failback settings are
        wanted instead; its reversed servers exist only since the reprotect, so they hold
        nothing of ours to check and a caller applies them (`reapply`)."""
        if brings_home is not None:
            desired, group_of, names = self._failback_desired(brings_home)
        else:
            desired, group_of, names = self._desired(place, server_ids)
        if not desired:
            return None
        writer = LaunchWriter(self.gateway, *place)
        if reapply:
            outcomes = self._reapply(writer, list(desired.values()))
            with self.db.begin() as conn:
                for o in outcomes:
                    record_outcome(
                        conn, group_of[o.server_id], o, apply_id=execution_id, actor=actor, now=now
                    )
            return _reapplied(outcomes, names, brings_home is not None)
        return self._check(writer, list(desired.values()), names)

    @staticmethod
    def _check(writer: LaunchWriter, desired: list[Effective], names: dict[str, str]) -> Found:
        def drift(e: Effective) -> str | None:
            name = names.get(e.server_id, e.server_id)
            try:
                held = writer.held(e.server_id)
            except LaunchCallError as error:
                return f"{name} (cannot be read: {error})"
            diff = differing(e, actual(held.template_data, held.configuration))
            return f"{name} ({', '.join(diff)})" if diff else None

        with ThreadPoolExecutor(max_workers=PARALLEL_SERVERS) as pool:
            found = [d for d in pool.map(drift, desired) if d]
        if not found:
            return Found(f"checked, {display.plural(len(desired), 'server')} in sync")
        return Found(
            f"checked, {display.plural(len(found), 'server')} of {len(desired)} drifted "
            f"(launching as DRS holds them): {'; '.join(found)}"
        )

    @staticmethod
    def _reapply(writer: LaunchWriter, desired: list[Effective]) -> list[Outcome]:
        with ThreadPoolExecutor(max_workers=PARALLEL_SERVERS) as pool:
            return list(pool.map(lambda e: apply_server(writer, e), desired))


def _reapplied(outcomes: list[Outcome], names: dict[str, str], failback: bool = False) -> Found:
    changed = [o for o in outcomes if o.changed and not o.error]
    failed = [o for o in outcomes if o.error]
    done = "failback settings applied" if failback else "re-applied"
    parts = [f"{done} to {display.plural(len(outcomes), 'server')}"]
    parts.append(f"{len(changed)} changed" if changed else "none needed a change")
    if failed:
        parts.append(
            f"{len(failed)} failed (launching as DRS holds them): "
            + "; ".join(f"{names.get(o.server_id, o.server_id)}: {o.error}" for o in failed)
        )
    return Found(", ".join(parts), len(failed))


def record_outcome(
    conn: sa.Connection,
    group_id: str,
    o: Outcome,
    *,
    apply_id: str,
    actor: str,
    now: datetime,
) -> None:
    """What an apply (or an execution's re-apply, `apply_id` its ID) did to a server, and
    the change, audited with what it replaced."""
    state = applies.FAILED if o.error else applies.APPLIED
    done = ServerApplied(
        o.server_id, apply_id, state, now, actor, o.changed, o.template_version, o.error
    )
    applies.record_server(conn, group_id, done)
    if o.changed:
        audit.record(
            conn,
            at=now,
            actor=actor,
            action="apply-server",
            resource_type=RESOURCE,
            resource_id=f"{group_id}/{o.server_id}",
            before=o.before,
            after={**o.after, "templateVersion": o.template_version, "applyId": apply_id},
        )
