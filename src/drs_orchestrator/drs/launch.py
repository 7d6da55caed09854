"""What DRS and EC2 hold of a server's launch, and writing to them: the DRS launch
configuration, and the launch template's default version DRS launches from.

A template is changed as DRS's own console does: a new version from the current default
(`SourceVersion`, its data carried over whole, since a version built from scratch loses every
field it does not name) set as the default. DRS calls go through the gateway's limiter."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic.alias_generators import to_camel, to_snake

from drs_orchestrator.domain.errors import InvalidInput, Violation
from drs_orchestrator.domain.launch_settings import (
    TEMPLATE_FIELDS,
    Effective,
    actual,
    differing,
    launch_configuration_update,
    template_data,
)
from drs_orchestrator.drs.gateway import DrsGateway

if TYPE_CHECKING:
    from botocore.model import Shape
    from mypy_boto3_ec2 import EC2Client

# EC2 throttles with RequestLimitExceeded; botocore's adaptive mode backs off and slows down.
_EC2_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=30
)
VERSION_DESCRIPTION = "drs-orchestrator launch settings"
TEMPLATE_NAMES = {to_camel(f) for f in TEMPLATE_FIELDS}


class LaunchCallError(Exception):
    """One server's launch settings could not be read or written; the reason as AWS gave it."""


def reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        return f"{error.operation_name} {detail.get('Code', '')}: {detail.get('Message', '')}"
    return str(error)


@dataclass(frozen=True)
class HeldLaunch:
    """A server's DRS launch configuration and its template's default version."""

    server_id: str
    configuration: dict[str, Any]
    template_id: str
    default_version: int
    template_data: dict[str, Any]


def _request_shaped(value: Any, shape: Shape) -> Any:
    """`value` with only what `shape` (an EC2 request shape) names: a described version's
    data may hold read-only members a new version's request refuses."""
    if shape.type_name == "structure":
        members = shape.members  # type: ignore[attr-defined]
        return {
            k: _request_shaped(v, members[k])
            for k, v in value.items()
            if k in members and v is not None
        }
    if shape.type_name == "list":
        return [_request_shaped(v, shape.member) for v in value]  # type: ignore[attr-defined]
    return value


class LaunchWriter:
    """One account and region's launch settings, through DRS (limited) and EC2."""

    def __init__(self, gateway: DrsGateway, account_id: str, region: str) -> None:
        self._drs = gateway.client(account_id, region)
        session = gateway.session(account_id)
        if session is None:
            raise InvalidInput(
                [
                    Violation(
                        "accountId", "ACCOUNT_NOT_CONFIGURED", f"{account_id} is not reachable"
                    )
                ],
                code="ACCOUNT_NOT_CONFIGURED",
            )
        self._ec2: EC2Client = session.client("ec2", region_name=region, config=_EC2_CONFIG)
        model = self._ec2.meta.service_model.operation_model("CreateLaunchTemplateVersion")
        assert model.input_shape is not None
        self._data_shape = model.input_shape.members["LaunchTemplateData"]

    def held(self, server_id: str) -> HeldLaunch:
        try:
            configuration: dict[str, Any] = dict(
                self._drs.get_launch_configuration(sourceServerID=server_id)
            )
            configuration.pop("ResponseMetadata", None)
            template_id = str(configuration.get("ec2LaunchTemplateID") or "")
            if not template_id:
                raise LaunchCallError(f"{server_id} has no EC2 launch template in DRS")
            answer = self._ec2.describe_launch_template_versions(
                LaunchTemplateId=template_id, Versions=["$Default"]
            )
        except (ClientError, BotoCoreError) as error:
            raise LaunchCallError(reason(error)) from error
        version = answer["LaunchTemplateVersions"][0]
        return HeldLaunch(
            server_id,
            configuration,
            template_id,
            int(version["VersionNumber"]),
            dict(version.get("LaunchTemplateData") or {}),
        )

    def write_template(self, held: HeldLaunch, data: dict[str, Any]) -> int:
        """A new default version from the current default; its number."""
        try:
            made = self._ec2.create_launch_template_version(
                LaunchTemplateId=held.template_id,
                SourceVersion=str(held.default_version),
                VersionDescription=VERSION_DESCRIPTION,
                LaunchTemplateData=_request_shaped(data, self._data_shape),
            )
            number = int(made["LaunchTemplateVersion"]["VersionNumber"])
            self._ec2.modify_launch_template(
                LaunchTemplateId=held.template_id, DefaultVersion=str(number)
            )
        except (ClientError, BotoCoreError) as error:
            raise LaunchCallError(reason(error)) from error
        return number

    def write_configuration(self, server_id: str, update: dict[str, Any]) -> None:
        try:
            self._drs.update_launch_configuration(sourceServerID=server_id, **update)
        except (ClientError, BotoCoreError) as error:
            raise LaunchCallError(reason(error)) from error


def jsonable(value: Any) -> Any:
    """A value as JSON holds it (addresses as text)."""
    return str(value) if isinstance(value, IPv4Address) else value


@dataclass(frozen=True)
class Outcome:
    """What an apply did to one server."""

    server_id: str
    changed: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    template_version: int | None
    error: str | None = None

    @property
    def kind(self) -> str:
        return "failed" if self.error else "changed" if self.changed else "unchanged"


def apply_server(writer: LaunchWriter, desired: Effective) -> Outcome:
    """Make DRS and the template hold `desired`, writing only what differs. A write that
    fails after another succeeded still reports the one made (it is audited)."""
    sid = desired.server_id
    try:
        held = writer.held(sid)
    except LaunchCallError as error:
        return Outcome(sid, [], {}, {}, None, str(error))
    have = actual(held.template_data, held.configuration)
    diff = differing(desired, have)
    version, written, failure = held.default_version, [], None
    try:
        in_template = [n for n in diff if n in TEMPLATE_NAMES]
        if in_template:
            version = writer.write_template(held, template_data(held.template_data, desired))
            written += in_template
        update = launch_configuration_update(desired, have)
        if update:
            writer.write_configuration(sid, update)
            written += [n for n in diff if n not in TEMPLATE_NAMES]
    except LaunchCallError as error:
        failure = str(error)
    names = [to_snake(n) for n in written]
    return Outcome(
        sid,
        written,
        {n: jsonable(have.get(n)) for n in names},
        {n: jsonable(desired.values[n]) for n in names},
        version,
        failure,
    )
