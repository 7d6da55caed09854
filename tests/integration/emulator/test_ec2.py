"""The emulator's EC2: each source server's launch template, recovered instances as the
template's default version says, and what EC2 would refuse failing the launch as DRS reports
it. DRS and EC2 through real boto3 over HTTP, on the manual clock."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from drs_orchestrator.emulator import Emulator, EmulatorThread, parse_scenario
from tests.helpers import one_region, run_until_complete, servers_of
from tests.integration.ec2_estate import client

pytestmark = pytest.mark.integration
ACCOUNT, REGION = "111111111111", "us-east-1"


@pytest.fixture(scope="module")
def estate() -> Iterator[tuple[Emulator, EmulatorThread]]:
    emulator = Emulator(parse_scenario(one_region(3, "db-")), strict=True, ec2=True)
    thread = EmulatorThread(emulator)
    thread.start()
    yield emulator, thread
    thread.stop()


@pytest.fixture
def aws(estate: tuple[Emulator, EmulatorThread]) -> tuple[Emulator, Any, Any]:
    emulator, thread = estate
    emulator.reset()
    return emulator, client("drs", thread.endpoint), client("ec2", thread.ec2_endpoint)


def template_of(drs: Any, ec2: Any, server_id: str) -> tuple[str, dict[str, Any]]:
    template_id = drs.get_launch_configuration(sourceServerID=server_id)["ec2LaunchTemplateID"]
    versions = ec2.describe_launch_template_versions(
        LaunchTemplateId=template_id, Versions=["$Default"]
    )
    return template_id, versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]


def new_default(ec2: Any, template_id: str, data: dict[str, Any]) -> None:
    made = ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData=data)
    number = made["LaunchTemplateVersion"]["VersionNumber"]
    ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion=str(number))


def drill(drs: Any, server_ids: list[str]) -> str:
    job = drs.start_recovery(
        sourceServers=[{"sourceServerID": s} for s in server_ids], isDrill=True
    )
    return str(job["job"]["jobID"])


def test_every_source_server_has_its_launch_template_in_the_recovery_subnet(
    aws: tuple[Emulator, Any, Any],
) -> None:
    _, drs, ec2 = aws
    subnets = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.100.1.0/24"]}])
    first_subnet = subnets["Subnets"][0]["SubnetId"]

    for server in servers_of(drs):
        _, data = template_of(drs, ec2, server["sourceServerID"])
        assert data["InstanceType"] == "m5.large"
        assert data["NetworkInterfaces"][0]["SubnetId"] == first_subnet


def test_a_drill_launches_what_the_template_s_default_version_says(
    aws: tuple[Emulator, Any, Any],
) -> None:
    emulator, drs, ec2 = aws
    server = servers_of(drs)[0]
    sid = server["sourceServerID"]
    template_id, data = template_of(drs, ec2, sid)
    changed = copy.deepcopy(data)
    changed["InstanceType"] = "r6i.2xlarge"
    changed["NetworkInterfaces"][0]["PrivateIpAddress"] = "10.100.1.20"
    changed["TagSpecifications"] = [
        {"ResourceType": "instance", "Tags": [{"Key": "Env", "Value": "dr"}]}
    ]
    new_default(ec2, template_id, changed)

    job = run_until_complete(emulator, drs, drill(drs, [sid]))

    instance_id = job["participatingServers"][0]["recoveryInstanceID"]
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert found["InstanceType"] == "r6i.2xlarge"
    assert found["PrivateIpAddress"] == "10.100.1.20"
    assert found["SubnetId"] == data["NetworkInterfaces"][0]["SubnetId"]
    assert {"Key": "Env", "Value": "dr"} in found["Tags"]
    recovered = drs.describe_recovery_instances(filters={"sourceServerIDs": [sid]})["items"][0]
    assert recovered["ec2InstanceID"] == instance_id


@pytest.mark.parametrize(
    ("ip", "raw"),
    [
        ("10.100.9.9", "does not fall within the subnet's address range"),
        ("10.100.1.3", "is reserved by AWS"),
    ],
)
def test_an_address_ec2_refuses_fails_the_launch_with_its_error(
    aws: tuple[Emulator, Any, Any], ip: str, raw: str
) -> None:
    emulator, drs, ec2 = aws
    sid = servers_of(drs)[0]["sourceServerID"]
    template_id, data = template_of(drs, ec2, sid)
    data["NetworkInterfaces"][0]["PrivateIpAddress"] = ip
    new_default(ec2, template_id, data)

    job_id = drill(drs, [sid])
    run_until_complete(emulator, drs, job_id)

    log = drs.describe_job_log_items(jobID=job_id)["items"]
    failed = [i for i in log if i["event"] == "LAUNCH_FAILED"]
    assert len(failed) == 1
    assert raw in failed[0]["eventData"]["rawError"]
    emulator.advance(60)  # DRS cleans up what the failed launch left
    assert drs.describe_recovery_instances(filters={"sourceServerIDs": [sid]})["items"] == []
    assert (
        ec2.describe_instances(Filters=[{"Name": "private-ip-address", "Values": [ip]}])[
            "Reservations"
        ]
        == []
    )


def test_two_servers_of_one_job_given_one_address_launch_one(
    aws: tuple[Emulator, Any, Any],
) -> None:
    emulator, drs, ec2 = aws
    ids = [s["sourceServerID"] for s in servers_of(drs)][:2]
    for sid in ids:
        template_id, data = template_of(drs, ec2, sid)
        data["NetworkInterfaces"][0]["PrivateIpAddress"] = "10.100.1.40"
        new_default(ec2, template_id, data)

    job = run_until_complete(emulator, drs, drill(drs, ids))

    statuses = sorted(p["launchStatus"] for p in job["participatingServers"])
    assert statuses == ["FAILED", "LAUNCHED"]
    log = drs.describe_job_log_items(jobID=job["jobID"])["items"]
    assert any("InvalidIPAddress.InUse" in i.get("eventData", {}).get("rawError", "") for i in log)


def test_a_security_group_of_another_vpc_fails_the_launch(aws: tuple[Emulator, Any, Any]) -> None:
    emulator, drs, ec2 = aws
    sid = servers_of(drs)[0]["sourceServerID"]
    other = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="elsewhere", Description="x", VpcId=other)[
        "GroupId"
    ]
    template_id, data = template_of(drs, ec2, sid)
    data["NetworkInterfaces"][0]["Groups"] = [group]
    new_default(ec2, template_id, data)

    job_id = drill(drs, [sid])
    run_until_complete(emulator, drs, job_id)

    log = drs.describe_job_log_items(jobID=job_id)["items"]
    raw = next(i["eventData"]["rawError"] for i in log if i["event"] == "LAUNCH_FAILED")
    assert raw.startswith("InvalidParameter: Security group")


def test_terminating_frees_the_address_for_the_next_drill(aws: tuple[Emulator, Any, Any]) -> None:
    emulator, drs, ec2 = aws
    sid = servers_of(drs)[0]["sourceServerID"]
    template_id, data = template_of(drs, ec2, sid)
    data["NetworkInterfaces"][0]["PrivateIpAddress"] = "10.100.1.50"
    new_default(ec2, template_id, data)
    first = run_until_complete(emulator, drs, drill(drs, [sid]))
    instance_id = first["participatingServers"][0]["recoveryInstanceID"]

    ended = drs.terminate_recovery_instances(recoveryInstanceIDs=[instance_id])
    run_until_complete(emulator, drs, ended["job"]["jobID"])
    again = run_until_complete(emulator, drs, drill(drs, [sid]))

    state = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert state["State"]["Name"] == "terminated"
    assert again["participatingServers"][0]["launchStatus"] == "LAUNCHED"
