"""Readiness lint's launch settings findings: their severity by the plan's launchSettings
mode, and EC2's faults as errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from drs_orchestrator.domain.errors import Violation
from drs_orchestrator.domain.findings import Finding
from drs_orchestrator.domain.launch_settings import SyncState
from drs_orchestrator.domain.lint import Estate, LaunchDrift, lint
from drs_orchestrator.domain.plans import GroupMembers, RecoveryPlanSpec
from drs_orchestrator.domain.servers import ServerFacts

NOW = datetime(2026, 12, 3, tzinfo=UTC)
SERVERS = ("s-0000000000000000a", "s-0000000000000000b", "s-0000000000000000c")
GROUP = GroupMembers("g1", "Shop db", "111111111111", "us-east-1", SERVERS)


def plan(mode: str) -> RecoveryPlanSpec:
    return RecoveryPlanSpec.model_validate(
        {
            "name": "Shop",
            "launchSettings": mode,
            "waves": [{"name": "db", "protectionGroupIds": ["g1"]}],
        }
    )


def estate(**launch: LaunchDrift) -> Estate:
    facts = {
        sid: ServerFacts(sid, f"db-{i}", "CONTINUOUS", 0, NOW, NOW, None)
        for i, sid in enumerate(SERVERS)
    }
    drift = {SERVERS[int(k[1:])]: v for k, v in launch.items()}
    faults = [("Shop db", Violation("overrides.x.privateIp", "IP_IN_USE", "x: taken"))]
    return Estate(facts, {}, None, NOW, drift, faults)


def launch_findings(mode: str, found: Estate) -> list[Finding]:
    return [
        f
        for f in lint(plan(mode), {"g1": GROUP}, found)
        if "LAUNCH" in f.code or f.code == "IP_IN_USE"
    ]


@pytest.mark.parametrize(("mode", "severity"), [("check", "warning"), ("reapply", "info")])
def test_drift_is_a_warning_when_checked_and_information_when_reapplied(
    mode: str, severity: str
) -> None:
    found = launch_findings(
        mode,
        estate(
            s0=LaunchDrift(SyncState.IN_SYNC),
            s1=LaunchDrift(SyncState.DRIFTED, ["instanceType", "subnetId"]),
            s2=LaunchDrift(SyncState.NOT_APPLIED, ["instanceType"]),
        ),
    )

    by_code = {f.code: f for f in found}
    assert set(by_code) == {"IP_IN_USE", "LAUNCH_SETTINGS_DRIFTED", "LAUNCH_SETTINGS_NOT_APPLIED"}
    assert by_code["LAUNCH_SETTINGS_DRIFTED"].severity == severity
    assert "instanceType, subnetId" in by_code["LAUNCH_SETTINGS_DRIFTED"].message
    assert by_code["LAUNCH_SETTINGS_DRIFTED"].server_id == SERVERS[1]
    assert by_code["LAUNCH_SETTINGS_NOT_APPLIED"].wave == "db"
    assert by_code["IP_IN_USE"].severity == "error"  # EC2 would refuse it: in every mode


def test_a_failed_apply_stays_a_warning_even_when_reapplied() -> None:
    found = launch_findings(
        "reapply", estate(s0=LaunchDrift(SyncState.FAILED, error="ConflictException: busy"))
    )
    failed = next(f for f in found if f.code == "LAUNCH_SETTINGS_FAILED")
    assert failed.severity == "warning"
    assert "ConflictException: busy" in failed.message


def test_ignore_looks_at_none_of_it() -> None:
    found = launch_findings("ignore", estate(s1=LaunchDrift(SyncState.DRIFTED, ["instanceType"])))
    assert found == []
