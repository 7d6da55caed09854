"""A group's failback settings, over HTTP on an emulator that serves EC2 in both regions, on
the manual clock: checked against EC2 at the servers' origin when saved (a recovery-region
subnet is refused there), then applied to the reversed source servers before the failback's
launch, so the servers come home into the subnet and type they were given."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from drs_orchestrator.emulator import Emulator, EmulatorThread
from drs_orchestrator.emulator.ec2 import Network
from drs_orchestrator.engine import actions
from tests.integration.conftest import ADMIN_PASSWORD, sign_in
from tests.integration.drive import Drive
from tests.integration.ec2_estate import ACCOUNT, REGION, aws, engine_on_ec2, network, served

pytestmark = pytest.mark.integration
__all__ = ["aws", "engine_on_ec2", "network"]  # fixtures; `estate` is this module's own
ORIGIN = "us-west-2"
LONG = 2 * 3600.0  # past the initial sync back
SCENARIO = {
    "accounts": {
        ACCOUNT: {
            "regions": {
                REGION: {
                    "servers": [
                        {
                            "count": 2,
                            "hostnamePrefix": "db-",
                            "originRegion": ORIGIN,
                            "tags": {"App": "shop", "Tier": "db"},
                        }
                    ]
                },
                ORIGIN: {"servers": []},
            }
        }
    }
}


@pytest.fixture(scope="module")
def estate() -> Iterator[tuple[Emulator, EmulatorThread]]:
    yield from served(SCENARIO)


@pytest.fixture
def http(_api: tuple[Any, str], aws: Any) -> Iterator[httpx.Client]:
    with sign_in(_api[1] + "/api/v1", "admin", ADMIN_PASSWORD) as signed_in:
        yield signed_in


def _ec2(estate: tuple[Emulator, EmulatorThread], region: str) -> Any:
    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=estate[1].ec2_endpoint,
        aws_access_key_id=ACCOUNT,
        aws_secret_access_key="emulator",
    )


@pytest.fixture
def origin(estate: tuple[Emulator, EmulatorThread], aws: Any) -> tuple[Network, Any]:
    """The origin region's network and a boto3 EC2 client there."""
    ec2 = estate[0].ec2
    assert ec2 is not None
    found = ec2.region(ACCOUNT, ORIGIN).network
    assert found is not None
    return found, _ec2(estate, ORIGIN)


def _settings(http: httpx.Client, group_id: str, body: dict[str, Any]) -> httpx.Response:
    return http.put(f"/protection-groups/{group_id}/launch-settings", json=body)


def _in_subnet(subnet_id: str) -> dict[str, Any]:
    return {"failback": {"defaults": {"subnetId": subnet_id}}}


