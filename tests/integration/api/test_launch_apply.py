"""Applying launch settings over HTTP, and their drift: the emulator serves DRS and EC2
(moto's) over HTTP, the API writes through real boto3, and a drill launches from what it
wrote. On the emulator's manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator import Emulator, EmulatorThread
from drs_orchestrator.emulator.ec2 import Network
from drs_orchestrator.store.tables import launch_applies
from tests.helpers import run_until_complete
from tests.integration.conftest import ADMIN_PASSWORD, sign_in
from tests.integration.ec2_estate import REGION, aws, edit_default, estate, network

pytestmark = pytest.mark.integration
__all__ = ["aws", "estate", "network"]  # fixtures


@pytest.fixture
def http(_api: tuple[Any, str], aws: Any) -> Iterator[httpx.Client]:
    """The admin, signed in to the API holding this module's services."""
    with sign_in(_api[1] + "/api/v1", "admin", ADMIN_PASSWORD) as signed_in:
        yield signed_in


@pytest.fixture
def group(http: httpx.Client) -> dict[str, Any]:
    made = http.post(
        "/protection-groups",
        json={"name": "Shop db", "region": REGION, "serverSelector": {"tags": {"Tier": "db"}}},
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def default_version(drs: Any, ec2: Any, server_id: str) -> dict[str, Any]:
    template = drs.get_launch_configuration(sourceServerID=server_id)["ec2LaunchTemplateID"]
    found = ec2.describe_launch_template_versions(LaunchTemplateId=template, Versions=["$Default"])
    return dict(found["LaunchTemplateVersions"][0])


def settings(network: Network, static_for: str) -> dict[str, Any]:
    return {
        "defaults": {
            "subnetId": network.subnet_ids[1],
            "securityGroupIds": [network.security_group_id],
            "instanceType": "r6i.large",
            "copyPrivateIp": False,
            "launchDisposition": "STOPPED",
            "targetInstanceTypeRightSizingMethod": "NONE",  # else DRS picks the type
            "tags": {"Env": "dr"},
        },
        "tagRules": [{"matchTags": {"Tier": "db"}, "settings": {"instanceType": "r6i.2xlarge"}}],
        "overrides": {static_for: {"privateIp": "10.100.2.50"}},
    }


def save(http: httpx.Client, group_id: str, body: dict[str, Any]) -> None:
    saved = http.put(f"/protection-groups/{group_id}/launch-settings", json=body)
    assert saved.status_code == 200, saved.text


def apply(http: httpx.Client, svc: Services, group_id: str) -> dict[str, Any]:
    started = http.post(f"/protection-groups/{group_id}/launch-settings/apply")
    assert started.status_code == 202, started.text
    assert started.json()["state"] in {"RUNNING", "COMPLETED"}
    svc.launch_sync.settle([started.json()["id"]])
    ended = http.get(started.headers["Location"].removeprefix("/api/v1"))
    assert ended.status_code == 200
    return dict(ended.json())


def status(http: httpx.Client, group_id: str) -> dict[str, Any]:
    found = http.get(f"/protection-groups/{group_id}/launch-settings/status")
    assert found.status_code == 200, found.text
    return dict(found.json())


def test_apply_writes_the_template_and_drs_then_a_drill_launches_with_them(
    aws: tuple[Services, Any, Any],
    http: httpx.Client,
    group: dict[str, Any],
    network: Network,
    estate: tuple[Emulator, EmulatorThread],
) -> None:
    svc, drs, ec2 = aws
    first, *others = group["serverIds"]
    save(http, group["id"], settings(network, first))
    before = status(http, group["id"])
    assert before["counts"]["NOT_APPLIED"] == 3
    assert "instanceType" in before["servers"][0]["differing"]

    done = apply(http, svc, group["id"])
    assert (done["state"], done["changed"], done["unchanged"], done["failed"]) == (
        "COMPLETED",
        3,
        0,
        0,
    )
    version = default_version(drs, ec2, first)
    data = version["LaunchTemplateData"]
    nic = data["NetworkInterfaces"][0]
    assert data["InstanceType"] == "r6i.2xlarge"  # the tag rule over the defaults
    assert (nic["SubnetId"], nic["PrivateIpAddress"]) == (network.subnet_ids[1], "10.100.2.50")
    assert nic["DeleteOnTermination"] is True  # carried over from the version before
    assert {"Key": "Env", "Value": "dr"} in data["TagSpecifications"][0]["Tags"]
    configuration = drs.get_launch_configuration(sourceServerID=first)
    assert configuration["launchDisposition"] == "STOPPED"  # the emulator's was STARTED
    assert configuration["targetInstanceTypeRightSizingMethod"] == "NONE"  # and BASIC
    after = status(http, group["id"])
    assert after["counts"]["IN_SYNC"] == 3
    by_id = {s["sourceServerId"]: s for s in after["servers"]}
    assert by_id[first]["effective"]["privateIp"] == {
        "value": "10.100.2.50",
        "source": f"overrides.{first}",
    }
    assert by_id[others[0]]["effective"]["instanceType"]["source"] == "tagRules[0].settings"

    again = apply(http, svc, group["id"])  # nothing differs: nothing written
    assert (again["changed"], again["unchanged"]) == (0, 3)
    assert default_version(drs, ec2, first)["VersionNumber"] == version["VersionNumber"]

    job = drs.start_recovery(sourceServers=[{"sourceServerID": first}], isDrill=True)["job"]
    run_until_complete(estate[0], drs, job["jobID"])
    item = drs.describe_recovery_instances(filters={"sourceServerIDs": [first]})["items"][0]
    instance = ec2.describe_instances(InstanceIds=[item["ec2InstanceID"]])["Reservations"][0][
        "Instances"
    ][0]
    assert instance["InstanceType"] == "r6i.2xlarge"
    assert (instance["SubnetId"], instance["PrivateIpAddress"]) == (
        network.subnet_ids[1],
        "10.100.2.50",
    )
    assert {"Key": "Env", "Value": "dr"} in instance["Tags"]


def test_a_template_edited_out_of_band_drifts_and_a_reapply_brings_it_back(
    aws: tuple[Services, Any, Any], http: httpx.Client, group: dict[str, Any], network: Network
) -> None:
    svc, drs, ec2 = aws
    first = group["serverIds"][0]
    save(http, group["id"], settings(network, first))
    apply(http, svc, group["id"])
    edit_default(drs, ec2, first, InstanceType="m5.large")
    drifted = {s["sourceServerId"]: s for s in status(http, group["id"])["servers"]}[first]
    assert drifted["state"] == "DRIFTED"
    assert (drifted["differing"], drifted["held"]) == (
        ["instanceType"],
        {"instanceType": "m5.large"},
    )

    done = apply(http, svc, group["id"])
    assert (done["changed"], done["unchanged"]) == (1, 2)
    assert status(http, group["id"])["counts"]["IN_SYNC"] == 3
    audited = http.get("/audit", params={"resourceType": "launch-settings"}).json()["items"]
    server_changes = [a for a in audited if a["action"] == "apply-server"]
    assert any(
        a["resourceId"] == f"{group['id']}/{first}" and a["before"] == {"instance_type": "m5.large"}
        for a in server_changes
    )


def test_an_address_taken_since_the_save_refuses_the_apply_and_writes_nothing(
    aws: tuple[Services, Any, Any], http: httpx.Client, group: dict[str, Any], network: Network
) -> None:
    svc, drs, ec2 = aws
    first = group["serverIds"][0]
    save(http, group["id"], settings(network, first))
    held = default_version(drs, ec2, first)["VersionNumber"]
    ec2.create_network_interface(SubnetId=network.subnet_ids[1], PrivateIpAddress="10.100.2.50")

    refused = http.post(f"/protection-groups/{group['id']}/launch-settings/apply")
    assert refused.status_code == 400
    problem = refused.json()
    assert problem["code"] == "LAUNCH_SETTINGS_INVALID"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        (f"overrides.{first}.privateIp", "IP_IN_USE")
    ]
    assert default_version(drs, ec2, first)["VersionNumber"] == held
    with svc.ctx.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(launch_applies)).scalar() == 0


