"""Where each server stands on its way home, from what DRS says of it (mapped by `drs/`).

An AWS origin goes home through a reversed source server in its origin region (its
replication back is that server's); an on-premises one through the DRS Failback Client
(its recovery instance's `failback.state`). `leg` names the step a server is at and what it
waits for; `synced` says when a whole plan may fail back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from drs_orchestrator.domain.servers import CONTINUOUS, ServerFacts

AWS = "AWS"
ON_PREMISES = "ON_PREMISES"
READY_FOR_LAUNCH = "FAILBACK_READY_FOR_LAUNCH"
# Replication states that are under way but not yet continuous.
_SYNCING = {"INITIATING", "INITIAL_SYNC", "BACKLOG", "CREATING_SNAPSHOT", "RESCAN"}
_BROKEN = {"STALLED", "DISCONNECTED", "PAUSED"}


@dataclass(frozen=True)
class InstanceFacts:
    """A recovery instance as DRS reports it, with its way home."""

    recovery_instance_id: str
    source_server_id: str
    ec2_state: str
    is_drill: bool
    origin: str  # AWS | ON_PREMISES
    job_id: str | None = None
    failback_state: str = "FAILBACK_NOT_STARTED"
    failback_launch_type: str | None = None
    failback_job_id: str | None = None
    back_replication: str | None = None  # the replication back's dataReplicationState
    back_error: str | None = None  # "ERROR: rawError" when DRS reports one
    ec2_instance_id: str | None = None

    @property
    def alive(self) -> bool:
        return self.ec2_state not in {"TERMINATED", "SHUTTING-DOWN", "NOT_FOUND"}


class Leg(StrEnum):
    """One server's step on the way home (the API's and console's names)."""

    NOT_RECOVERED = "NOT_RECOVERED"  # no recovery's instance runs for it
    RECOVERED = "RECOVERED"  # running in the recovery region, not replicating back
    AWAITING_CLIENT = "AWAITING_CLIENT"  # on premises: boot the DRS Failback Client there
    REPLICATING_BACK = "REPLICATING_BACK"  # initial sync of the replication back
    READY = "READY"  # replicating back continuously: may fail back
    STALLED = "STALLED"  # the replication back reports an error
    FAILED_BACK = "FAILED_BACK"  # launched at its origin
    PROTECTING = "PROTECTING"  # at its origin, replicating into the recovery region again
    PROTECTED = "PROTECTED"  # at its origin, replicating into the recovery region continuously


@dataclass(frozen=True)
class ServerLeg:
    server_id: str
    hostname: str
    origin: str  # AWS | ON_PREMISES
    leg: Leg
    recovery_instance_id: str | None = None
    reversed_server_id: str | None = None  # AWS origins, once reversed
    reversed_region: str | None = None
    reversed_account: str | None = None
    home_instance_id: str | None = None  # AWS origins, once failed back: its instance there
    replication: str | None = None  # of the replication back, as DRS says it
    error: str | None = None
    launch_type: str | None = None  # on premises: what its Failback Client launches (DRILL...)

    @property
    def next_step(self) -> str:
        if self.origin == ON_PREMISES and self.leg == Leg.FAILED_BACK:
            return _ON_PREMISES_HOME
        return _NEXT[self.leg]


_NEXT = {
    Leg.NOT_RECOVERED: "Nothing to bring home: no recovery instance runs for it",
    Leg.RECOVERED: "Reprotect: replicate it back",
    Leg.AWAITING_CLIENT: "Boot the DRS Failback Client on the on-premises machine",
    Leg.REPLICATING_BACK: "Wait for the replication back to become continuous",
    Leg.READY: "Fail back",
    Leg.STALLED: "Fix the replication back (see the error), then reprotect again",
    Leg.FAILED_BACK: "Running at its origin: reprotect to protect it again",
    Leg.PROTECTING: "Wait for its replication into the recovery region to become continuous",
    Leg.PROTECTED: "Protected again in the original direction",
}
_ON_PREMISES_HOME = (
    "Running on premises again: start (or reinstall) the AWS Replication Agent on it so DRS "
    "replicates it into the recovery region again"
)


def arn_id(arn: str) -> str:
    return arn.rpartition("/")[2]


