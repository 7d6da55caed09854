"""What each mode of execution means, in one table: who may run it, what it asks first, how
its waves start and end. Adding a mode is a row here plus its DRS call in the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.roles import Permission
from drs_orchestrator.domain.site import SiteAction


class LaunchCall(StrEnum):
    """The DRS call that starts a wave's servers (the engine keeps one caller per value)."""

    START_DRILL = "StartRecovery(isDrill=true)"
    START_RECOVERY = "StartRecovery(isDrill=false)"


@dataclass(frozen=True)
class ModePolicy:
    mode: Mode
    label: str
    permission: Permission  # to start the execution and to steer it
    confirm_plan_name: bool  # the plan's name must be typed to start it
    awaits_post_launch: bool  # a server is ready only once DRS's post-launch actions end
    scheduled_cleanup: bool  # may terminate its instances by itself, a set time after it ends
    # Terminating its instances (clean-up, or cancel with terminate) needs this too: a
    # recovery's instances are the workloads, a drill's are disposable.
    terminate_permission: Permission | None
    keeps_instances: bool  # its instances are the workloads, not left-overs to clean up
    launch: LaunchCall
    # Where it launches the plan's servers: the source servers themselves, in the recovery
    # region, or their reversed source servers, at their origin (a failback).
    home: bool
    summary: str  # what starting it does, in words (the console's start dialog says it)
    # The plan's site state must allow this to start it (None: any state may)
    site_action: SiteAction | None
    drill: bool  # DRS counts it as a drill (DRS:DrillId tag, "last drilled" in readiness)


MODES: Mapping[Mode, ModePolicy] = {
    Mode.DRILL: ModePolicy(
        mode=Mode.DRILL,
        label="Drill",
        permission=Permission.RUN_DRILL,
        confirm_plan_name=False,
        awaits_post_launch=False,
        scheduled_cleanup=True,
        terminate_permission=None,
        keeps_instances=False,
        launch=LaunchCall.START_DRILL,
        home=False,
        summary="launches the plan's servers as isolated recovery instances in the recovery "
        "region; replication goes on",
        site_action=None,
        drill=True,
    ),
    Mode.RECOVERY: ModePolicy(
        mode=Mode.RECOVERY,
        label="Recovery",
        permission=Permission.RUN_RECOVERY,
        confirm_plan_name=True,
        awaits_post_launch=True,
        scheduled_cleanup=False,
        terminate_permission=Permission.TERMINATE,
        keeps_instances=True,
        launch=LaunchCall.START_RECOVERY,
        home=False,
        summary="launches every server of the plan in the recovery region as production "
        "instances, which are not cleaned up",
        site_action=SiteAction.RECOVER,
        drill=False,
    ),
    # After a reprotect: each server's reversed source server (replicating back to its
    # origin region) is recovered there, with the plan's waves, hooks and approvals.
    Mode.FAILBACK: ModePolicy(
        mode=Mode.FAILBACK,
        label="Failback",
        permission=Permission.RUN_RECOVERY,
        confirm_plan_name=True,
        awaits_post_launch=False,
        scheduled_cleanup=False,
        terminate_permission=Permission.TERMINATE,
        keeps_instances=True,
        launch=LaunchCall.START_RECOVERY,
        home=True,
        summary="launches every server of the plan back at its origin from its replication "
        "back (on premises, through its DRS Failback Client), as production instances; the "
        "recovery-region instances keep running until you release them, once the plan is "
        "protected again",
        site_action=SiteAction.FAILBACK,
        drill=False,
    ),
    # The same servers at the origin, as isolated drill instances cleaned up after: the way
    # home rehearsed while the workloads go on running in the recovery region.
    Mode.FAILBACK_DRILL: ModePolicy(
        mode=Mode.FAILBACK_DRILL,
        label="Failback drill",
        permission=Permission.RUN_DRILL,
        confirm_plan_name=False,
        awaits_post_launch=False,
        scheduled_cleanup=True,
        terminate_permission=None,
        keeps_instances=False,
        launch=LaunchCall.START_DRILL,
        home=True,
        summary="launches the plan's servers at their origin from their replication back, as "
        "isolated drill instances; the workloads go on running in the recovery region",
        site_action=SiteAction.FAILBACK_DRILL,
        drill=True,
    ),
}


def policy(mode: Mode) -> ModePolicy:
    return MODES[mode]


def start_action(mode: Mode) -> str:
    """The audit log's name for starting an execution in `mode`: `start-failback-drill`."""
    return "start-" + mode.value.lower().replace("_", "-")
