"""What EC2 and IAM hold, as the launch-settings checks ask for it: moto's EC2 and IAM over
HTTP on loopback, real boto3."""

from __future__ import annotations

import socket
from ipaddress import IPv4Network
from typing import Any

import boto3
import pytest

from drs_orchestrator.domain.launch_settings import Subnet
from drs_orchestrator.drs.ec2 import Ec2Reader, Ec2Unavailable

pytestmark = pytest.mark.integration
REGION = "us-east-1"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> boto3.session.Session:
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def estate(session: boto3.session.Session) -> dict[str, Any]:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="172.16.1.0/24", AvailabilityZone="us-east-1a")
    sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    other_sg = ec2.create_security_group(GroupName="o", Description="o", VpcId=other_vpc)["GroupId"]
    subnet_id = subnet["Subnet"]["SubnetId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet_id, PrivateIpAddress="172.16.1.50"
    )["Instances"][0]["InstanceId"]
    profile = session.client("iam").create_instance_profile(InstanceProfileName="drs-recovered")
    return {
        "vpc": vpc,
        "other_vpc": other_vpc,
        "subnet": subnet_id,
        "sg": sg,
        "other_sg": other_sg,
        "instance": instance,
        "profile_arn": profile["InstanceProfile"]["Arn"],
    }


def test_the_facts_hold_what_ec2_and_iam_hold_of_what_was_asked(
    session: boto3.session.Session, estate: dict[str, Any]
) -> None:
    reader = Ec2Reader(session, "111111111111", REGION)
    missing_subnet, missing_sg = "subnet-0fffffffffffffff0", "sg-0fffffffffffffff0"
    arn = estate["profile_arn"]

    facts = reader.facts(
        subnet_ids=[estate["subnet"], missing_subnet],
        security_group_ids=[estate["sg"], estate["other_sg"], missing_sg],
        private_ips=["172.16.1.50", "172.16.1.51"],
        instance_types=["t3.large", "p4d.24xlarge"],
        instance_profiles=["drs-recovered", arn, "missing", arn.replace("drs-recovered", "x")],
    )

    assert facts.subnets == {
        estate["subnet"]: Subnet(
            estate["subnet"], IPv4Network("172.16.1.0/24"), estate["vpc"], "us-east-1a"
        )
    }
    assert facts.security_groups == {
        estate["sg"]: estate["vpc"],
        estate["other_sg"]: estate["other_vpc"],
    }
    assert facts.addresses_in_use == {"172.16.1.50": estate["instance"]}
    assert set(facts.offerings) == {"us-east-1a"}
    assert "t3.large" in facts.offerings["us-east-1a"]
    assert facts.instance_profiles == {"drs-recovered", arn}


def test_ec2_out_of_reach_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", closed)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    reader = Ec2Reader(session, "111111111111", REGION)

    with pytest.raises(Ec2Unavailable) as failed:
        reader.facts(
            subnet_ids=["subnet-0fffffffffffffff0"],
            security_group_ids=[],
            private_ips=[],
            instance_types=[],
            instance_profiles=[],
        )

    assert failed.value.code == "EC2_UNAVAILABLE"
    assert "Could not connect" in failed.value.message
