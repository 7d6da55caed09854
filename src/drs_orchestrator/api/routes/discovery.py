"""/drs: discovery of source servers and of the regions DRS is initialised in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from drs_orchestrator.api.auth import Reader
from drs_orchestrator.api.common import ApiModel, Cursor, Limit
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.schemas import AccountQuery, DiscoveredServerOut, server_out
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain.errors import InvalidInput, Violation
from drs_orchestrator.service.discovery import Discovery

router = APIRouter(prefix="/drs", tags=["discovery"])


class DiscoveryOut(ApiModel):
    account_id: str
    region: str
    initialized: bool
    items: list[DiscoveredServerOut]
    next_cursor: str | None


class RegionOut(ApiModel):
    region: str
    initialized: bool
    error: str | None


class RegionsOut(ApiModel):
    account_id: str
    regions: list[RegionOut]


def discovery_out(d: Discovery) -> DiscoveryOut:
    return DiscoveryOut(
        account_id=d.account_id,
        region=d.region,
        initialized=True,
        items=[server_out(s) for s in d.items],
        next_cursor=d.next_cursor,
    )


@router.get(
    "/source-servers",
    responses=responses(400, 401, 403, 404, 503),
    operation_id="listSourceServers",
)
def source_servers(
    svc: Svc,
    _: Reader,
    region: Annotated[
        str | None,
        Query(
            pattern=r"^[a-z]{2}(-[a-z]{1,10}){1,2}-[0-9]{1,2}$",
            description="Required unless protectionGroupId is given.",
        ),
    ] = None,
    account_id: AccountQuery = None,
    protection_group_id: Annotated[
        str | None,
        Query(
            alias="protectionGroupId",
            max_length=64,
            description="Only this group's servers, resolved now.",
        ),
    ] = None,
    editing_group_id: Annotated[
        str | None,
        Query(
            alias="editingGroupId",
            max_length=64,
            description="Keep this group's servers selectable.",
        ),
    ] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> DiscoveryOut:
    """DRS source servers with replication, lag, last drill and group; paged through DRS."""
    if protection_group_id is not None:
        return discovery_out(svc.discovery.of_group(protection_group_id))
    if region is None:
        raise InvalidInput([Violation("region", "FIELD_REQUIRED", "region parameter is required")])
    return discovery_out(svc.discovery.page(account_id, region, limit, cursor, editing_group_id))


@router.get("/regions", responses=responses(400, 401, 403), operation_id="listDrsRegions")
def regions(svc: Svc, _: Reader, account_id: AccountQuery = None) -> RegionsOut:
    """Every region, and whether DRS is initialised there."""
    account, found = svc.discovery.regions(account_id)
    return RegionsOut(
        account_id=account,
        regions=[
            RegionOut(region=r.region, initialized=r.initialized, error=r.error) for r in found
        ],
    )


class AccountsOut(ApiModel):
    default: str
    accounts: list[str]


@router.get("/accounts", responses=responses(401, 403), operation_id="listDrsAccounts")
def accounts(svc: Svc, _: Reader) -> AccountsOut:
    """The accounts this deployment reaches DRS in: its own, then those it has a role for."""
    settings = svc.ctx.settings
    others = sorted(set(settings.account_roles) - {settings.account_id})
    return AccountsOut(default=settings.account_id, accounts=[settings.account_id, *others])