def arn_region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def recovered_instance(instances: Iterable[InstanceFacts]) -> InstanceFacts | None:
    """The live instance of a recovery (not a drill) for a server, if any."""
    live = [i for i in instances if i.alive and not i.is_drill]
    return live[-1] if live else None


def leg(
    server: ServerFacts,
    instance: InstanceFacts | None,
    reversed_server: ServerFacts | None,
    home: InstanceFacts | None = None,
) -> ServerLeg:
    """`reversed_server`: the server `server.reversed_server_arn` names (AWS origins);
    `home`: its live recovery instance at the origin, once a failback launched it."""
    origin = ON_PREMISES if server.origin_region is None else AWS
    base = ServerLeg(
        server_id=server.source_server_id,
        hostname=server.hostname,
        origin=origin,
        leg=Leg.NOT_RECOVERED,
        recovery_instance_id=instance.recovery_instance_id if instance else None,
        reversed_server_id=reversed_server.source_server_id if reversed_server else None,
        reversed_region=server.origin_region if reversed_server else None,
        reversed_account=(
            arn_account(server.reversed_server_arn)
            if reversed_server and server.reversed_server_arn
            else None
        ),
    )
    if origin == AWS and reversed_server is not None and home is not None:
        return _home_leg(replace(base, home_instance_id=home.recovery_instance_id), server, home)
    if instance is None:
        return base
    if origin == AWS:
        return _aws_leg(base, instance, reversed_server)
    return _on_premises_leg(base, instance, server.replication_state)


def _aws_leg(
    base: ServerLeg, instance: InstanceFacts, reversed_server: ServerFacts | None
) -> ServerLeg:
    back = instance.back_replication
    if reversed_server is None or back is None:
        return _with(base, Leg.RECOVERED)
    return _replicating(
        base,
        reversed_server.replication_state,
        instance.back_error,
        Leg.READY,
        Leg.REPLICATING_BACK,
    )


def _home_leg(base: ServerLeg, server: ServerFacts, home: InstanceFacts) -> ServerLeg:
    """Failed back: then protected again by its instance at the origin replicating into
    the server it first replicated to (its replication state is that server's)."""
    if home.back_replication is None:
        return _with(base, Leg.FAILED_BACK)
    return _replicating(
        base, server.replication_state, home.back_error, Leg.PROTECTED, Leg.PROTECTING
    )


def _replicating(
    base: ServerLeg, state: str | None, error: str | None, done: Leg, going: Leg
) -> ServerLeg:
    """A replication under way: `done` once CONTINUOUS, stalled when broken or DRS reports
    an error, `going` meanwhile."""
    if state == CONTINUOUS:
        return _with(base, done, state)
    if state in _BROKEN or error:
        return _with(base, Leg.STALLED, state, error)
    return _with(base, going, state)


def _on_premises_leg(base: ServerLeg, instance: InstanceFacts, source: str | None) -> ServerLeg:
    """`source`: the replication state of the plan's source server (the machine on premises
    replicating into the recovery region), which says it is protected again once home."""
    state, back = instance.failback_state, instance.back_replication
    base = replace(base, launch_type=instance.failback_launch_type)
    if state == "FAILBACK_COMPLETED":
        return _with(base, Leg.PROTECTED if source == CONTINUOUS else Leg.FAILED_BACK, source)
    if state == READY_FOR_LAUNCH:
        return _with(base, Leg.READY, back)
    if state == "FAILBACK_ERROR" or instance.back_error:
        return _with(base, Leg.STALLED, back, instance.back_error)
    if state == "FAILBACK_IN_PROGRESS" and back in _SYNCING | {None}:
        return _with(base, Leg.REPLICATING_BACK, back)
    return _with(base, Leg.AWAITING_CLIENT, back)


def _with(
    base: ServerLeg, step: Leg, replication: str | None = None, error: str | None = None
) -> ServerLeg:
    return replace(base, leg=step, replication=replication, error=error)


@dataclass(frozen=True)
class Home:
    """Where a failback launches one of a plan's servers. An AWS origin: its reversed source
    server, which replicates it back into its origin region, recovered there. On premises
    (`recovery_instance_id` set): the plan's own server, in the recovery region, whose
    recovery instance StartFailbackLaunch launches onto the machine its client runs on."""

    server_id: str
    account_id: str
    region: str
    recovery_instance_id: str | None = None


