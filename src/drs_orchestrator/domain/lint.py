"""Readiness lint: what would go wrong if the plan ran now, with a fix for each finding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from drs_orchestrator.domain import display, graph
from drs_orchestrator.domain.errors import Violation
from drs_orchestrator.domain.failback_lint import Away, failback_findings
from drs_orchestrator.domain.findings import Finding, Severity
from drs_orchestrator.domain.launch_settings import SyncState
from drs_orchestrator.domain.plans import (
    GroupMembers,
    RecoveryPlanSpec,
    Wave,
    reference_violations,
    structure_violations,
    wave_servers,
)
from drs_orchestrator.domain.quotas import SERVERS_IN_ACTIVE_JOBS, SERVERS_PER_JOB
from drs_orchestrator.domain.rto import RtoEstimate, estimate
from drs_orchestrator.domain.servers import CONTINUOUS, ServerFacts

# Drilled longer ago than this is stale (our rule, not DRS's).
STALE_DRILL_DAYS = 30
# Replication states in which a launch cannot succeed (no point in time to launch from).
CANNOT_LAUNCH = frozenset({"INITIATING", "INITIAL_SYNC", "STOPPED", "DISCONNECTED"})


@dataclass(frozen=True)
class Estate:
    """What DRS says now about the plan's servers."""

    servers: Mapping[str, ServerFacts]
    # source server ID -> recovery instance IDs still running from earlier launches
    running_instances: Mapping[str, list[str]]
    # source server ID -> post-launch actions (SSM) enabled; None when not asked
    post_launch: Mapping[str, bool] | None
    now: datetime
    # Servers of groups with launch settings: their state and differing fields.
    launch: Mapping[str, LaunchDrift] = field(default_factory=dict)
    # What EC2 would refuse of the groups' launch settings now (by group name).
    launch_faults: Sequence[tuple[str, Violation]] = ()


@dataclass(frozen=True)
class LaunchDrift:
    state: SyncState
    differing: Sequence[str] = ()
    error: str | None = None


def _launch_findings(wave: Wave, server_ids: list[str], estate: Estate, mode: str) -> list[Finding]:
    """Drifted, never applied or failed launch settings: a warning when the plan only checks
    them, information when it re-applies them before the wave."""
    out = []
    for sid in server_ids:
        drift = estate.launch.get(sid)
        if drift is None or drift.state is SyncState.IN_SYNC:
            continue
        facts = estate.servers.get(sid)
        name = f"{facts.hostname} ({sid})" if facts else sid
        failed = drift.state is SyncState.FAILED
        severity: Severity = "warning" if failed or mode == "check" else "info"
        if failed:
            message = f"{name}: launch settings could not be applied or read: {drift.error}"
        elif drift.state is SyncState.DRIFTED:
            message = f"{name}: DRS or its launch template differs in {', '.join(drift.differing)}"
        else:
            message = f"{name}: launch settings were never applied"
            if drift.differing:
                message += f"; DRS or its template differs in {', '.join(drift.differing)}"
        fix = (
            "They are applied again before the wave (launchSettings: reapply)"
            if mode == "reapply" and not failed
            else "Apply the group's launch settings, or set launchSettings: reapply"
        )
        out.append(Finding(severity, f"LAUNCH_SETTINGS_{drift.state.value}", message, fix,
                           wave.name, sid))  # fmt: skip
    return out


def _from_violation(v: Violation, plan: RecoveryPlanSpec) -> Finding:
    wave = None
    if v.field.startswith("waves["):
        wave = plan.waves[int(v.field[6 : v.field.index("]")])].name
    return Finding(
        "error", v.code, f"{v.field}: {v.message}", "Correct the plan and apply it again", wave
    )


def _server_findings(wave: Wave, server_ids: list[str], estate: Estate) -> list[Finding]:
    out = []
    stale_before = estate.now - timedelta(days=STALE_DRILL_DAYS)
    for sid in server_ids:
        facts = estate.servers.get(sid)
        if facts is None:
            out.append(
                Finding(
                    "error",
                    "SERVER_MISSING",
                    f"{sid} is no longer a DRS source server",
                    "Remove it from its protection group, or reinstall the DRS agent",
                    wave.name,
                    sid,
                )
            )
            continue
        name = f"{facts.hostname} ({sid})"
        if facts.replication_state in CANNOT_LAUNCH:
            out.append(
                Finding(
                    "error",
                    "SERVER_CANNOT_LAUNCH",
                    f"{name} is {display.replication(facts.replication_state)}: DRS has no point "
                    "in time to launch",
                    "Wait for initial sync to finish, or fix replication, before running",
                    wave.name,
                    sid,
                )
            )
        elif facts.replication_state != CONTINUOUS:
            lag = f", {display.duration(facts.lag_seconds)} behind" if facts.lag_seconds else ""
            out.append(
                Finding(
                    "warning",
                    "SERVER_NOT_CONTINUOUS",
                    f"{name} replication is {display.replication(facts.replication_state)}{lag}; "
                    "it would "
                    "launch from an older point in time",
                    "Fix replication (see the DRS console) so data loss stays within RPO",
                    wave.name,
                    sid,
                )
            )
        if sid in estate.running_instances:
            ids = ", ".join(estate.running_instances[sid])
            out.append(
                Finding(
                    "warning",
                    "INSTANCES_STILL_RUNNING",
                    f"{name} still has recovery instances from an earlier launch: {ids}",
                    "Clean up the earlier drill first (it costs money and may clash)",
                    wave.name,
                    sid,
                )
            )
        if facts.last_drill_at is None:
            out.append(
                Finding(
                    "info",
                    "NEVER_DRILLED",
                    f"{name} has never been drilled",
                    "Run a drill of this plan",
                    wave.name,
                    sid,
                )
            )
        elif facts.last_drill_at < stale_before:
            out.append(
                Finding(
                    "info",
                    "DRILL_STALE",
                    f"{name} was last drilled on {facts.last_drill_at:%Y-%m-%d}",
                    f"Drill at least every {STALE_DRILL_DAYS} days",
                    wave.name,
                    sid,
                )
            )
        if (
            estate.post_launch is not None
            and any(h.CAPABILITIES.needs_instances for h in wave.post_hooks + wave.pre_hooks)
            and not estate.post_launch.get(sid, False)
        ):
            out.append(
                Finding(
                    "warning",
                    "SSM_HOOK_WITHOUT_AGENT",
                    f"An ssmCommand hook targets {name}, whose launch settings do not "
                    "install the SSM agent (post-launch actions are off)",
                    "Enable post-launch actions for the server in DRS",
                    wave.name,
                    sid,
                )
            )
    return out


