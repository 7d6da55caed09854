"""Launch settings: where each value comes from, what EC2 would refuse, what a new template
version carries over, and what counts as drift."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from drs_orchestrator.domain.launch_settings import (
    Ec2Facts,
    LaunchSettings,
    LaunchValues,
    Server,
    Subnet,
    SubnetRule,
    actual,
    differing,
    effective,
    failback_effective,
    launch_configuration_update,
    reserved,
    sync_state,
    template_data,
    validate,
)

DB = "s-00000000000000001"
WEB = "s-00000000000000002"
SUBNET_A = "subnet-0a0a0a0a0a0a0a0a0"
SUBNET_B = "subnet-0b0b0b0b0b0b0b0b0"
SG_A = "sg-0a0a0a0a0a0a0a0a0"
SG_OTHER = "sg-0c0c0c0c0c0c0c0c0"


def settings(**fields: Any) -> LaunchSettings:
    return LaunchSettings.model_validate(fields)


def facts(**more: Any) -> Ec2Facts:
    base: dict[str, Any] = {
        "subnets": {
            SUBNET_A: Subnet(SUBNET_A, IPv4Network("172.16.0.0/16"), "vpc-a", "us-east-1a"),
            SUBNET_B: Subnet(SUBNET_B, IPv4Network("172.17.0.0/24"), "vpc-a", "us-east-1b"),
        },
        "security_groups": {SG_A: "vpc-a", SG_OTHER: "vpc-other"},
        "addresses_in_use": {},
        "offerings": {"us-east-1a": frozenset({"t3.large", "r6i.2xlarge"})},
        "instance_profiles": frozenset({"drs-recovered"}),
    }
    return Ec2Facts(**{**base, **more})


def test_later_sources_win_field_by_field_and_each_value_names_its_source() -> None:
    s = settings(
        defaults={"instanceType": "t3.large", "copyTags": True, "launchDisposition": "STARTED"},
        subnetRules=[{"sourceCidr": "10.0.0.0/16", "subnetId": SUBNET_A}],
        tagRules=[
            {"matchTags": {"Tier": "db"}, "settings": {"instanceType": "r6i.2xlarge"}},
            {"matchTags": {"Tier": "web"}, "settings": {"instanceType": "t3.medium"}},
        ],
        overrides={DB: {"launchDisposition": "STOPPED"}},
    )

    db = effective(s, Server(DB, {"Tier": "db"}, ["10.0.4.20"]))
    web = effective(s, Server(WEB, {"Tier": "web"}, ["192.168.0.9"]))

    assert db.values == {
        "instance_type": "r6i.2xlarge",
        "copy_tags": True,
        "launch_disposition": "STOPPED",
        "subnet_id": SUBNET_A,
    }
    assert db.sources == {
        "instance_type": "tagRules[0].settings",
        "copy_tags": "defaults",
        "launch_disposition": f"overrides.{DB}",
        "subnet_id": "subnetRules[0]",
    }
    assert db.field_path("instance_type") == "tagRules[0].settings.instanceType"
    assert db.field_path("subnet_id") == "subnetRules[0].subnetId"
    assert web.values["instance_type"] == "t3.medium"
    assert "subnet_id" not in web.values  # no rule holds its IP


def test_the_most_specific_subnet_rule_wins_and_keeps_the_host_part_as_a_static_ip() -> None:
    s = settings(
        subnetRules=[
            {"sourceCidr": "10.0.0.0/8", "subnetId": SUBNET_B},
            {
                "sourceCidr": "10.20.0.0/16",
                "subnetId": SUBNET_A,
                "keepHostPart": True,
                "targetCidr": "172.16.0.0/16",
            },
        ]
    )

    e = effective(s, Server(DB, {}, ["10.20.3.7"]))

    assert e.values == {
        "subnet_id": SUBNET_A,
        "private_ip": IPv4Address("172.16.3.7"),
        "copy_private_ip": False,
    }
    assert e.field_path("private_ip") == "subnetRules[1].targetCidr"
    assert effective(s, Server(WEB, {}, ["10.9.0.1"])).values == {"subnet_id": SUBNET_B}


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ({"keepHostPart": True}, "needs targetCidr"),
        ({"keepHostPart": True, "targetCidr": "172.16.0.0/24"}, "host parts would not fit"),
    ],
)
def test_a_subnet_rule_that_cannot_keep_host_parts_is_refused(
    rule: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValidationError, match=says):
        SubnetRule.model_validate({"sourceCidr": "10.0.0.0/16", "subnetId": SUBNET_A, **rule})


def test_a_network_with_host_bits_set_is_refused_with_the_network_to_write() -> None:
    with pytest.raises(ValidationError, match=r"10\.0\.0\.1/16 has host bits set.*10\.0\.0\.0/16"):
        SubnetRule.model_validate({"sourceCidr": "10.0.0.1/16", "subnetId": SUBNET_A})


def test_unknown_fields_and_bad_ids_are_refused() -> None:
    with pytest.raises(ValidationError):
        LaunchValues.model_validate({"instanceTyp": "t3.large"})
    with pytest.raises(ValidationError):
        LaunchValues.model_validate({"subnetId": "subnet-XYZ"})
    with pytest.raises(ValidationError):
        LaunchValues.model_validate({"privateIp": "10.0.0.300"})
    for not_text in (True, 5, 167772160):  # pydantic alone would read 0.0.0.1, ...
        with pytest.raises(ValidationError, match="must be a string"):
            LaunchValues.model_validate({"privateIp": not_text})
        with pytest.raises(ValidationError, match="must be a string"):
            SubnetRule.model_validate({"sourceCidr": not_text, "subnetId": SUBNET_A})


def codes(s: LaunchSettings, servers: list[Server], ec2: Ec2Facts) -> list[tuple[str, str]]:
    return [(v.field, v.code) for v in validate([effective(s, x) for x in servers], ec2)]


def test_a_static_ip_must_be_in_the_subnet_not_reserved_and_not_taken() -> None:
    def of(ip: str, **more: Any) -> list[tuple[str, str]]:
        s = settings(
            defaults={"subnetId": SUBNET_B, "copyPrivateIp": False},
            overrides={DB: {"privateIp": ip}},
        )
        return codes(s, [Server(DB)], facts(**more))

    path = f"overrides.{DB}.privateIp"
    assert of("172.17.0.10") == []
    assert of("172.16.0.10") == [(path, "IP_OUTSIDE_SUBNET")]
    for taken_by_aws in ("172.17.0.0", "172.17.0.1", "172.17.0.2", "172.17.0.3", "172.17.0.255"):
        assert of(taken_by_aws) == [(path, "IP_RESERVED")]
    assert of("172.17.0.4") == []  # the first address one may use
    assert of("172.17.0.10", addresses_in_use={"172.17.0.10": "i-0123"}) == [(path, "IP_IN_USE")]
    # Its own earlier drill instance holds it: no conflict
    own = {"addresses_in_use": {"172.17.0.10": "i-0123"}, "own_instances": {DB: {"i-0123"}}}
    assert of("172.17.0.10", **own) == []
    assert len(reserved(IPv4Network("172.17.0.0/24"))) == 5


def test_two_servers_given_one_ip_are_refused_at_the_second() -> None:
    s = settings(
        defaults={"subnetId": SUBNET_B, "copyPrivateIp": False},
        overrides={DB: {"privateIp": "172.17.0.9"}, WEB: {"privateIp": "172.17.0.9"}},
    )
    assert codes(s, [Server(DB), Server(WEB)], facts()) == [
        (f"overrides.{WEB}.privateIp", "DUPLICATE_PRIVATE_IP")
    ]


def test_what_ec2_would_refuse_is_named_at_its_field() -> None:
    s = settings(
        defaults={
            "subnetId": SUBNET_A,
            "securityGroupIds": [SG_A, SG_OTHER, "sg-0deadbeefdeadbeef"],
            "instanceType": "x2iedn.32xlarge",
            "instanceProfile": "missing-profile",
            "privateIp": "172.16.1.1",
            "copyPrivateIp": True,
            "iops": 3000,
            "volumeType": "gp2",
        }
    )
    assert sorted(codes(s, [Server(DB)], facts())) == sorted(
        [
            ("defaults.privateIp", "STATIC_IP_WITH_COPY_PRIVATE_IP"),
            ("defaults.securityGroupIds", "SECURITY_GROUP_OTHER_VPC"),
            ("defaults.securityGroupIds", "UNKNOWN_SECURITY_GROUP"),
            ("defaults.instanceType", "INSTANCE_TYPE_NOT_OFFERED"),
            ("defaults.instanceProfile", "UNKNOWN_INSTANCE_PROFILE"),
            ("defaults.iops", "IOPS_NEED_PROVISIONED_VOLUMES"),
        ]
    )
    unknown = settings(defaults={"subnetId": "subnet-0fffffffffffffff0"})
    assert codes(unknown, [Server(DB)], facts()) == [("defaults.subnetId", "UNKNOWN_SUBNET")]


def test_security_groups_are_checked_against_the_template_s_current_subnet_too() -> None:
    s = settings(defaults={"securityGroupIds": [SG_OTHER]})
    assert codes(s, [Server(DB)], facts()) == []  # no subnet known: nothing to compare
    assert codes(s, [Server(DB)], facts(current_subnets={DB: SUBNET_A})) == [
        ("defaults.securityGroupIds", "SECURITY_GROUP_OTHER_VPC")
    ]


BASE: dict[str, Any] = {
    "InstanceType": "t3.small",
    "KeyName": "ops",  # not managed: must survive
    "UserData": "IyEvYmluL3NoCg==",
    "NetworkInterfaces": [
        {"DeviceIndex": 0, "SubnetId": SUBNET_B, "DeleteOnTermination": True, "Groups": [SG_A]},
        {"DeviceIndex": 1, "SubnetId": SUBNET_B},
    ],
    "TagSpecifications": [
        {"ResourceType": "instance", "Tags": [{"Key": "Owner", "Value": "ops"}]},
        {"ResourceType": "volume", "Tags": [{"Key": "Backup", "Value": "yes"}]},
    ],
    "BlockDeviceMappings": [
        {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 40, "VolumeType": "gp2"}},
        {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 100, "VolumeType": "gp2"}},
    ],
}
HELD_LC: dict[str, Any] = {
    "launchDisposition": "STARTED",
    "copyPrivateIp": True,
    "copyTags": True,
    "licensing": {"osByol": False},
    "targetInstanceTypeRightSizingMethod": "BASIC",
    "postLaunchEnabled": False,
    "recoveryMode": "OPTIMAL",
}


def test_a_new_version_carries_over_what_is_not_managed() -> None:
    s = settings(
        defaults={
            "instanceType": "r6i.2xlarge",
            "subnetId": SUBNET_A,
            "privateIp": "172.16.0.20",
            "tags": {"Env": "dr"},
            "volumeType": "gp3",
            "iops": 4000,
        }
    )

    data = template_data(BASE, effective(s, Server(DB)))

    assert data["KeyName"] == "ops"
    assert data["UserData"] == BASE["UserData"]
    assert data["InstanceType"] == "r6i.2xlarge"
    assert data["NetworkInterfaces"] == [
        {
            "DeviceIndex": 0,
            "SubnetId": SUBNET_A,
            "DeleteOnTermination": True,
            "Groups": [SG_A],
            "PrivateIpAddress": "172.16.0.20",
        },
        {"DeviceIndex": 1, "SubnetId": SUBNET_B},
    ]
    assert data["TagSpecifications"] == [
        {
            "ResourceType": "instance",
            "Tags": [{"Key": "Owner", "Value": "ops"}, {"Key": "Env", "Value": "dr"}],
        },
        {"ResourceType": "volume", "Tags": [{"Key": "Backup", "Value": "yes"}]},
    ]
    assert [m["Ebs"] for m in data["BlockDeviceMappings"]] == [
        {"VolumeSize": 40, "VolumeType": "gp3", "Iops": 4000},
        {"VolumeSize": 100, "VolumeType": "gp3", "Iops": 4000},
    ]
    assert BASE["InstanceType"] == "t3.small"  # the base is not changed


def test_drift_is_the_managed_fields_drs_or_the_template_does_not_hold() -> None:
    s = settings(
        defaults={
            "instanceType": "r6i.2xlarge",
            "copyTags": False,
            "osByol": True,
            "tags": {"Env": "dr"},
        }
    )
    desired = effective(s, Server(DB))

    assert differing(desired, actual(BASE, HELD_LC)) == [
        "copyTags",
        "osByol",
        "instanceType",
        "tags",
    ]
    assert launch_configuration_update(desired, actual(BASE, HELD_LC)) == {
        "copyTags": False,
        "licensing": {"osByol": True},
    }
    applied_lc = {**HELD_LC, "copyTags": False, "licensing": {"osByol": True}}
    held = actual(template_data(BASE, desired), applied_lc)
    assert differing(desired, held) == []
    assert launch_configuration_update(desired, held) == {}  # nothing rewritten that matches
    edited = {**template_data(BASE, desired), "InstanceType": "t3.nano"}  # by hand, out of band
    assert differing(desired, actual(edited, applied_lc)) == ["instanceType"]


values = st.fixed_dictionaries(
    {},
    optional={
        "instanceType": st.sampled_from(["t3.large", "r6i.2xlarge", "m5.xlarge"]),
        "subnetId": st.sampled_from([SUBNET_A, SUBNET_B]),
        "securityGroupIds": st.lists(
            st.sampled_from([SG_A, SG_OTHER]), min_size=1, max_size=2, unique=True
        ),
        "privateIp": st.ip_addresses(v=4).map(str),
        "instanceProfile": st.sampled_from(
            ["drs-recovered", "arn:aws:iam::111111111111:instance-profile/x"]
        ),
        "tags": st.dictionaries(
            st.sampled_from(["Env", "Owner", "App"]), st.text(max_size=5), max_size=3
        ),
        "volumeType": st.sampled_from(["gp3", "io2"]),
        "iops": st.integers(100, 16000),
        "copyTags": st.booleans(),
        "launchDisposition": st.sampled_from(["STOPPED", "STARTED"]),
        "osByol": st.booleans(),
        "recoveryMode": st.sampled_from(["FAST", "OPTIMAL"]),
    },
)


@given(values)
def test_once_applied_nothing_differs_and_nothing_is_written_again(fields: dict[str, Any]) -> None:
    desired = effective(settings(defaults=fields), Server(DB))
    update = launch_configuration_update(desired, actual(BASE, HELD_LC))
    applied_lc = {**HELD_LC, **update}

    held = actual(template_data(BASE, desired), applied_lc)

    assert differing(desired, held) == []
    assert launch_configuration_update(desired, held) == {}


@pytest.mark.parametrize(
    ("applied", "differs", "readable", "state"),
    [
        (None, False, True, "NOT_APPLIED"),
        (None, True, True, "NOT_APPLIED"),
        (True, False, True, "IN_SYNC"),
        (True, True, True, "DRIFTED"),
        (False, False, True, "FAILED"),  # the last apply failed, even if nothing differs now
        (True, False, False, "FAILED"),  # what is held cannot be read
    ],
)
def test_a_servers_sync_state(
    applied: bool | None, differs: bool, readable: bool, state: str
) -> None:
    assert sync_state(applied, differs, readable) == state


def test_a_failback_takes_its_own_settings_matched_by_the_groups_server() -> None:
    settings = LaunchSettings.model_validate(
        {
            "defaults": {"instanceType": "r6i.large"},
            "failback": {
                "defaults": {"subnetId": "subnet-0000000000000000b", "instanceType": "m5.large"},
                "tagRules": [{"matchTags": {"Tier": "db"}, "settings": {"volumeType": "io2"}}],
                "overrides": {"s-0000000000000000a": {"instanceType": "m5.xlarge"}},
            },
        }
    )
    assert settings.failback is not None
    server = Server("s-0000000000000000a", {"Tier": "db"})

    found = failback_effective(settings.failback, server, "s-00000000000000fff")

    assert found.server_id == "s-00000000000000fff"  # what DRS launches: the reversed server
    assert found.values == {
        "subnet_id": "subnet-0000000000000000b",
        "instance_type": "m5.xlarge",
        "volume_type": "io2",
    }
    assert (
        found.field_path("instance_type") == "failback.overrides.s-0000000000000000a.instanceType"
    )
    assert found.field_path("volume_type") == "failback.tagRules[0].settings.volumeType"
    assert effective(settings, server).values == {"instance_type": "r6i.large"}  # apart


def test_failback_settings_have_no_subnet_rules_or_failback_of_their_own() -> None:
    for extra in ({"subnetRules": []}, {"failback": {}}):
        with pytest.raises(ValidationError) as refused:
            LaunchSettings.model_validate({"failback": extra})
        assert refused.value.errors()[0]["loc"][:2] == ("failback", next(iter(extra)))