def home_of(server: ServerLeg, place: tuple[str, str], drill: bool = False) -> Home | None:
    """Where the server goes home (`place`: its account and recovery region), once it
    replicates back continuously and, on premises, its client launches what is asked."""
    if _not_home_yet(server, drill) is not None:
        return None
    if server.origin == ON_PREMISES:
        assert server.recovery_instance_id is not None
        return Home(server.server_id, *place, recovery_instance_id=server.recovery_instance_id)
    assert server.reversed_server_id is not None
    assert server.reversed_account is not None
    assert server.reversed_region is not None
    return Home(server.reversed_server_id, server.reversed_account, server.reversed_region)


def _not_home_yet(server: ServerLeg, drill: bool) -> str | None:
    """Why a failback (`drill`: its rehearsal) cannot launch the server now, or None."""
    if server.leg != Leg.READY:
        return server.next_step
    if server.origin == ON_PREMISES:
        if server.recovery_instance_id is None:
            return "DRS lists no recovery instance for it"
        wanted = "DRILL" if drill else "RECOVERY"
        if server.launch_type != wanted:
            return (
                f"on premises: its DRS Failback Client was started for a "
                f"{server.launch_type or 'unknown'} launch; this needs {wanted} (restart the "
                "client and choose it)"
            )
        return None
    if not (server.reversed_server_id and server.reversed_account and server.reversed_region):
        return "DRS names no reversed source server for it"
    return None


def blocking(
    legs: Iterable[ServerLeg], home: bool, drill: bool = False
) -> list[tuple[ServerLeg, str]]:
    """What keeps a plan from its next step, with why: failing back (`drill`: rehearsing
    it), which needs every recovered server replicating back, or, once `home`, being
    protected again."""
    if home:
        return [(s, s.next_step) for s in legs if s.leg not in {Leg.NOT_RECOVERED, Leg.PROTECTED}]
    done = {Leg.NOT_RECOVERED, Leg.FAILED_BACK, Leg.PROTECTING, Leg.PROTECTED}
    return [
        (s, why) for s in legs if s.leg not in done and (why := _not_home_yet(s, drill)) is not None
    ]


def synced(legs: Iterable[ServerLeg], to: Leg = Leg.READY) -> bool:
    """Every recovered server replicates continuously, back (`to` READY) or, once home, in
    the original direction (`to` PROTECTED); and at least one does."""
    recovered = [s for s in legs if s.leg != Leg.NOT_RECOVERED]
    return bool(recovered) and all(s.leg == to for s in recovered)


STOP_FAILBACK, DISCONNECT_INSTANCE = "StopFailback", "DisconnectRecoveryInstance"
STOP_INSTANCE = "StopInstances"  # EC2's, asked for: the instance no longer runs (or bills)
# EC2 states of an instance that is stopped already, on its way there, or gone.
_NOT_RUNNING = {"STOPPING", "STOPPED", "SHUTTING-DOWN", "TERMINATED", "NOT_FOUND"}
# A replication back that has ended (or never began): nothing for StopFailback to stop
_NOT_REPLICATING = {None, "STOPPED", "NOT_STARTED", "REPLICATION_STATE_NOT_AVAILABLE"}


def release_calls(
    server: ServerLeg, instance: InstanceFacts | None, stop_instance: bool = False
) -> tuple[list[str], str | None]:
    """The calls that take a server's recovery-region instance out of DRS (EC2 keeps it,
    stopped first if asked), in order, or why none may be made: only once it is home and
    protected again, so the copy released is never the one still serving. DRS refuses to
    disconnect an instance that replicates back, so that is stopped first; EC2's stop comes
    before the disconnect, so a refused stop leaves the instance in DRS to ask again."""
    if server.leg != Leg.PROTECTED:
        return [], f"{server.leg.value}: {server.next_step}"
    if instance is None:
        return [], "DRS lists no recovery instance of it in the recovery region"
    calls = [] if instance.back_replication in _NOT_REPLICATING else [STOP_FAILBACK]
    if stop_instance and instance.ec2_instance_id and instance.ec2_state not in _NOT_RUNNING:
        calls.append(STOP_INSTANCE)
    return [*calls, DISCONNECT_INSTANCE], None