def test_a_server_drs_refuses_fails_the_apply_and_shows_failed_with_drs_reason(
    aws: tuple[Services, Any, Any], http: httpx.Client, group: dict[str, Any], network: Network
) -> None:
    svc, drs, _ = aws
    first, *others = group["serverIds"]
    save(http, group["id"], settings(network, first))
    drs.start_recovery(sourceServers=[{"sourceServerID": first}], isDrill=True)  # busy now

    done = apply(http, svc, group["id"])
    assert (done["state"], done["changed"], done["failed"]) == ("FAILED", 2, 1)
    assert done["failures"][0]["sourceServerId"] == first
    assert "ConflictException" in done["failures"][0]["error"]
    found = {s["sourceServerId"]: s for s in status(http, group["id"])["servers"]}
    assert found[first]["state"] == "FAILED"
    assert "ConflictException" in found[first]["error"]
    assert {found[o]["state"] for o in others} == {"IN_SYNC"}
    # Its template was written before DRS refused: that change is audited, the refused one not
    audited = http.get("/audit", params={"resourceType": "launch-settings"}).json()["items"]
    (partial,) = [a for a in audited if a["resourceId"] == f"{group['id']}/{first}"]
    assert partial["after"]["instance_type"] == "r6i.2xlarge"
    assert "launch_disposition" not in partial["after"]
    assert found[first]["differing"] == ["launchDisposition", "targetInstanceTypeRightSizingMethod"]


