"""The plan's launchSettings before each wave's DRS launch, over HTTP on an emulator that
serves EC2 too, on the manual clock: `reapply` writes back what was edited out of band (and
the drill launches with it); `check` says what drifted and launches as DRS holds it, and a
setting EC2 refuses fails the wave with DRS's reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from drs_orchestrator.emulator.ec2 import Network
from tests.helpers import hostname
from tests.integration.conftest import ADMIN_PASSWORD, sign_in
from tests.integration.drive import Drive
from tests.integration.ec2_estate import (
    REGION,
    aws,
    edit_default,
    engine_on_ec2,
    estate,
    network,
)

pytestmark = pytest.mark.integration
__all__ = ["aws", "engine_on_ec2", "estate", "network"]  # fixtures


@pytest.fixture
def http(_api: tuple[Any, str], aws: Any) -> Iterator[httpx.Client]:
    with sign_in(_api[1] + "/api/v1", "admin", ADMIN_PASSWORD) as signed_in:
        yield signed_in


def shop(http: httpx.Client, network: Network, mode: str) -> tuple[dict[str, Any], str]:
    """A group of the db servers with launch settings, applied, and a one-wave plan."""
    group = http.post(
        "/protection-groups",
        json={"name": "Shop db", "region": REGION, "serverSelector": {"tags": {"Tier": "db"}}},
    ).json()
    settings = {
        "defaults": {
            "subnetId": network.subnet_ids[1],
            "instanceType": "r6i.2xlarge",
            "targetInstanceTypeRightSizingMethod": "NONE",
        }
    }
    saved = http.put(f"/protection-groups/{group['id']}/launch-settings", json=settings)
    assert saved.status_code == 200, saved.text
    plan = http.post(
        "/recovery-plans",
        json={
            "name": "Shop",
            "launchSettings": mode,
            "waves": [{"name": "DB", "protectionGroupIds": [group["id"]]}],
        },
    )
    assert plan.status_code == 201, plan.text
    return group, plan.json()["id"]


def applied(http: httpx.Client, aws: Any, group_id: str) -> None:
    started = http.post(f"/protection-groups/{group_id}/launch-settings/apply").json()
    aws[0].launch_sync.settle([started["id"]])


def launch_notes(aws: Any, execution_id: str) -> list[str]:
    events = aws[0].executions.events_after(execution_id, -1, limit=10_000)
    return [e.detail["launchSettings"] for e in events if "launchSettings" in e.detail]


def instance_type(ec2: Any, instance_id: str) -> str:
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return str(found["InstanceType"])


def test_reapply_writes_back_an_out_of_band_edit_before_the_drill_launches(
    aws: Any, http: httpx.Client, network: Network, engine_on_ec2: Drive
) -> None:
    _, drs, ec2 = aws
    group, plan_id = shop(http, network, "reapply")
    applied(http, aws, group["id"])
    edited = group["serverIds"][0]
    edit_default(drs, ec2, edited, InstanceType="m5.large")

    started = http.post(f"/recovery-plans/{plan_id}/executions", json={"mode": "DRILL"})
    assert started.status_code == 202, started.text
    execution_id = started.json()["id"]
    final = engine_on_ec2.until(execution_id, lambda s: not s.status.active)

    assert final.status == "COMPLETED"
    assert launch_notes(aws, execution_id) == ["re-applied to 3 servers, 1 changed"]
    servers = http.get(f"/executions/{execution_id}").json()["servers"]
    assert instance_type(ec2, servers[edited]["ec2InstanceId"]) == "r6i.2xlarge"
    audited = http.get("/audit", params={"resourceType": "launch-settings"}).json()["items"]
    by_run = [a for a in audited if a["after"] and a["after"].get("applyId") == execution_id]
    assert [a["resourceId"] for a in by_run] == [f"{group['id']}/{edited}"]


def test_check_says_what_drifted_and_a_setting_ec2_refuses_fails_the_wave(
    aws: Any, http: httpx.Client, network: Network, engine_on_ec2: Drive
) -> None:
    _, drs, ec2 = aws
    group, plan_id = shop(http, network, "check")
    applied(http, aws, group["id"])
    edited = group["serverIds"][0]
    other_vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    stray = ec2.create_security_group(GroupName="stray", Description="s", VpcId=other_vpc)
    edit_default(drs, ec2, edited, InstanceType="m5.large", Groups=[stray["GroupId"]])

    execution_id = http.post(
        f"/recovery-plans/{plan_id}/executions", json={"mode": "DRILL"}
    ).json()["id"]
    final = engine_on_ec2.until(execution_id, lambda s: not s.status.active)

    (note,) = launch_notes(aws, execution_id)
    assert note.startswith("checked, 1 server of 3 drifted (launching as DRS holds them)")
    (item,) = drs.describe_source_servers(filters={"sourceServerIDs": [edited]})["items"]
    assert f"{hostname(item)} (instanceType)" in note  # by hostname, as the timeline names them
    assert final.status == "FAILED"
    wave = final.wave("DB")
    assert "belong to different networks" in (wave.failure or "")
    assert "belong to different networks" in (final.servers[edited].failure or "")
