"""A new execution: the plan version frozen, every server placed in its wave."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.failback import Home
from drs_orchestrator.domain.modes import policy
from drs_orchestrator.domain.plans import GroupMembers, RecoveryPlanSpec, wave_servers
from drs_orchestrator.domain.snapshots import RecoverySnapshot
from drs_orchestrator.engine.core.state import ExecutionState, HookRun, ServerRun, WaveRun


@dataclass(frozen=True)
class Launch:
    """Who starts which plan version, how, and what DRS says about its servers now."""

    execution_id: str
    plan_id: str
    plan_version: int
    plan: RecoveryPlanSpec
    mode: Mode
    initiated_by: str
    user_id: str
    hostnames: Mapping[str, str]
    post_launch_enabled: frozenset[str] = frozenset()
    cleanup_after_minutes: int | None = None
    # FAILBACK: where each recovered server is launched; a server without one stayed home
    homes: Mapping[str, Home] | None = None
    # Launch from the latest recovery snapshot at or before this (None: the latest data)
    point_in_time: datetime | None = None
    # By the server launched: the snapshot the operator chose for it (`pinned`), and what
    # the point in time resolves to now (`resolved`; asked again as its wave starts)
    pinned: Mapping[str, RecoverySnapshot] = field(default_factory=dict)
    resolved: Mapping[str, RecoverySnapshot] = field(default_factory=dict)


def freeze(launch: Launch, groups: Mapping[str, GroupMembers], now: datetime) -> ExecutionState:
    waves: list[WaveRun] = []
    servers: dict[str, ServerRun] = {}
    for number, wave in enumerate(launch.plan.waves, start=1):
        hooks = [
            HookRun(phase=phase, index=i, hook=hook)
            for phase, listed in (("pre", wave.pre_hooks), ("post", wave.post_hooks))
            for i, hook in enumerate(listed)
            if launch.mode in hook.modes  # `index` stays the hook's place in the plan
        ]
        waves.append(WaveRun(name=wave.name, number=number, spec=wave, hooks=hooks))
        place = {
            sid: g for g in wave.protection_group_ids if g in groups for sid in groups[g].server_ids
        }
        for sid in wave_servers(wave, groups):
            group = groups[place[sid]]
            at = (sid, group.account_id, group.region)
            home = launch.homes.get(sid) if launch.homes is not None else None
            if launch.homes is not None:
                if home is None:
                    continue
                at = (home.server_id, home.account_id, home.region)
            snapshot = launch.pinned.get(at[0]) or launch.resolved.get(at[0])
            servers[at[0]] = ServerRun(
                server_id=at[0],
                account_id=at[1],
                region=at[2],
                brings_home=sid if launch.homes is not None else None,
                failback_instance_id=home.recovery_instance_id if home else None,
                wave=wave.name,
                hostname=launch.hostnames.get(sid, ""),
                critical=sid not in wave.non_critical_server_ids,
                expects_post_launch=policy(launch.mode).awaits_post_launch
                and sid in launch.post_launch_enabled,
                recovery_snapshot_id=snapshot.snapshot_id if snapshot else None,
                snapshot_taken_at=snapshot.taken_at if snapshot else None,
                snapshot_pinned=at[0] in launch.pinned,
            )
    return ExecutionState(
        id=launch.execution_id,
        plan_id=launch.plan_id,
        plan_name=launch.plan.name,
        plan_version=launch.plan_version,
        mode=launch.mode,
        initiated_by=launch.initiated_by,
        user_id=launch.user_id,
        rto_target_minutes=launch.plan.rto_target_minutes,
        point_in_time=launch.point_in_time,
        # a failback applies its groups' failback settings (their origin's) unless ignored
        launch_settings=launch.plan.launch_settings,
        created_at=now,
        cleanup_after_minutes=launch.cleanup_after_minutes,
        waves=waves,
        servers=servers,
    )
