"""A protection group's launch settings over HTTP: read, replaced with If-Match, and refused
with every field at fault (nothing written) when EC2 would refuse them at launch. DRS is the
emulator; EC2 and IAM are moto's, both over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest

pytestmark = pytest.mark.integration
REGION = "us-east-1"


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def ec2(moto_endpoint: str) -> dict[str, str]:
    """A recovery VPC with one subnet and its security group, and a group of another VPC."""
    client = boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    vpc = client.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    other = client.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = client.create_subnet(
        VpcId=vpc, CidrBlock="172.16.1.0/24", AvailabilityZone="us-east-1a"
    )
    return {
        "subnet": subnet["Subnet"]["SubnetId"],
        "sg": client.create_security_group(GroupName="app", Description="a", VpcId=vpc)["GroupId"],
        "other_sg": client.create_security_group(GroupName="o", Description="o", VpcId=other)[
            "GroupId"
        ],
    }


@pytest.fixture
def group(admin: httpx.Client) -> dict[str, Any]:
    made = admin.post(
        "/protection-groups",
        json={
            "name": "Shop db",
            "region": REGION,
            "serverSelector": {"tags": {"App": "shop", "Tier": "db"}},
        },
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def put(
    client: httpx.Client, group_id: str, body: dict[str, Any], version: int | None = None
) -> httpx.Response:
    headers = {"If-Match": f'"{version}"'} if version is not None else {}
    return client.put(f"/protection-groups/{group_id}/launch-settings", json=body, headers=headers)


def valid(ec2: dict[str, str], servers: list[str]) -> dict[str, Any]:
    return {
        "defaults": {
            "instanceType": "t3.large",
            "subnetId": ec2["subnet"],
            "securityGroupIds": [ec2["sg"]],
        },
        "tagRules": [{"matchTags": {"Tier": "db"}, "settings": {"instanceType": "r6i.2xlarge"}}],
        "overrides": {servers[0]: {"privateIp": "172.16.1.20", "copyPrivateIp": False}},
    }


def test_settings_start_empty_and_are_replaced_with_if_match(
    admin: httpx.Client, group: dict[str, Any], ec2: dict[str, str]
) -> None:
    url = f"/protection-groups/{group['id']}/launch-settings"
    first = admin.get(url)
    assert first.status_code == 200
    assert first.headers["ETag"] == '"0"'
    assert first.json() == {
        "defaults": {},
        "subnetRules": [],
        "tagRules": [],
        "overrides": {},
        "version": 0,
    }

    saved = put(admin, group["id"], valid(ec2, group["serverIds"]), version=0)

    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] == '"1"'
    body = admin.get(url).json()
    assert (body["version"], body["updatedBy"]) == (1, "admin")
    assert body["defaults"]["subnetId"] == ec2["subnet"]
    assert body["overrides"][group["serverIds"][0]]["privateIp"] == "172.16.1.20"
    stale = put(admin, group["id"], valid(ec2, group["serverIds"]), version=0)
    assert (stale.status_code, stale.json()["code"]) == (412, "VERSION_MISMATCH")
    audit = admin.get(
        "/audit", params={"resourceType": "launch-settings", "resourceId": group["id"]}
    )
    assert [e["action"] for e in audit.json()["items"]] == ["update"]


def test_what_ec2_would_refuse_is_refused_at_its_fields_and_nothing_is_written(
    admin: httpx.Client, group: dict[str, Any], ec2: dict[str, str]
) -> None:
    servers = group["serverIds"]
    assert put(admin, group["id"], valid(ec2, servers)).status_code == 200
    body = valid(ec2, servers)
    body["defaults"]["securityGroupIds"] = [ec2["sg"], ec2["other_sg"]]
    body["overrides"] = {
        servers[0]: {"privateIp": "172.16.2.9", "copyPrivateIp": False},  # another subnet's
        servers[1]: {"privateIp": "172.16.1.255", "copyPrivateIp": False},  # reserved
        "s-0fffffffffffffff0": {"instanceType": "t3.nano"},  # not in the group
    }

    refused = put(admin, group["id"], body)

    assert refused.status_code == 400, refused.text
    problem = refused.json()
    assert problem["code"] == "LAUNCH_SETTINGS_INVALID"
    fields = {(e["field"], e["code"]) for e in problem["errors"]}
    assert fields >= {
        ("overrides.s-0fffffffffffffff0", "SERVER_NOT_IN_GROUP"),
        (f"overrides.{servers[0]}.privateIp", "IP_OUTSIDE_SUBNET"),
        (f"overrides.{servers[1]}.privateIp", "IP_RESERVED"),
        ("defaults.securityGroupIds", "SECURITY_GROUP_OTHER_VPC"),
    }
    kept = admin.get(f"/protection-groups/{group['id']}/launch-settings").json()
    assert kept["version"] == 1
    assert kept["overrides"][servers[0]]["privateIp"] == "172.16.1.20"


def test_two_servers_with_one_ip_are_refused(
    admin: httpx.Client, group: dict[str, Any], ec2: dict[str, str]
) -> None:
    servers = group["serverIds"]
    body = valid(ec2, servers)
    body["overrides"] = {
        s: {"privateIp": "172.16.1.30", "copyPrivateIp": False} for s in servers[:2]
    }

    refused = put(admin, group["id"], body)

    assert refused.status_code == 400
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        (f"overrides.{sorted(servers[:2])[1]}.privateIp", "DUPLICATE_PRIVATE_IP")
    ]


def test_an_ip_another_groups_settings_give_is_refused(
    admin: httpx.Client, group: dict[str, Any], ec2: dict[str, str]
) -> None:
    web = admin.post(
        "/protection-groups",
        json={"name": "Shop web", "region": REGION, "serverSelector": {"tags": {"Tier": "web"}}},
    ).json()
    taken = valid(ec2, web["serverIds"])
    taken["overrides"] = {web["serverIds"][0]: {"privateIp": "172.16.1.40", "copyPrivateIp": False}}
    assert put(admin, web["id"], taken).status_code == 200
    body = valid(ec2, group["serverIds"])
    body["overrides"] = {
        group["serverIds"][0]: {"privateIp": "172.16.1.40", "copyPrivateIp": False}
    }

    refused = put(admin, group["id"], body)

    assert refused.status_code == 400
    (error,) = refused.json()["errors"]
    assert (error["field"], error["code"]) == (
        f"overrides.{group['serverIds'][0]}.privateIp",
        "DUPLICATE_PRIVATE_IP",
    )
    assert f"{web['serverIds'][0]} of Shop web" in error["message"]
    body["overrides"] = {
        group["serverIds"][0]: {"privateIp": "172.16.1.41", "copyPrivateIp": False}
    }
    assert put(admin, group["id"], body).status_code == 200


def test_a_viewer_reads_the_settings_but_may_not_replace_them(
    as_role: Callable[[str], httpx.Client], group: dict[str, Any], ec2: dict[str, str]
) -> None:
    viewer = as_role("viewer")
    assert viewer.get(f"/protection-groups/{group['id']}/launch-settings").status_code == 200
    assert put(viewer, group["id"], valid(ec2, group["serverIds"])).status_code == 403


def test_settings_of_a_group_that_does_not_exist_are_404(admin: httpx.Client) -> None:
    missing = admin.get("/protection-groups/nope/launch-settings")
    assert (missing.status_code, missing.json()["code"]) == (404, "PG_NOT_FOUND")