def test_one_apply_at_a_time_and_one_left_by_a_stopped_process_gives_way(
    aws: tuple[Services, Any, Any], http: httpx.Client, group: dict[str, Any], network: Network
) -> None:
    svc, _, _ = aws
    save(http, group["id"], settings(network, group["serverIds"][0]))
    now = svc.ctx.now()

    def running(heartbeat: Any) -> None:
        with svc.ctx.write() as conn:
            conn.execute(sa.delete(launch_applies))
            conn.execute(
                sa.insert(launch_applies).values(
                    id="other",
                    group_id=group["id"],
                    state="RUNNING",
                    settings_version=0,
                    requested_by="someone",
                    requested_at=heartbeat,
                    heartbeat_at=heartbeat,
                    servers=3,
                    changed=0,
                    unchanged=0,
                    failed=0,
                )
            )

    running(now)
    busy = http.post(f"/protection-groups/{group['id']}/launch-settings/apply")
    assert (busy.status_code, busy.json()["code"], busy.json()["applyId"]) == (
        409,
        "APPLY_IN_PROGRESS",
        "other",
    )
    running(now.replace(year=now.year - 1))  # no progress for a year: its process is gone
    done = apply(http, svc, group["id"])
    assert done["state"] == "COMPLETED"
    left = http.get(f"/protection-groups/{group['id']}/launch-settings/applies/other").json()
    assert left["state"] == "FAILED"
    assert "stopped" in left["error"]


def test_if_match_names_the_settings_version_to_apply(
    aws: Any, http: httpx.Client, group: dict[str, Any], network: Network
) -> None:
    save(http, group["id"], settings(network, group["serverIds"][0]))
    stale = http.post(
        f"/protection-groups/{group['id']}/launch-settings/apply", headers={"If-Match": '"0"'}
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "VERSION_MISMATCH")
    missing = http.get(f"/protection-groups/{group['id']}/launch-settings/applies/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "APPLY_NOT_FOUND")


def test_a_group_without_settings_is_not_read_and_cannot_be_applied(
    aws: Any, http: httpx.Client, group: dict[str, Any], estate: tuple[Emulator, EmulatorThread]
) -> None:
    emulator = estate[0]
    asked = emulator.counts["GetLaunchConfiguration"]

    found = status(http, group["id"])

    assert found["counts"]["NOT_APPLIED"] == 3
    assert all(s["differing"] == [] for s in found["servers"])
    assert emulator.counts["GetLaunchConfiguration"] == asked  # nothing managed: not asked
    refused = http.post(f"/protection-groups/{group['id']}/launch-settings/apply")
    assert (refused.status_code, refused.json()["code"]) == (409, "LAUNCH_SETTINGS_NOT_SAVED")


def test_readiness_lint_reports_launch_settings_by_the_plans_mode(
    aws: Any, http: httpx.Client, group: dict[str, Any], network: Network
) -> None:
    svc, drs, ec2 = aws
    first = group["serverIds"][0]
    save(http, group["id"], settings(network, first))

    def launch_findings(mode: str) -> list[tuple[str, str, str | None]]:
        plan = {
            "name": "Shop",
            "launchSettings": mode,
            "waves": [{"name": "DB", "protectionGroupIds": [group["id"]]}],
        }
        found = http.post("/recovery-plans/lint", json=plan)
        assert found.status_code == 200, found.text
        return sorted(
            (f["severity"], f["code"], f["serverId"])
            for f in found.json()["findings"]
            if f["code"].startswith("LAUNCH_SETTINGS_") or f["code"] == "IP_IN_USE"
        )

    assert launch_findings("check") == [
        ("warning", "LAUNCH_SETTINGS_NOT_APPLIED", s) for s in sorted(group["serverIds"])
    ]
    assert launch_findings("ignore") == []
    apply(http, svc, group["id"])
    assert launch_findings("check") == []
    edit_default(drs, ec2, first, InstanceType="m5.large")
    assert launch_findings("reapply") == [("info", "LAUNCH_SETTINGS_DRIFTED", first)]
    ec2.create_network_interface(SubnetId=network.subnet_ids[1], PrivateIpAddress="10.100.2.50")
    # the static IP is taken by someone else now: EC2 would refuse the launch
    assert ("error", "IP_IN_USE", None) in launch_findings("check")
