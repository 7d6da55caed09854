"""The recovery snapshots an execution's servers may launch from, asked of DRS at its start:
what an operator's point in time or chosen snapshots resolve to, refused field by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from drs_orchestrator.domain.errors import InvalidInput, Violation
from drs_orchestrator.domain.snapshots import RecoverySnapshot, at_or_before, none_before
from drs_orchestrator.drs.gateway import DrsGateway
from drs_orchestrator.engine.core.state import ExecutionState, ServerRun


@dataclass(frozen=True)
class Choice:
    """What the operator asked: a point in time for the plan, and snapshots per server (by
    the plan's server ID; they win over the point in time)."""

    point_in_time: datetime | None = None
    snapshots: Mapping[str, str] | None = None

    @property
    def empty(self) -> bool:
        return self.point_in_time is None and not self.snapshots


@dataclass(frozen=True)
class ServerSnapshots:
    """One server of a plan and the points in time the server it launches has."""

    server_id: str  # the plan's
    launches: ServerRun  # where the mode launches it (a failback: its reversed server)
    snapshots: list[RecoverySnapshot]  # newest first


def plan_server(run: ServerRun) -> str:
    return run.brings_home or run.server_id


def listed(
    gateway: DrsGateway, draft: ExecutionState, before: datetime | None = None
) -> list[ServerSnapshots]:
    """Each server's recovery snapshots (taken at or before `before` when given)."""
    return [
        ServerSnapshots(
            plan_server(run),
            run,
            []  # on premises, a failback launches from what its client replicated last
            if run.failback_instance_id
            else gateway.recovery_snapshots(run.account_id, run.region, run.server_id, before),
        )
        for run in draft.servers.values()
    ]


def resolve(
    gateway: DrsGateway, draft: ExecutionState, choice: Choice, now: datetime
) -> tuple[dict[str, RecoverySnapshot], dict[str, RecoverySnapshot]]:
    """(pinned, resolved) by the server launched; InvalidInput naming each field that cannot
    be honoured (nothing is started)."""
    wanted = dict(choice.snapshots or {})
    errors: list[Violation] = []
    moment = choice.point_in_time
    if moment is not None and moment > now:
        errors.append(
            Violation(
                "pointInTime",
                "POINT_IN_TIME_IN_FUTURE",
                f"{moment.isoformat()} is later than now ({now.isoformat()}): a recovery "
                "snapshot is of the past",
            )
        )
    runs = {plan_server(r): r for r in draft.servers.values()}
    errors += _on_premises(runs.values(), wanted, moment)
    for sid in sorted(set(wanted) - set(runs)):
        errors.append(
            Violation(
                f"snapshots.{sid}",
                "SERVER_NOT_IN_EXECUTION",
                f"{sid} is not a server this {draft.mode} launches",
            )
        )
    if errors:
        raise InvalidInput(errors, code=errors[0].code)
    pinned: dict[str, RecoverySnapshot] = {}
    resolved: dict[str, RecoverySnapshot] = {}
    for item in listed(gateway, _only(draft, wanted, moment)):
        run, name = item.launches, f"{item.launches.hostname or item.server_id} ({item.server_id})"
        if item.server_id in wanted:
            found = next(
                (s for s in item.snapshots if s.snapshot_id == wanted[item.server_id]), None
            )
            if found is None:
                errors.append(_unknown(item, wanted[item.server_id], name))
            else:
                pinned[run.server_id] = found
        elif moment is not None:
            best = at_or_before(item.snapshots, moment)
            if best is None:
                errors.append(
                    Violation(
                        "pointInTime",
                        "NO_RECOVERY_SNAPSHOT",
                        none_before(name, moment, item.snapshots),
                    )
                )
            else:
                resolved[run.server_id] = best
    if errors:
        raise InvalidInput(errors, code=errors[0].code)
    return pinned, resolved


def _on_premises(
    runs: Iterable[ServerRun], wanted: Mapping[str, str], moment: datetime | None
) -> list[Violation]:
    """StartFailbackLaunch takes no snapshot: a server going home on premises launches from
    what its Failback Client replicated last."""
    out = []
    for run in runs:
        if run.failback_instance_id is None:
            continue
        sid = plan_server(run)
        if sid not in wanted and moment is None:
            continue
        out.append(
            Violation(
                f"snapshots.{sid}" if sid in wanted else "pointInTime",
                "SNAPSHOT_NOT_ON_PREMISES",
                f"{run.hostname or sid} ({sid}) goes home on premises (StartFailbackLaunch), "
                "which launches from the data its Failback Client replicated last: DRS takes "
                "no recovery snapshot for it",
            )
        )
    return out


def _only(
    draft: ExecutionState, wanted: Mapping[str, str], moment: datetime | None
) -> ExecutionState:
    """The draft with only the servers whose snapshots must be asked for."""
    keep = {
        sid: run
        for sid, run in draft.servers.items()
        if moment is not None or plan_server(run) in wanted
    }
    return draft.model_copy(update={"servers": keep})


def _unknown(item: ServerSnapshots, snapshot_id: str, name: str) -> Violation:
    latest = ", ".join(f"{s.snapshot_id} ({s.taken_at.isoformat()})" for s in item.snapshots[:3])
    return Violation(
        f"snapshots.{item.server_id}",
        "UNKNOWN_RECOVERY_SNAPSHOT",
        f"{snapshot_id} is not a recovery snapshot of {name}"
        + (f"; its latest: {latest}" if latest else "; it has none yet"),
    )
