"""What EC2 (and IAM) hold that launch settings must agree with, asked once per check for
everything the settings name: subnets, security groups, addresses in use, instance type
offerings per zone, instance profiles. Failures fail closed (503)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from ipaddress import IPv4Network
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from drs_orchestrator.domain.errors import Unavailable
from drs_orchestrator.domain.launch_settings import Ec2Facts, Subnet

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_iam import IAMClient

# Values in one EC2 filter (EC2 refuses more than 200).
VALUES_PER_FILTER = 200


class Ec2Unavailable(Unavailable):
    def __init__(self, account_id: str, region: str, reason: str) -> None:
        super().__init__(
            "EC2_UNAVAILABLE",
            f"EC2 could not be asked in {region} for account {account_id}: {reason}. "
            "Nothing was changed; try again when EC2 answers.",
            {"accountId": account_id, "region": region},
        )


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), VALUES_PER_FILTER):
        yield ordered[start : start + VALUES_PER_FILTER]


def _profile_name(profile: str) -> str:
    """`arn:aws:iam::1:instance-profile/path/name` -> `name`; a name stays itself."""
    return profile.rsplit("/", 1)[-1] if profile.startswith("arn:") else profile


class Ec2Reader:
    def __init__(self, session: boto3.session.Session, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        self._ec2: EC2Client = session.client("ec2", region_name=region)
        self._iam: IAMClient = session.client("iam", region_name=region)

    @contextmanager
    def _asking(self) -> Iterator[None]:
        try:
            yield
        except ClientError as error:
            detail = error.response.get("Error", {})
            reason = f"{error.operation_name} {detail.get('Code', '')}: {detail.get('Message', '')}"
            raise Ec2Unavailable(self.account_id, self.region, reason) from error
        except BotoCoreError as error:
            raise Ec2Unavailable(self.account_id, self.region, str(error)) from error

    def facts(
        self,
        *,
        subnet_ids: Iterable[str],
        security_group_ids: Iterable[str],
        private_ips: Iterable[str],
        instance_types: Iterable[str],
        instance_profiles: Iterable[str],
    ) -> Ec2Facts:
        with self._asking():
            subnets = self._subnets(subnet_ids)
            zones = {s.availability_zone for s in subnets.values()}
            return Ec2Facts(
                subnets=subnets,
                security_groups=self._security_groups(security_group_ids),
                addresses_in_use=self._addresses_in_use(private_ips),
                offerings=self._offerings(zones, instance_types),
                instance_profiles=self._profiles(instance_profiles),
            )

    def subnets(self, ids: Iterable[str]) -> dict[str, Subnet]:
        """The subnets among `ids` that exist, with their CIDR, VPC and zone."""
        with self._asking():
            return self._subnets(ids)

    def _pages(self, operation: str, key: str, **args: Any) -> Iterator[Any]:
        for page in self._ec2.get_paginator(operation).paginate(**args):  # type: ignore[call-overload]
            yield from page[key]

    def _subnets(self, ids: Iterable[str]) -> dict[str, Subnet]:
        found: dict[str, Subnet] = {}
        for chunk in _chunks(ids):
            filters = [{"Name": "subnet-id", "Values": chunk}]
            for s in self._pages("describe_subnets", "Subnets", Filters=filters):
                found[s["SubnetId"]] = Subnet(
                    s["SubnetId"], IPv4Network(s["CidrBlock"]), s["VpcId"], s["AvailabilityZone"]
                )
        return found

    def _security_groups(self, ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(ids):
            filters = [{"Name": "group-id", "Values": chunk}]
            for g in self._pages("describe_security_groups", "SecurityGroups", Filters=filters):
                found[g["GroupId"]] = g["VpcId"]
        return found

    def _addresses_in_use(self, ips: Iterable[str]) -> dict[str, str]:
        """Each address an interface holds, and who holds it (its instance, else itself)."""
        wanted = set(ips)
        found: dict[str, str] = {}
        for chunk in _chunks(wanted):
            filters = [{"Name": "addresses.private-ip-address", "Values": chunk}]
            for eni in self._pages(
                "describe_network_interfaces", "NetworkInterfaces", Filters=filters
            ):
                holder = (eni.get("Attachment") or {}).get("InstanceId") or eni[
                    "NetworkInterfaceId"
                ]
                for address in eni.get("PrivateIpAddresses") or []:
                    if address["PrivateIpAddress"] in wanted:
                        found[address["PrivateIpAddress"]] = holder
        return found

    def _offerings(self, zones: Iterable[str], types: Iterable[str]) -> dict[str, frozenset[str]]:
        zones, types = sorted(set(zones)), sorted(set(types))
        if not zones or not types:
            return {}
        offered: dict[str, set[str]] = {zone: set() for zone in zones}
        for chunk in _chunks(types):
            filters = [
                {"Name": "location", "Values": zones},
                {"Name": "instance-type", "Values": chunk},
            ]
            for o in self._pages(
                "describe_instance_type_offerings",
                "InstanceTypeOfferings",
                LocationType="availability-zone",
                Filters=filters,
            ):
                offered.setdefault(o["Location"], set()).add(o["InstanceType"])
        return {zone: frozenset(kinds) for zone, kinds in offered.items()}

    def _profiles(self, profiles: Iterable[str]) -> frozenset[str]:
        """The names and ARNs among `profiles` that IAM holds."""
        held: set[str] = set()
        for profile in sorted(set(profiles)):
            try:
                answer = self._iam.get_instance_profile(InstanceProfileName=_profile_name(profile))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
                    continue
                raise
            arn = answer["InstanceProfile"]["Arn"]
            if not profile.startswith("arn:") or profile == arn:
                held.add(profile)
        return frozenset(held)
