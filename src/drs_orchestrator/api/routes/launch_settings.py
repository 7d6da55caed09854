"""/protection-groups/{id}/launch-settings: the settings, their drift, applying them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from pydantic.alias_generators import to_camel

from drs_orchestrator.api.auth import Configurer, Reader
from drs_orchestrator.api.common import ApiModel, IfMatch, etag
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain.launch_settings import LaunchSettings, SyncState
from drs_orchestrator.drs.launch import jsonable
from drs_orchestrator.service.launch_settings import Held
from drs_orchestrator.service.launch_sync import ApplyView, GroupStatus, ServerStatus

router = APIRouter(prefix="/protection-groups", tags=["launch settings"])
ApplyId = Annotated[str, Path(max_length=36)]


class LaunchSettingsOut(LaunchSettings):
    """The group's launch settings; version 0 (and no author) until they are first saved."""

    version: int
    updated_at: datetime | None = None
    updated_by: str | None = None


def launch_settings_out(held: Held) -> LaunchSettingsOut:
    return LaunchSettingsOut.model_validate(
        {
            **held.settings.model_dump(by_alias=True),
            "version": held.version,
            "updatedAt": held.updated_at,
            "updatedBy": held.updated_by,
        }
    )


@router.get(
    "/{group_id}/launch-settings",
    responses=responses(401, 403, 404),
    operation_id="getLaunchSettings",
    response_model_exclude_none=True,  # a field not managed is left out, not null
)
def get_launch_settings(
    group_id: str, svc: Svc, _: Reader, response: Response
) -> LaunchSettingsOut:
    held = svc.launch_settings.get(group_id)
    etag(response, held.version)
    return launch_settings_out(held)


@router.put(
    "/{group_id}/launch-settings",
    responses=responses(400, 401, 403, 404, 409, 412, 503),
    operation_id="putLaunchSettings",
    response_model_exclude_none=True,
)
def put_launch_settings(
    group_id: str,
    settings: LaunchSettings,
    svc: Svc,
    who: Configurer,
    version: IfMatch,
    response: Response,
) -> LaunchSettingsOut:
    """Replace the group's defaults, rules and overrides. Every server's effective values are
    checked against EC2 first (subnet, addresses, security groups, instance type, instance
    profile); on any fault nothing is written, and each fault names its field. `If-Match:
    "0"` asks that none were saved yet. Saving writes nothing to DRS or EC2: apply does."""
    held = svc.launch_settings.replace(group_id, settings, version, who.username)
    etag(response, held.version)
    return launch_settings_out(held)


class SourcedValue(ApiModel):
    value: Any
    source: str  # where it comes from: defaults, subnetRules[0], tagRules[1].settings, ...


class ServerLaunchStatusOut(ApiModel):
    source_server_id: str
    hostname: str
    state: SyncState
    differing: list[str]  # the managed fields DRS or the template does not hold
    held: dict[str, Any]  # what they hold of each differing field
    effective: dict[str, SourcedValue]
    last_applied_at: datetime | None
    last_applied_by: str | None
    error: str | None


class ApplyFailureOut(ApiModel):
    source_server_id: str
    error: str


class ApplyOut(ApiModel):
    id: str
    group_id: str
    state: str  # RUNNING | COMPLETED | FAILED (a server or the apply as a whole)
    settings_version: int
    requested_by: str
    requested_at: datetime
    ended_at: datetime | None
    servers: int
    changed: int
    unchanged: int
    failed: int
    error: str | None
    failures: list[ApplyFailureOut]
    url: str


class SubnetOut(ApiModel):
    cidr: str
    vpc_id: str
    availability_zone: str


class LaunchStatusOut(ApiModel):
    group_id: str
    settings_version: int
    checked_at: datetime
    counts: dict[str, int]  # servers in each state
    servers: list[ServerLaunchStatusOut]
    latest_apply: ApplyOut | None
    # The subnets the servers are to launch in or are held in, by ID (none if EC2 is silent).
    subnets: dict[str, SubnetOut]


