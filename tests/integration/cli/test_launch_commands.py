"""`pg launch-settings apply | drift` as an operator runs them, against the API over real
HTTP, on an emulator that serves EC2 too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from drs_orchestrator.cli.main import app
from drs_orchestrator.emulator.ec2 import Network
from tests.integration.conftest import ADMIN_PASSWORD
from tests.integration.ec2_estate import REGION, aws, edit_default, estate, network

pytestmark = pytest.mark.integration
__all__ = ["aws", "estate", "network"]  # fixtures
Run = Callable[..., Result]


@pytest.fixture
def cli(_api: tuple[Any, str], aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The CLI in-process, signed in to the API holding the EC2 estate's services."""
    monkeypatch.setenv("DRSO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("DRSO_TOKEN", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    url = _api[1] + "/api/v1"
    signed = invoke("login", "--username", "admin", "--password", ADMIN_PASSWORD, "--api", url)
    assert signed.exit_code == 0, signed.output
    return invoke


def test_apply_then_drift_after_an_out_of_band_edit(
    cli: Run, aws: tuple[Any, Any, Any], network: Network, tmp_path: Path
) -> None:
    _, drs, ec2 = aws
    made = cli("pg", "create", "Shop DB", "--region", REGION, "--tag", "Tier=db", "--json")
    servers = json.loads(made.stdout)["serverIds"]
    settings = tmp_path / "launch.yaml"
    settings.write_text(
        f"defaults:\n  instanceType: r6i.large\n  subnetId: {network.subnet_ids[1]}\n"
        "  targetInstanceTypeRightSizingMethod: NONE\n"
    )
    assert cli("pg", "launch-settings", "set", "Shop DB", str(settings)).exit_code == 0
    unapplied = cli("pg", "launch-settings", "drift", "Shop DB", "--exit-code")
    assert unapplied.exit_code == 3
    assert "3 not applied" in unapplied.stdout

    applied = cli("pg", "launch-settings", "apply", "Shop DB")
    assert applied.exit_code == 0, applied.output
    assert "Applied v1 of Shop DB; 3 servers: 3 changed, 0 unchanged, 0 failed" in applied.stdout
    assert cli("pg", "launch-settings", "drift", "Shop DB", "--exit-code").exit_code == 0

    edit_default(drs, ec2, servers[0], InstanceType="t3.small")

    drifted = cli("pg", "launch-settings", "drift", "Shop DB")
    assert drifted.exit_code == 0  # without --exit-code drift is reported, not failed
    assert "1 drifted" in drifted.stdout
    row = next(line for line in drifted.stdout.splitlines() if servers[0] in line)
    assert "Drifted" in row
    assert "instanceType=t3.small" in row
    status = json.loads(cli("pg", "launch-settings", "drift", "Shop DB", "--json").stdout)
    assert status["counts"] == {"IN_SYNC": 2, "DRIFTED": 1, "NOT_APPLIED": 0, "FAILED": 0}


def plan_file(network: Network, instance_type: str | None) -> str:
    settings = (
        f"    launchSettings:\n      defaults:\n        instanceType: {instance_type}\n"
        f"        subnetId: {network.subnet_ids[1]}\n"
        if instance_type
        else ""
    )
    return (
        "protectionGroups:\n  - name: Shop DB\n    region: us-east-1\n"
        "    serverSelector:\n      tags: {Tier: db}\n" + settings + "plan:\n  name: Shop\n"
        "  launchSettings: reapply\n  waves:\n    - name: DB\n      protectionGroupIds: [Shop DB]\n"
    )


def test_a_plan_file_carries_its_groups_launch_settings(
    cli: Run, network: Network, tmp_path: Path
) -> None:
    file = tmp_path / "shop.yaml"
    file.write_text(plan_file(network, "r6i.large"))

    applied = cli("plan", "apply", "-f", str(file), "--yes")
    assert applied.exit_code == 0, applied.output
    assert "updated the launch settings of Shop DB to version 1" in applied.stdout
    exported = cli("plan", "export", "Shop")
    assert "  launchSettings:\n    defaults:\n" in exported.stdout
    assert "      instanceType: r6i.large\n" in exported.stdout
    assert "  launchSettings: reapply\n" in exported.stdout
    assert cli("plan", "diff", "Shop", "-f", str(file)).exit_code == 0
    again = cli("plan", "apply", "-f", str(file), "--yes")
    assert "nothing to do" in again.stdout

    file.write_text(plan_file(network, "r6i.xlarge"))
    changed = cli("plan", "diff", "Shop", "-f", str(file))
    assert changed.exit_code == 1
    assert "-      instanceType: r6i.large" in changed.stdout
    assert "+      instanceType: r6i.xlarge" in changed.stdout
    file.write_text(plan_file(network, None))  # no launchSettings: left as they are
    assert cli("plan", "diff", "Shop", "-f", str(file)).exit_code == 0
    assert cli("plan", "apply", "-f", str(file), "--yes").exit_code == 0
    held = json.loads(cli("pg", "launch-settings", "show", "Shop DB", "--json").stdout)
    assert held["defaults"]["instanceType"] == "r6i.large"