def _group(http: httpx.Client) -> dict[str, Any]:
    made = http.post(
        "/protection-groups",
        json={"name": "Shop db", "region": REGION, "serverSelector": {"tags": {"Tier": "db"}}},
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_failback_settings_are_checked_at_the_origin_when_saved(
    http: httpx.Client, network: Network, origin: tuple[Network, Any]
) -> None:
    group = _group(http)
    here = _settings(
        http, group["id"], {"failback": {"defaults": {"subnetId": network.subnet_ids[1]}}}
    )
    stranger = "s-00000000000000fff"
    unknown = _settings(
        http, group["id"], {"failback": {"overrides": {stranger: {"instanceType": "m5.large"}}}}
    )

    assert (here.status_code, here.json()["code"]) == (400, "LAUNCH_SETTINGS_INVALID")
    fields = {(e["field"], e["code"]) for e in here.json()["errors"]}
    assert {f for f, _ in fields} == {"failback.defaults.subnetId"}  # not in the origin's EC2
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [
        (f"failback.overrides.{stranger}", "SERVER_NOT_IN_GROUP")
    ]
    held = http.get(f"/protection-groups/{group['id']}/launch-settings").json()
    assert held["version"] == 0  # nothing saved
    good = _settings(
        http, group["id"], {"failback": {"defaults": {"subnetId": origin[0].subnet_ids[1]}}}
    )
    assert good.status_code == 200, good.text


def _home(http: httpx.Client, drive: Drive, svc: Any, group_id: str) -> Any:
    """A plan of the group recovered, reprotected and failed back: the failback's end."""
    plan = http.post(
        "/recovery-plans",
        json={"name": "Shop", "waves": [{"name": "DB", "protectionGroupIds": [group_id]}]},
    ).json()
    assert _run(http, drive, plan, "RECOVERY").status == "COMPLETED"
    assert http.post(f"/recovery-plans/{plan['id']}/reprotect", json={}).status_code == 202
    svc.site.settle()
    drive.advance(LONG)
    assert http.get(f"/recovery-plans/{plan['id']}/site-state").json()["state"] == "REPROTECTED"
    return _run(http, drive, plan, "FAILBACK")


def _landed(ec2: Any, final: Any) -> dict[str, dict[str, Any]]:
    """Each server of the group, by its own ID: the instance it came home as."""
    launched = {s.brings_home: s.ec2_instance_id for s in final.servers.values()}
    found = ec2.describe_instances(InstanceIds=list(launched.values()))
    instances = {i["InstanceId"]: i for r in found["Reservations"] for i in r["Instances"]}
    return {home: instances[i] for home, i in launched.items()}


def _notes(svc: Any, execution_id: str) -> list[str]:
    events = svc.executions.events_after(execution_id, -1, limit=10_000)
    return [e.detail["launchSettings"] for e in events if "launchSettings" in e.detail]


def test_a_failback_launches_its_servers_with_the_groups_failback_settings(
    aws: Any, http: httpx.Client, origin: tuple[Network, Any], engine_on_ec2: Drive
) -> None:
    west, ec2_west = origin
    group = _group(http)
    first = group["serverIds"][0]
    body = {
        "failback": {
            "defaults": {"subnetId": west.subnet_ids[1], "instanceType": "m5.large"},
            "overrides": {first: {"instanceType": "m5.xlarge"}},
        }
    }
    assert _settings(http, group["id"], body).status_code == 200

    final = _home(http, engine_on_ec2, aws[0], group["id"])

    assert final.status == "COMPLETED"
    assert _notes(aws[0], final.id) == ["failback settings applied to 2 servers, 2 changed"]
    landed = _landed(ec2_west, final)
    assert {i["SubnetId"] for i in landed.values()} == {west.subnet_ids[1]}
    types = {home: i["InstanceType"] for home, i in landed.items()}
    assert types == {s: ("m5.xlarge" if s == first else "m5.large") for s in group["serverIds"]}


def test_a_failback_that_died_before_its_settings_applies_them_when_it_starts_again(
    aws: Any,
    http: httpx.Client,
    origin: tuple[Network, Any],
    engine_on_ec2: Drive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    west, ec2_west = origin
    group = _group(http)
    body = {"failback": {"defaults": {"subnetId": west.subnet_ids[1]}}}
    assert _settings(http, group["id"], body).status_code == 200
    prepare, deaths = actions._prepare_launch_settings, []

    def dies_once_for_the_failback(port: Any, state: Any, batch: Any, now: Any) -> None:
        if state.mode.value == "FAILBACK" and not deaths:
            deaths.append(batch.key)  # its intent is stored: a worker dies right here
            raise RuntimeError("the worker died")
        prepare(port, state, batch, now)

    monkeypatch.setattr(actions, "_prepare_launch_settings", dies_once_for_the_failback)

    final = _home(http, engine_on_ec2, aws[0], group["id"])

    assert final.status == "COMPLETED"
    assert len(deaths) == 1
    assert _notes(aws[0], final.id) == ["failback settings applied to 2 servers, 2 changed"]
    assert {i["SubnetId"] for i in _landed(ec2_west, final).values()} == {west.subnet_ids[1]}


def test_a_release_may_stop_the_instances_it_leaves_in_the_recovery_region(
    aws: Any,
    http: httpx.Client,
    origin: tuple[Network, Any],
    engine_on_ec2: Drive,
    estate: tuple[Emulator, EmulatorThread],
) -> None:
    group = _group(http)
    assert _settings(http, group["id"], _in_subnet(origin[0].subnet_ids[1])).status_code == 200
    final = _home(http, engine_on_ec2, aws[0], group["id"])
    site = f"/recovery-plans/{final.plan_id}"
    assert http.post(f"{site}/reprotect", json={}).status_code == 202  # the original direction
    aws[0].site.settle()
    engine_on_ec2.advance(LONG)
    assert http.get(f"{site}/site-state").json()["state"] == "PROTECTED"

    released = http.post(f"{site}/release-recovery-instances", json={"stopInstances": True})

    assert released.status_code == 200, released.text
    servers = released.json()["servers"]
    assert [s["outcome"] for s in servers] == ["RELEASED"] * len(group["serverIds"])
    assert {tuple(s["calls"]) for s in servers} == {("StopInstances", "DisconnectRecoveryInstance")}
    found = _ec2(estate, REGION).describe_instances(
        InstanceIds=[s["ec2InstanceId"] for s in servers]
    )
    states = {
        i["InstanceId"]: i["State"]["Name"] for r in found["Reservations"] for i in r["Instances"]
    }
    assert states == {s["ec2InstanceId"]: "stopped" for s in servers}  # EC2 keeps them, stopped
    again = http.post(f"{site}/release-recovery-instances", json={"stopInstances": True}).json()
    assert (again["released"], again["skipped"]) == (0, len(servers))  # DRS forgot them


def _run(http: httpx.Client, drive: Drive, plan: dict[str, Any], mode: str) -> Any:
    started = http.post(
        f"/recovery-plans/{plan['id']}/executions",
        json={"mode": mode, "confirmPlanName": plan["name"]},
    )
    assert started.status_code == 202, started.text
    return drive.until(started.json()["id"], lambda s: not s.status.active)


def test_lint_of_a_recovered_plan_checks_its_failback_settings_at_the_origin(
    http: httpx.Client, origin: tuple[Network, Any], engine_on_ec2: Drive
) -> None:
    west, ec2_west = origin
    spare = ec2_west.create_subnet(VpcId=west.vpc_id, CidrBlock="10.100.9.0/24")["Subnet"]
    group = _group(http)
    assert _settings(http, group["id"], _in_subnet(spare["SubnetId"])).status_code == 200
    plan = http.post(
        "/recovery-plans",
        json={"name": "Shop", "waves": [{"name": "DB", "protectionGroupIds": [group["id"]]}]},
    ).json()
    assert _run(http, engine_on_ec2, plan, "RECOVERY").status == "COMPLETED"

    ec2_west.delete_subnet(SubnetId=spare["SubnetId"])  # someone tidies the origin's VPC

    linted = http.get(f"/recovery-plans/{plan['id']}/lint").json()
    faults = [f for f in linted["findings"] if f["code"] == "UNKNOWN_SUBNET"]
    assert [f["severity"] for f in faults] == ["error"] * len(group["serverIds"])
    assert all(f["message"].startswith("Shop db: failback.defaults.subnetId") for f in faults)
    assert "failback settings" in faults[0]["fix"]