def apply_url(group_id: str, apply_id: str) -> str:
    return f"/api/v1/protection-groups/{group_id}/launch-settings/applies/{apply_id}"


def apply_out(view: ApplyView) -> ApplyOut:
    r = view.record
    return ApplyOut(
        id=r.id,
        group_id=r.group_id,
        state=r.state,
        settings_version=r.settings_version,
        requested_by=r.requested_by,
        requested_at=r.requested_at,
        ended_at=r.ended_at,
        servers=r.servers,
        changed=r.changed,
        unchanged=r.unchanged,
        failed=r.failed,
        error=r.error,
        failures=[
            ApplyFailureOut(source_server_id=f.server_id, error=f.error or "")
            for f in view.failures
        ],
        url=apply_url(r.group_id, r.id),
    )


def server_status_out(s: ServerStatus) -> ServerLaunchStatusOut:
    e = s.effective
    return ServerLaunchStatusOut(
        source_server_id=s.server_id,
        hostname=s.hostname,
        state=s.state,
        differing=s.differing,
        held=s.held,
        effective={
            to_camel(name): SourcedValue(value=jsonable(value), source=e.sources[name])
            for name, value in e.values.items()
        },
        last_applied_at=s.last.at if s.last else None,
        last_applied_by=s.last.by if s.last else None,
        error=s.error,
    )


def status_out(found: GroupStatus, latest: ApplyView | None) -> LaunchStatusOut:
    return LaunchStatusOut(
        group_id=found.group_id,
        settings_version=found.settings_version,
        checked_at=found.checked_at,
        counts=found.counts(),
        servers=[server_status_out(s) for s in found.servers],
        latest_apply=apply_out(latest) if latest else None,
        subnets={
            k: SubnetOut(cidr=str(v.cidr), vpc_id=v.vpc_id, availability_zone=v.availability_zone)
            for k, v in found.subnets.items()
        },
    )


@router.get(
    "/{group_id}/launch-settings/status",
    responses=responses(401, 403, 404, 503),
    operation_id="getLaunchSettingsStatus",
)
def get_launch_status(group_id: str, svc: Svc, _: Reader) -> LaunchStatusOut:
    """Each server's effective settings (with each value's source) against what DRS's launch
    configuration and the launch template's default version hold now: `IN_SYNC`, `DRIFTED`
    (with the differing fields), `NOT_APPLIED` or `FAILED`. Read live from DRS and EC2."""
    found = svc.launch_sync.status(group_id)
    latest = found.latest_apply
    return status_out(found, svc.launch_sync.view(group_id, latest.id) if latest else None)


@router.post(
    "/{group_id}/launch-settings/apply",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(400, 401, 403, 404, 409, 412, 503),
    operation_id="applyLaunchSettings",
)
def apply_launch_settings(
    group_id: str, svc: Svc, who: Configurer, version: IfMatch, response: Response
) -> ApplyOut:
    """Make DRS and each server's launch template hold the saved settings. Checked against
    EC2 first (400, nothing written, on any fault); then run in the background: follow `url`.
    Only what differs is written (a new template version from the current default, set as
    default; a DRS launch configuration update), each change audited. `If-Match` names the
    settings version you mean to apply."""
    started = svc.launch_sync.apply(group_id, who.username, version)
    response.headers["Location"] = apply_url(group_id, started.id)
    return apply_out(svc.launch_sync.view(group_id, started.id))


@router.get(
    "/{group_id}/launch-settings/applies/{apply_id}",
    responses=responses(401, 403, 404),
    operation_id="getLaunchSettingsApply",
)
def get_apply(group_id: str, apply_id: ApplyId, svc: Svc, _: Reader) -> ApplyOut:
    """An apply: running, or ended with how many servers were changed, unchanged or failed
    (and why each failed)."""
    return apply_out(svc.launch_sync.view(group_id, apply_id))
