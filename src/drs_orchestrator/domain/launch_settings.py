"""Launch settings: what a protection group's servers are to launch with in DRS and EC2, and
where each value comes from (the group's defaults, a subnet rule, a tag rule, an override).

Pure: EC2's facts (subnets, security groups, addresses in use, offerings, profiles) are given
to `validate`, and a launch template's data and a DRS launch configuration are plain
mappings, as DRS and EC2 answer them (docs/drs-facts.md, "Launch templates")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict, StringConstraints, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from drs_orchestrator.domain.errors import Violation
from drs_orchestrator.domain.groups import TagKey, TagValue
from drs_orchestrator.domain.model import INTEGRAL, Boolean, Document, SourceServerId
from drs_orchestrator.domain.servers import matches

SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]
SecurityGroupId = Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{8,17}$")]
InstanceType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")]
# An instance profile by name or by ARN, as a launch template's IamInstanceProfile takes it.
InstanceProfile = Annotated[
    str, StringConstraints(min_length=1, max_length=2048, pattern=r"^[\w+=,.@:/-]+$")
]
Iops = Annotated[int, Strict(), Field(ge=100, le=256_000), INTEGRAL]
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
CIDR_PATTERN = rf"^{_OCTET}(\.{_OCTET}){{3}}/(3[0-2]|[12]?[0-9])$"


def _written(value: object, example: str) -> None:
    """Addresses come as text: pydantic would take `true` or `5` for 0.0.0.1 or 0.0.0.5."""
    if not isinstance(value, str | IPv4Address | IPv4Network):
        raise PydanticCustomError(
            "NOT_A_STRING", "must be a string such as {example}", {"example": example}
        )


def _address(value: object) -> object:
    _written(value, "10.0.1.20")
    return value


def _cidr(value: object) -> object:
    """A network as AWS writes it: host bits set (`10.0.0.1/16`) are refused, not dropped."""
    _written(value, "10.0.0.0/16")
    if isinstance(value, str) and re.fullmatch(CIDR_PATTERN, value):
        try:
            return IPv4Network(value)
        except ValueError:
            raise PydanticCustomError(
                "CIDR_HOST_BITS_SET",
                "{value} has host bits set: write the network, e.g. {network}",
                {"value": value, "network": str(IPv4Network(value, strict=False))},
            ) from None
    return value


Cidr = Annotated[
    IPv4Network, BeforeValidator(_cidr), Field(json_schema_extra={"pattern": CIDR_PATTERN})
]
Address = Annotated[IPv4Address, BeforeValidator(_address)]

# The fields of each kind, as `LaunchValues` names them in Python.
DRS_FIELDS = (
    "launch_disposition",
    "copy_private_ip",
    "copy_tags",
    "os_byol",
    "target_instance_type_right_sizing_method",
    "post_launch_enabled",
    "recovery_mode",
)
TEMPLATE_FIELDS = (
    "subnet_id",
    "security_group_ids",
    "instance_type",
    "instance_profile",
    "private_ip",
    "tags",
    "volume_type",
    "iops",
)
FIELDS = DRS_FIELDS + TEMPLATE_FIELDS
RESERVED_PER_SUBNET = 5  # the network address, the next three, and the last (AWS VPC)


class LaunchValues(Document):
    """Values to launch with; a field left out is not managed here (DRS and the launch
    template keep what they hold)."""

    # DRS launch configuration
    launch_disposition: Literal["STOPPED", "STARTED"] | None = None
    copy_private_ip: Boolean | None = None
    copy_tags: Boolean | None = None
    os_byol: Boolean | None = None
    target_instance_type_right_sizing_method: Literal["NONE", "BASIC", "IN_AWS"] | None = None
    post_launch_enabled: Boolean | None = None
    recovery_mode: Literal["FAST", "OPTIMAL"] | None = None
    # EC2 launch template, its default version
    subnet_id: SubnetId | None = None
    security_group_ids: list[SecurityGroupId] | None = Field(
        default=None, min_length=1, max_length=5
    )
    instance_type: InstanceType | None = None
    instance_profile: InstanceProfile | None = None
    private_ip: Address | None = None
    tags: dict[TagKey, TagValue] | None = Field(default=None, max_length=50)
    volume_type: Literal["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"] | None = None
    iops: Iops | None = None

    def managed(self) -> dict[str, Any]:
        return {f: v for f in FIELDS if (v := getattr(self, f)) is not None}


class TagRule(Document):
    """Servers whose tags include every pair of `matchTags` get `settings`."""

    match_tags: dict[TagKey, TagValue] = Field(min_length=1, max_length=10)
    settings: LaunchValues


class SubnetRule(Document):
    """A server whose source IP is in `sourceCidr` launches in `subnetId`; with
    `keepHostPart` at the same host part of `targetCidr` (the subnet's CIDR), as a static IP."""

    source_cidr: Cidr
    subnet_id: SubnetId
    keep_host_part: Boolean = False
    target_cidr: Cidr | None = None

    @model_validator(mode="after")
    def _host_part_fits(self) -> SubnetRule:
        if self.keep_host_part:
            if self.target_cidr is None:
                raise PydanticCustomError(
                    "TARGET_CIDR_REQUIRED", "keepHostPart needs targetCidr, the subnet's CIDR"
                )
            if self.target_cidr.prefixlen > self.source_cidr.prefixlen:
                raise PydanticCustomError(
                    "TARGET_CIDR_TOO_SMALL",
                    "targetCidr {target} is smaller than sourceCidr {source}: host parts "
                    "would not fit",
                    {"target": str(self.target_cidr), "source": str(self.source_cidr)},
                )
        return self


class FailbackLaunch(Document):
    """How the group's servers launch when a failback brings them home to their AWS origin
    region (on its reversed source servers, whose launch settings are the origin's): its
    subnets, security groups and the rest. Defaults, then tag rules, then overrides keyed
    by the group's own source server IDs (a reversed server's ID changes with each
    reprotect). On-premises origins take none: their failback launches onto the machine."""

    defaults: LaunchValues = Field(default_factory=LaunchValues)
    tag_rules: list[TagRule] = Field(default_factory=list, max_length=100)
    overrides: dict[SourceServerId, LaunchValues] = Field(
        default_factory=dict,
        max_length=3000,
        json_schema_extra={"additionalProperties": False},  # keys are source server IDs
    )


class LaunchSettings(Document):
    """A protection group's launch settings: defaults, then subnet rules, then tag rules in
    order, then per-server overrides; each later source wins for the fields it sets.
    `failback`: those of a failback to the servers' AWS origin, apart."""

    defaults: LaunchValues = Field(default_factory=LaunchValues)
    subnet_rules: list[SubnetRule] = Field(default_factory=list, max_length=200)
    tag_rules: list[TagRule] = Field(default_factory=list, max_length=100)
    overrides: dict[SourceServerId, LaunchValues] = Field(
        default_factory=dict,
        max_length=3000,
        json_schema_extra={"additionalProperties": False},  # keys are source server IDs
    )
    failback: FailbackLaunch | None = None


@dataclass(frozen=True)
class Server:
    """What the settings of one server depend on."""

    server_id: str
    tags: Mapping[str, str] = field(default_factory=dict)
    ips: Sequence[str] = ()


@dataclass(frozen=True)
class Effective:
    """One server's settings: each managed field's value, and the path of its source in the
    group's settings (`defaults`, `subnetRules[0]`, `tagRules[2].settings`, `overrides.s-…`)."""

    server_id: str
    values: Mapping[str, Any]
    sources: Mapping[str, str]

    def field_path(self, name: str) -> str:
        source = self.sources[name]
        if source.startswith("subnetRules["):
            return f"{source}.{'subnetId' if name == 'subnet_id' else 'targetCidr'}"
        return f"{source}.{to_camel(name)}"


def _subnet_rule(
    rules: Sequence[SubnetRule], ips: Sequence[str]
) -> tuple[int, SubnetRule, IPv4Address] | None:
    """The most specific rule holding the server's first IP that any rule holds."""
    for raw in ips:
        ip = IPv4Address(raw)
        holding = [(i, r) for i, r in enumerate(rules) if ip in r.source_cidr]
        if holding:
            i, rule = max(holding, key=lambda found: (found[1].source_cidr.prefixlen, -found[0]))
            return i, rule, ip
    return None


def effective(settings: LaunchSettings, server: Server) -> Effective:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def take(found: Mapping[str, Any], source: str) -> None:
        for name, value in found.items():
            values[name], sources[name] = value, source

    take(settings.defaults.managed(), "defaults")
    ruled = _subnet_rule(settings.subnet_rules, server.ips)
    if ruled is not None:
        i, rule, ip = ruled
        found: dict[str, Any] = {"subnet_id": rule.subnet_id}
        if rule.keep_host_part and rule.target_cidr is not None:
            offset = int(ip) - int(rule.source_cidr.network_address)
            found["private_ip"] = IPv4Address(int(rule.target_cidr.network_address) + offset)
            found["copy_private_ip"] = False  # a static IP needs it off (DRS)
        take(found, f"subnetRules[{i}]")
    for i, tag_rule in enumerate(settings.tag_rules):
        if matches(server.tags, tag_rule.match_tags):
            take(tag_rule.settings.managed(), f"tagRules[{i}].settings")
    override = settings.overrides.get(server.server_id)
    if override is not None:
        take(override.managed(), f"overrides.{server.server_id}")
    return Effective(server.server_id, values, sources)


def failback_effective(failback: FailbackLaunch, server: Server, launched_as: str) -> Effective:
    """The values a failback brings the group's `server` home with (its tags match the tag
    rules, its ID the overrides), for the reversed source server `launched_as` that DRS
    launches at the origin. Sources are paths under `failback`, as the document names them."""
    found = effective(
        LaunchSettings(
            defaults=failback.defaults, tag_rules=failback.tag_rules, overrides=failback.overrides
        ),
        server,
    )
    sources = {name: f"failback.{source}" for name, source in found.sources.items()}
    return Effective(launched_as, found.values, sources)


# --- validation against EC2 ----------------------------------------------------------------


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    cidr: IPv4Network
    vpc_id: str
    availability_zone: str


@dataclass(frozen=True)
class Ec2Facts:
    """What EC2 holds that the settings must agree with, in the group's region."""

    subnets: Mapping[str, Subnet]
    security_groups: Mapping[str, str]  # ID -> its VPC
    addresses_in_use: Mapping[str, str]  # private IP -> the instance (or ENI) holding it
    offerings: Mapping[str, frozenset[str]]  # availability zone -> instance types offered
    instance_profiles: frozenset[str]  # names and ARNs
    # Instances a server's own launches hold: its IP held by one of them is no conflict.
    own_instances: Mapping[str, frozenset[str]] = field(default_factory=dict)
    current_subnets: Mapping[str, str] = field(default_factory=dict)  # server -> template's


def reserved(cidr: IPv4Network) -> set[IPv4Address]:
    first = int(cidr.network_address)
    return {IPv4Address(first + n) for n in range(4)} | {cidr.broadcast_address}


def validate(
    servers: Sequence[Effective],
    facts: Ec2Facts,
    claimed: Mapping[IPv4Address, str] | None = None,
) -> list[Violation]:
    """Everything EC2 would refuse at launch, each at the field whose value causes it.
    `claimed`: static IPs other groups' settings give their servers (whom, in words)."""
    found: list[Violation] = []
    holders: dict[IPv4Address, str] = dict(claimed or {})
    for e in servers:
        found += _validate_one(e, facts)
        ip = e.values.get("private_ip")
        if ip is None:
            continue
        if ip in holders:
            found.append(
                Violation(
                    e.field_path("private_ip"),
                    "DUPLICATE_PRIVATE_IP",
                    f"{ip} is given to {holders[ip]} and to {e.server_id}",
                )
            )
        holders.setdefault(ip, e.server_id)
    return found


def static_ips(settings: LaunchSettings) -> bool:
    """Whether the settings can give any server a static IP (else its effective values need
    not be worked out to know it gives none)."""
    values = [settings.defaults, *(r.settings for r in settings.tag_rules)]
    values += settings.overrides.values()
    return any(v.private_ip is not None for v in values) or any(
        r.keep_host_part for r in settings.subnet_rules
    )


def _validate_one(e: Effective, facts: Ec2Facts) -> list[Violation]:
    v = e.values
    found: list[Violation] = []

    def bad(name: str, code: str, message: str) -> None:
        found.append(Violation(e.field_path(name), code, f"{e.server_id}: {message}"))

    subnet_id = v.get("subnet_id") or facts.current_subnets.get(e.server_id)
    subnet = facts.subnets.get(subnet_id) if subnet_id else None
    if "subnet_id" in v and subnet is None:
        bad("subnet_id", "UNKNOWN_SUBNET", f"subnet {v['subnet_id']} does not exist in the region")
    ip: IPv4Address | None = v.get("private_ip")
    if ip is not None:
        if v.get("copy_private_ip") is True:
            bad(
                "private_ip",
                "STATIC_IP_WITH_COPY_PRIVATE_IP",
                f"a static IP ({ip}) needs copyPrivateIp off: DRS would use the source's IP",
            )
        if subnet is not None and ip not in subnet.cidr:
            bad(
                "private_ip",
                "IP_OUTSIDE_SUBNET",
                f"{ip} is not in {subnet.subnet_id} ({subnet.cidr})",
            )
        elif subnet is not None and ip in reserved(subnet.cidr):
            bad(
                "private_ip",
                "IP_RESERVED",
                f"{ip} is one of the {RESERVED_PER_SUBNET} addresses AWS reserves in {subnet.cidr}",
            )
        holder = facts.addresses_in_use.get(str(ip))
        if holder is not None and holder not in facts.own_instances.get(e.server_id, frozenset()):
            bad("private_ip", "IP_IN_USE", f"{ip} is already used by {holder}")
    for group in v.get("security_group_ids") or []:
        vpc = facts.security_groups.get(group)
        if vpc is None:
            bad(
                "security_group_ids",
                "UNKNOWN_SECURITY_GROUP",
                f"security group {group} does not exist",
            )
        elif subnet is not None and vpc != subnet.vpc_id:
            bad(
                "security_group_ids",
                "SECURITY_GROUP_OTHER_VPC",
                f"security group {group} is in {vpc}, "
                f"the subnet {subnet.subnet_id} in {subnet.vpc_id}",
            )
    kind = v.get("instance_type")
    if kind is not None and subnet is not None:
        offered = facts.offerings.get(subnet.availability_zone)
        if offered is not None and kind not in offered:
            bad(
                "instance_type",
                "INSTANCE_TYPE_NOT_OFFERED",
                f"{kind} is not offered in {subnet.availability_zone}, {subnet.subnet_id}'s zone",
            )
    profile = v.get("instance_profile")
    if profile is not None and profile not in facts.instance_profiles:
        bad(
            "instance_profile",
            "UNKNOWN_INSTANCE_PROFILE",
            f"instance profile {profile} does not exist",
        )
    if v.get("iops") is not None and v.get("volume_type") not in {"io1", "io2", "gp3"}:
        bad(
            "iops",
            "IOPS_NEED_PROVISIONED_VOLUMES",
            "iops is set only with volumeType io1, io2 or gp3",
        )
    return found


# --- what DRS and EC2 hold, and what to write ---------------------------------------------


class SyncState(StrEnum):
    """A server's launch settings, desired against what DRS and its template hold."""

    IN_SYNC = "IN_SYNC"  # every managed value is held
    DRIFTED = "DRIFTED"  # applied, and a managed value differs now (edited, or not yet re-applied)
    NOT_APPLIED = "NOT_APPLIED"  # never applied here (its values may differ or not)
    FAILED = "FAILED"  # the last apply failed, or what is held cannot be read


def sync_state(applied: bool | None, differs: bool, readable: bool = True) -> SyncState:
    """`applied`: None if never applied, else whether the last apply succeeded."""
    if not readable or applied is False:
        return SyncState.FAILED
    if applied is None:
        return SyncState.NOT_APPLIED
    return SyncState.DRIFTED if differs else SyncState.IN_SYNC


def _interface0(data: Mapping[str, Any]) -> Mapping[str, Any]:
    for interface in data.get("NetworkInterfaces") or []:
        if interface.get("DeviceIndex", 0) == 0:
            return dict(interface)
    return {}


def _instance_tags(data: Mapping[str, Any]) -> dict[str, str] | None:
    for spec in data.get("TagSpecifications") or []:
        if spec.get("ResourceType") == "instance":
            return {t["Key"]: t["Value"] for t in spec.get("Tags") or []}
    return None


def actual(
    template_data: Mapping[str, Any], launch_configuration: Mapping[str, Any]
) -> dict[str, Any]:
    """The values DRS and the template's default version hold, named as `LaunchValues`'s."""
    nic = _interface0(template_data)
    profile = template_data.get("IamInstanceProfile") or {}
    volumes = [m.get("Ebs") or {} for m in template_data.get("BlockDeviceMappings") or []]
    ip = nic.get("PrivateIpAddress")
    return {
        "launch_disposition": launch_configuration.get("launchDisposition"),
        "copy_private_ip": launch_configuration.get("copyPrivateIp"),
        "copy_tags": launch_configuration.get("copyTags"),
        "os_byol": (launch_configuration.get("licensing") or {}).get("osByol"),
        "target_instance_type_right_sizing_method": launch_configuration.get(
            "targetInstanceTypeRightSizingMethod"
        ),
        "post_launch_enabled": launch_configuration.get("postLaunchEnabled"),
        "recovery_mode": launch_configuration.get("recoveryMode"),
        "subnet_id": nic.get("SubnetId"),
        "security_group_ids": nic.get("Groups"),
        "instance_type": template_data.get("InstanceType"),
        "instance_profile": profile.get("Arn") or profile.get("Name"),
        "private_ip": IPv4Address(ip) if ip else None,
        "tags": _instance_tags(template_data),
        "volume_type": _all_same([v.get("VolumeType") for v in volumes]),
        "iops": _all_same([v.get("Iops") for v in volumes]),
    }


def _all_same(values: list[Any]) -> Any:
    return values[0] if values and all(v == values[0] for v in values) else None


def differing(desired: Effective, held: Mapping[str, Any]) -> list[str]:
    """The managed fields whose value DRS or the template does not hold (camelCase)."""
    out = []
    for name, want in desired.values.items():
        have = held.get(name)
        if name == "security_group_ids":
            same = have is not None and sorted(have) == sorted(want)
        elif name == "tags":  # the managed tags are there; others may be too
            same = have is not None and all(have.get(k) == t for k, t in want.items())
        else:
            same = have == want
        if not same:
            out.append(to_camel(name))
    return out


def template_data(base: Mapping[str, Any], desired: Effective) -> dict[str, Any]:
    """A new version's data: the current default version's, with the managed fields set.
    Everything not managed is carried over (a version built from scratch would lose it)."""
    v = desired.values
    data = dict(base)
    if "instance_type" in v:
        data["InstanceType"] = v["instance_type"]
    if "instance_profile" in v:
        p = v["instance_profile"]
        data["IamInstanceProfile"] = {"Arn": p} if p.startswith("arn:") else {"Name": p}
    if {"subnet_id", "security_group_ids", "private_ip"} & v.keys():
        data["NetworkInterfaces"] = _with_interface0(base, v)
    if "tags" in v:
        data["TagSpecifications"] = _with_instance_tags(base, v["tags"])
    if {"volume_type", "iops"} & v.keys():
        data["BlockDeviceMappings"] = [
            _with_volume(m, v) for m in base.get("BlockDeviceMappings") or []
        ]
    return data


def _with_interface0(base: Mapping[str, Any], v: Mapping[str, Any]) -> list[dict[str, Any]]:
    others = [dict(n) for n in base.get("NetworkInterfaces") or [] if n.get("DeviceIndex", 0) != 0]
    nic = {"DeviceIndex": 0, **_interface0(base)}
    if "subnet_id" in v:
        nic["SubnetId"] = v["subnet_id"]
    if "security_group_ids" in v:
        nic["Groups"] = list(v["security_group_ids"])
    if "private_ip" in v:
        nic["PrivateIpAddress"] = str(v["private_ip"])
        nic.pop("PrivateIpAddresses", None)  # one way of naming the primary address
    return [nic, *others]


def _with_instance_tags(base: Mapping[str, Any], tags: Mapping[str, str]) -> list[dict[str, Any]]:
    specs = [dict(s) for s in base.get("TagSpecifications") or []]
    held = _instance_tags(base) or {}
    merged = [{"Key": k, "Value": t} for k, t in {**held, **tags}.items()]
    rest = [s for s in specs if s.get("ResourceType") != "instance"]
    return [{"ResourceType": "instance", "Tags": merged}, *rest]


def _with_volume(mapping: Mapping[str, Any], v: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(mapping)
    if "Ebs" in out:
        ebs = dict(out["Ebs"])
        if "volume_type" in v:
            ebs["VolumeType"] = v["volume_type"]
        if "iops" in v:
            ebs["Iops"] = v["iops"]
        out["Ebs"] = ebs
    return out


def launch_configuration_update(desired: Effective, held: Mapping[str, Any]) -> dict[str, Any]:
    """The UpdateLaunchConfiguration parameters for the DRS fields that differ (none: no call)."""
    names = {to_camel(n) for n in DRS_FIELDS}
    wrong = [n for n in differing(desired, held) if n in names]
    update: dict[str, Any] = {}
    for name in wrong:
        value = desired.values[_snake(name)]
        if name == "osByol":
            update["licensing"] = {"osByol": value}
        else:
            update[name] = value
    return update


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
