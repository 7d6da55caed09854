"""EC2 beside DRS: moto's EC2 holds the recovery network, each source server's launch
template and the recovery instances; the emulator changes it directly (under its lock) and
serves it over HTTP for boto3 clients (`AWS_ENDPOINT_URL_EC2`, and IAM's).

moto stores; what DRS does with EC2 is ours (docs/emulator.md, "EC2"): a launch reads the
template's default version and applies its instance type, subnet, private IP, security
groups and tags (moto's own RunInstances ignores a template's network interface), and what
EC2 would refuse (an address outside the subnet, reserved or in use, a security group of
another VPC, an instance type the zone does not offer) fails the launch with EC2's error as
DRS's rawError. moto raises a bare exception for some of these, and lets others through."""

from __future__ import annotations

import copy
import io
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any
from urllib.parse import parse_qs

from moto.core.base_backend import BackendDict
from moto.ec2.models import EC2Backend, ec2_backends
from moto.iam.models import iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .scenario import RecoveryNetwork

_CREDENTIAL = re.compile(r"Credential=(\d{12})/")
IMAGE = "ami-drs-recovered"  # a placeholder: DRS converts the disks, no AMI is involved


@dataclass(frozen=True)
class Network:
    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str


class RegionEc2:
    """One account and region's EC2, as DRS's launches use it."""

    def __init__(self, account: str, region: str) -> None:
        self.account, self.region = account, region
        self.backend: EC2Backend = ec2_backends[account][region]
        self.network: Network | None = None

    def build_network(self, spec: RecoveryNetwork) -> Network:
        vpc = self.backend.create_vpc(cidr_block=spec.vpcCidr)
        subnets = [
            self.backend.create_subnet(
                vpc_id=vpc.id,
                cidr_block=s.cidr,
                availability_zone=s.availabilityZone or f"{self.region}{'abcdef'[i % 6]}",
            )
            for i, s in enumerate(spec.subnets)
        ]
        group = self.backend.create_security_group(
            name="drs-recovery", description="Recovered servers", vpc_id=vpc.id
        )
        self.network = Network(vpc.id, tuple(s.id for s in subnets), group.id)
        return self.network

    def create_template(self, name: str, instance_type: str) -> str:
        """A source server's launch template, as DRS makes one: the network's first subnet."""
        assert self.network is not None
        data: dict[str, Any] = {
            "InstanceType": instance_type,
            "NetworkInterfaces": [
                {
                    "DeviceIndex": 0,
                    "SubnetId": self.network.subnet_ids[0],
                    "Groups": [self.network.security_group_id],
                    "AssociatePublicIpAddress": False,
                    "DeleteOnTermination": True,
                }
            ],
            "TagSpecifications": [],
        }
        template = self.backend.create_launch_template(name, "DRS launch template", data, {})
        return str(template.id)

    def default_data(self, template_id: str) -> dict[str, Any]:
        template = self.backend.get_launch_template(template_id)
        return copy.deepcopy(template.default_version().data)

    def launch_data(self, template_id: str, source_ip: str | None) -> dict[str, Any]:
        """The default version's data, with the source's address when DRS copies it."""
        data = self.default_data(template_id)
        if source_ip is not None:
            nics = data.setdefault("NetworkInterfaces", [{"DeviceIndex": 0}])
            for nic in nics:
                if int(nic.get("DeviceIndex", 0)) == 0:
                    nic["PrivateIpAddress"] = source_ip
        return data

    def refusal(self, template_id: str, source_ip: str | None, taken: set[str]) -> str | None:
        """What EC2 would refuse of a launch from the template now, as its error; None when
        it would launch. `source_ip`: the address DRS copies (copyPrivateIp); `taken` holds
        the addresses this job's earlier servers take."""
        try:
            data = self.launch_data(template_id, source_ip)
        except Exception:
            return (
                f"InvalidLaunchTemplateId.NotFound: The launch template {template_id} "
                "does not exist"
            )
        nic = _interface0(data)
        subnet_id = nic.get("SubnetId")
        subnet = self._subnet(subnet_id) if subnet_id else None
        if subnet_id and subnet is None:
            return f"InvalidSubnetID.NotFound: The subnet ID '{subnet_id}' does not exist"
        for group_id in nic.get("Groups") or []:
            group = self.backend.get_security_group_from_id(group_id)
            if group is None:
                return f"InvalidGroup.NotFound: The security group '{group_id}' does not exist"
            if subnet is not None and group.vpc_id != subnet.vpc_id:
                return (
                    f"InvalidParameter: Security group {group_id} and subnet {subnet_id} "
                    "belong to different networks."
                )
        kind = data.get("InstanceType")
        if kind and subnet is not None and not self._offered(kind, subnet.availability_zone):
            return (
                f"Unsupported: Your requested instance type ({kind}) is not supported in your "
                f"requested Availability Zone ({subnet.availability_zone})."
            )
        ip = nic.get("PrivateIpAddress")
        if ip and subnet is not None:
            why = self._address_refusal(IPv4Address(ip), IPv4Network(subnet.cidr_block), taken)
            if why:
                return why
            taken.add(ip)
        return None

    def _subnet(self, subnet_id: str) -> Any:
        try:
            return self.backend.get_subnet(subnet_id)
        except Exception:
            return None

    def _offered(self, kind: str, zone: str) -> bool:
        offerings = self.backend.describe_instance_type_offerings(
            location_type="availability-zone",
            filters={"location": [zone], "instance-type": [kind]},
        )
        return bool(offerings)

    def _address_refusal(self, ip: IPv4Address, cidr: IPv4Network, taken: set[str]) -> str | None:
        if ip not in cidr:
            return (
                f"InvalidParameterValue: Address {ip} does not fall within the subnet's "
                "address range"
            )
        first = int(cidr.network_address)
        if int(ip) - first < 4 or ip == cidr.broadcast_address:
            return f"InvalidParameterValue: Address {ip} is reserved by AWS in {cidr}"
        if str(ip) in taken or self._in_use(str(ip)):
            return f"InvalidIPAddress.InUse: Address {ip} is in use."
        return None

    def _in_use(self, ip: str) -> bool:
        """An interface holds it (a terminated instance's no longer does)."""
        return any(
            ip in _addresses(eni)
            for eni in self.backend.enis.values()
            if eni.instance is None or eni.instance.state != "terminated"
        )

    def run(
        self, template_id: str, source_ip: str | None, instance_id: str, tags: dict[str, str]
    ) -> None:
        """The recovered instance, as the template's default version says, with our ID."""
        data = self.launch_data(template_id, source_ip)
        nic = _interface0(data)
        nics = [
            {k: v for k, v in (("DeviceIndex", 0), ("SubnetId", nic.get("SubnetId")),
                               ("PrivateIpAddress", nic.get("PrivateIpAddress"))) if v is not None}
        ]  # fmt: skip
        template = self.backend.get_launch_template(template_id)
        reservation = self.backend.run_instances(
            IMAGE,
            1,
            None,
            [],
            instance_type=data.get("InstanceType") or "m5.large",
            is_instance_type_default=False,
            region_name=self.region,
            nics=nics if nic.get("SubnetId") else [],
            security_group_ids=list(nic.get("Groups") or []),
            tags={},
            launch_template={
                "LaunchTemplateId": template.id,
                "Version": str(template.default_version().number),
            },
        )
        instance = reservation.instances[0]
        instance.id = instance_id  # DRS's recovery instance ID is the EC2 instance's
        wanted = {**_instance_tags(data), **tags}
        if wanted:
            self.backend.create_tags([instance_id], wanted)

    def stopped_outside(self, instance_id: str) -> str | None:
        """EC2's state of an instance someone stopped or terminated through EC2 rather than
        DRS (DRS reports what EC2 says), in DRS's spelling; None while it runs."""
        try:
            state = str(self.backend.get_instance(instance_id).state)
        except Exception:  # moto raises a bare exception for an unknown ID
            return None
        return (
            state.upper()
            if state in {"stopping", "stopped", "shutting-down", "terminated"}
            else None
        )

    def terminate(self, instance_id: str) -> None:
        """Terminated, and its address free again (moto keeps it held until collected)."""
        try:
            instance = self.backend.get_instance(instance_id)
        except Exception:
            return
        held = [(eni.subnet, ip) for eni in instance.nics.values() for ip in _addresses(eni)]
        self.backend.terminate_instances([instance_id])
        for subnet, ip in held:
            subnet.del_subnet_ip(ip)