def lint(
    plan: RecoveryPlanSpec,
    groups: Mapping[str, GroupMembers],
    estate: Estate | Away,
    rto: RtoEstimate | None = None,
) -> list[Finding]:
    """Every finding, errors first. `estate` is what DRS says for a recovery or, when the
    plan's workloads run in the recovery region (`Away`), for its failback."""
    broken = structure_violations(plan)
    findings = [_from_violation(v, plan) for v in broken + reference_violations(plan, groups)]
    members = {w.name: wave_servers(w, groups) for w in plan.waves}
    holders: dict[str, list[str]] = {}
    for group in groups.values():
        for sid in group.server_ids:
            holders.setdefault(sid, []).append(group.name)
    for sid, names in holders.items():
        if len(names) > 1:
            findings.append(
                Finding(
                    "error",
                    "SERVER_IN_TWO_GROUPS",
                    f"{sid} is in groups {', '.join(names)} (their selectors overlap now)",
                    "Narrow the selectors so each server is in one group",
                    None,
                    sid,
                )
            )
    for wave in plan.waves:
        count = len(members[wave.name])
        if count > SERVERS_PER_JOB:
            jobs = -(-count // SERVERS_PER_JOB)
            findings.append(
                Finding(
                    "warning",
                    "WAVE_OVER_JOB_QUOTA",
                    f"Wave {wave.name!r} has {count} servers; DRS takes {SERVERS_PER_JOB} "
                    f"per job, so it will run as {jobs} jobs",
                    "Nothing to do, or split the wave to control the order",
                    wave.name,
                )
            )
        if isinstance(estate, Away):  # its next run is a failback, checked below
            continue
        findings += _server_findings(wave, members[wave.name], estate)
        if plan.launch_settings != "ignore":
            findings += _launch_findings(wave, members[wave.name], estate, plan.launch_settings)
    if isinstance(estate, Away):
        findings += failback_findings(estate)
    elif plan.launch_settings != "ignore":
        findings += [
            Finding(
                "error",
                v.code,
                f"{group}: {v.field}: {v.message}",
                "Correct the group's launch settings: EC2 would refuse this launch",
            )
            for group, v in estate.launch_faults
        ]
    if broken:  # the graph itself is wrong (cycle, unknown or duplicate names): stop here
        return _sorted(findings)
    edges = plan.edges()
    for level in graph.levels(edges):
        at_once = sum(len(members[w]) for w in level)
        if at_once > SERVERS_IN_ACTIVE_JOBS:
            findings.append(
                Finding(
                    "warning",
                    "CONCURRENT_SERVERS_OVER_QUOTA",
                    f"Waves {', '.join(level)} can run at once with {at_once} servers; "
                    f"DRS allows {SERVERS_IN_ACTIVE_JOBS} in active jobs",
                    "The engine will queue the excess; add dependencies to order it",
                )
            )
    if plan.rto_target_minutes is not None:
        rto = rto or estimate(plan, {}, (), 0)
        if rto.p50_minutes > plan.rto_target_minutes:
            basis = (
                f"from {rto.executions} past executions"
                if rto.executions
                else "from DRS's usual launch times"
            )
            findings.append(
                Finding(
                    "warning",
                    "RTO_TARGET_AT_RISK",
                    f"The critical path {' -> '.join(rto.critical_path)} should take "
                    f"{display.estimate(rto.p50_minutes, rto.low_minutes, rto.high_minutes)} "
                    f"({basis}), over the {display.duration(plan.rto_target_minutes * 60)} "
                    "target",
                    "Run independent waves in parallel (dependsOn), or revisit the target",
                )
            )
    return _sorted(findings)


def _sorted(findings: list[Finding]) -> list[Finding]:
    rank = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: rank[f.severity])
