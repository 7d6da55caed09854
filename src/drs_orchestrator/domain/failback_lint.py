"""Readiness lint on the way home: while a plan's workloads run in the recovery region, what
would keep its failback from starting, server by server, with the step that fixes it.

The rules are the failback's own (`failback.blocking`), so lint and the refusal of a start
never disagree; lint also says which launch type each on-premises client allows, which
only matters to the mode an operator picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drs_orchestrator.domain import display
from drs_orchestrator.domain.errors import Violation
from drs_orchestrator.domain.failback import ON_PREMISES, Leg, ServerLeg, blocking
from drs_orchestrator.domain.findings import Finding, Severity
from drs_orchestrator.domain.site import AWAY, SiteState, label

# A server's step -> the finding that says it keeps the failback from starting.
_CODES: dict[Leg, str] = {
    Leg.RECOVERED: "FAILBACK_NOT_REPLICATING",
    Leg.AWAITING_CLIENT: "FAILBACK_CLIENT_NOT_SEEN",
    Leg.REPLICATING_BACK: "FAILBACK_REPLICATION_SYNCING",
    Leg.STALLED: "FAILBACK_REPLICATION_STALLED",
}


@dataclass(frozen=True)
class Away:
    """Where a plan stands when it is not protected at its origin: its site state and each
    server's step home with its wave; `error` when DRS could not say."""

    state: SiteState
    servers: Sequence[tuple[str, ServerLeg]]
    error: str | None = None
    # What EC2 at the origin would refuse of the groups' failback settings (by group name).
    launch_faults: Sequence[tuple[str, Violation]] = ()


def is_away(state: SiteState) -> bool:
    """The states in which the plan's next run is a failback, so lint checks for that."""
    return state in AWAY


# The step that brings a plan home from where it stands.
_NEXT: dict[SiteState, str] = {
    SiteState.RECOVERED: "Reprotect the plan, then fail back once every server replicates back",
    SiteState.REPROTECTING: "Let the reprotect end: fail back once every server replicates back",
    SiteState.REPROTECTED: "Fail back, or rehearse it first with a failback drill",
    SiteState.FAILING_BACK: "Follow the running failback to its end",
}


def failback_findings(away: Away) -> list[Finding]:
    """What keeps the plan's failback from starting, after a note that lint checks that."""
    found = [
        Finding(
            "info",
            "SITE_AWAY",
            f"The plan is {label(away.state).lower()} ({away.state}): its workloads run in "
            "the recovery region, so these findings are for its failback",
            _NEXT.get(away.state, "Bring it home: reprotect, then fail back"),
        )
    ]
    if away.error is not None:
        return [
            *found,
            Finding(
                "error",
                "FAILBACK_UNCHECKED",
                f"DRS could not say where the servers stand: {away.error}",
                "Check DRS's availability and the orchestrator's permissions, then lint again",
            ),
        ]
    found += [
        Finding(
            "error",
            v.code,
            f"{group}: {v.field}: {v.message}",
            "Correct the group's failback settings: EC2 at the origin would refuse this launch",
        )
        for group, v in away.launch_faults
    ]
    wave_of = {s.server_id: wave for wave, s in away.servers}
    for server, why in blocking([s for _, s in away.servers], home=False):
        if not _client_only(server):  # a client for the other launch type: said below
            found.append(_held(server, why, wave_of[server.server_id]))
    for wave, server in away.servers:
        if _client_only(server):
            found += _client_launch(server, wave)
    return found


def _client_only(server: ServerLeg) -> bool:
    """Replicating back and ready on premises: only its client's launch type may stand in
    the way, and that depends on the mode run."""
    return (
        server.leg == Leg.READY
        and server.origin == ON_PREMISES
        and server.recovery_instance_id is not None
    )


def _held(server: ServerLeg, why: str, wave: str) -> Finding:
    name = f"{server.hostname} ({server.server_id})"
    code = _CODES.get(server.leg, "FAILBACK_NOT_READY")
    state = f" ({display.replication(server.replication)})" if server.replication else ""
    message = f"{name}: {_STEP[server.leg]}{state}" if server.leg in _STEP else f"{name}: {why}"
    if server.error:
        message += f"; DRS reports {server.error}"
    return Finding("error", code, message, why, wave, server.server_id)


_STEP = {
    Leg.RECOVERED: "runs in the recovery region and does not replicate back",
    Leg.AWAITING_CLIENT: "DRS has not heard from a DRS Failback Client for it on premises",
    Leg.REPLICATING_BACK: "its replication back is not yet continuous",
    Leg.STALLED: "its replication back is stalled",
}


# A client's launch type -> how lint rates it, what it allows, and what to choose for the other.
_CLIENT_TYPES: dict[str, tuple[Severity, str, str, str]] = {
    "RECOVERY": ("info", "a failback may run, a failback drill would be refused", "DRILL",
                 "failback drill"),
    "DRILL": ("warning", "a failback drill may run, a failback would be refused", "RECOVERY",
              "failback"),
}  # fmt: skip


def _client_launch(server: ServerLeg, wave: str) -> list[Finding]:
    """An on-premises client launches one type only: a failback needs RECOVERY, its drill
    DRILL. Either is a choice, said by how much it allows; a client that says neither keeps
    both from starting."""
    name = f"{server.hostname} ({server.server_id})"
    known = _CLIENT_TYPES.get(server.launch_type or "")
    if known is not None:
        severity, allows, other, run = known
        message = (
            f"{name}: its DRS Failback Client was started for a {server.launch_type} launch: "
            f"{allows}"
        )
    else:
        severity, other, run = "error", "RECOVERY (or DRILL)", "failback (or its drill)"
        message = (
            f"{name}: DRS does not say what its DRS Failback Client launches: a failback and "
            "its drill would both be refused"
        )
    fix = f"Restart the client on the machine and choose {other} before running a {run}"
    return [Finding(severity, "FAILBACK_CLIENT_LAUNCH_TYPE", message, fix, wave, server.server_id)]