def _interface0(data: dict[str, Any]) -> dict[str, Any]:
    for nic in data.get("NetworkInterfaces") or []:
        if int(nic.get("DeviceIndex", 0)) == 0:
            return dict(nic)
    return {}


def _instance_tags(data: dict[str, Any]) -> dict[str, str]:
    for spec in data.get("TagSpecifications") or []:
        if spec.get("ResourceType") == "instance":
            return {t["Key"]: t["Value"] for t in spec.get("Tags") or []}
    return {}


def _addresses(eni: Any) -> set[str]:
    held = {a["PrivateIpAddress"] for a in eni.private_ip_addresses or []}
    return held | ({eni.private_ip_address} if eni.private_ip_address else set())


class Ec2:
    """The emulated accounts' EC2 and IAM, reset to nothing when the estate is loaded."""

    def __init__(self) -> None:
        self._regions: dict[tuple[str, str], RegionEc2] = {}
        self.counts: Counter[str] = Counter()  # calls served, by action (as DRS's counts)

    def reset(self, accounts: Iterable[str]) -> None:
        self._regions.clear()
        self.counts.clear()
        for account in accounts:
            _reset(ec2_backends, account)
            _reset(iam_backends, account)

    def region(self, account: str, region: str) -> RegionEc2:
        key = (account, region)
        if key not in self._regions:
            self._regions[key] = RegionEc2(account, region)
        return self._regions[key]


def _reset(backends: BackendDict[Any], account: str) -> None:
    if account in backends:
        backends[account].reset()


def _quiet_handler() -> type[WSGIRequestHandler]:
    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    return Quiet


def _action(environ: dict[str, Any]) -> str:
    """The query protocol's Action (EC2, IAM), read from the body and put back for moto."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    found = parse_qs(body.decode("utf-8", "replace")).get("Action") or parse_qs(
        environ.get("QUERY_STRING", "")
    ).get("Action")
    return found[0] if found else "unknown"


class Ec2Server:
    """moto's AWS over HTTP on its own port: the SigV4 credential's 12-digit access key names
    the account (as the DRS emulator reads it), and each request holds the emulator's lock."""

    def __init__(
        self,
        lock: threading.RLock,
        host: str = "127.0.0.1",
        port: int = 0,
        counts: Counter[str] | None = None,
    ) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        counted = counts if counts is not None else Counter()

        def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if found := _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", "")):
                environ["HTTP_X_MOTO_ACCOUNT_ID"] = found.group(1)
            counted[_action(environ)] += 1
            with lock:
                return app(environ, start_response)

        self._server: BaseWSGIServer = make_server(
            host, port, serve, threaded=True, request_handler=_quiet_handler()
        )
        self.endpoint = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> str:
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
