"""/protection-groups"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import model_validator

from drs_orchestrator.api.auth import Configurer, Reader
from drs_orchestrator.api.common import ApiModel, Cursor, IfMatch, Limit, Page, etag
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.schemas import DiscoveredServerOut, server_out
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain.groups import ProtectionGroupSpec, ServerSelector, check_choice
from drs_orchestrator.domain.model import AccountId, Document, Region, ResourceId, SourceServerId
from drs_orchestrator.service.records import GroupRecord

router = APIRouter(prefix="/protection-groups", tags=["protection groups"])


class ProtectionGroupOut(ApiModel):
    id: str
    name: str
    description: str
    account_id: str
    region: str
    source_server_ids: list[str] | None
    server_selector: ServerSelector | None
    server_ids: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str


class ResolveRequest(Document):
    """A group's server choice to preview before saving it."""

    account_id: AccountId | None = None
    region: Region
    server_selector: ServerSelector | None = None
    source_server_ids: list[SourceServerId] | None = None
    editing_group_id: ResourceId | None = None

    @model_validator(mode="after")
    def _one_way_of_choosing(self) -> ResolveRequest:
        check_choice(self.source_server_ids, self.server_selector)
        return self


class ResolveOut(ApiModel):
    account_id: str
    region: str
    servers: list[DiscoveredServerOut]
    conflicts: int


def group_out(record: GroupRecord, members: list[str]) -> ProtectionGroupOut:
    return ProtectionGroupOut(
        id=record.id,
        name=record.name,
        description=record.description,
        account_id=record.account_id,
        region=record.region,
        source_server_ids=record.source_server_ids,
        server_selector=ServerSelector(tags=record.selector_tags) if record.selector_tags else None,
        server_ids=members,
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
        created_by=record.created_by,
    )


@router.get("", responses=responses(400, 401, 403), operation_id="listProtectionGroups")
def list_groups(
    svc: Svc, _: Reader, limit: Limit = 100, cursor: Cursor = None
) -> Page[ProtectionGroupOut]:
    page, members = svc.groups.page(limit, cursor)
    items = [group_out(r, members[r.id]) for r in page.items]
    return Page[ProtectionGroupOut](items=items, next_cursor=page.next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 409, 503),
    operation_id="createProtectionGroup",
)
def create_group(
    spec: ProtectionGroupSpec, svc: Svc, who: Configurer, response: Response
) -> ProtectionGroupOut:
    record, members = svc.groups.create(spec, who.username)
    etag(response, record.version)
    response.headers["Location"] = f"/api/v1/protection-groups/{record.id}"
    return group_out(record, members)


@router.post(
    "/resolve", responses=responses(400, 401, 403, 503), operation_id="resolveProtectionGroup"
)
def resolve(request: ResolveRequest, svc: Svc, _: Configurer) -> ResolveOut:
    spec = ProtectionGroupSpec(
        name="preview",
        account_id=request.account_id,
        region=request.region,
        server_selector=request.server_selector,
        source_server_ids=request.source_server_ids,
    )
    spec = svc.groups.with_account(spec)
    assert spec.account_id is not None
    servers = svc.discovery.annotate(
        spec.account_id, spec.region, svc.groups.resolve(spec), request.editing_group_id
    )
    return ResolveOut(
        account_id=spec.account_id,
        region=spec.region,
        servers=[server_out(s) for s in servers],
        conflicts=sum(not s.selectable for s in servers),
    )


@router.get("/{group_id}", responses=responses(401, 403, 404), operation_id="getProtectionGroup")
def get_group(group_id: str, svc: Svc, _: Reader, response: Response) -> ProtectionGroupOut:
    record, members = svc.groups.get(group_id)
    etag(response, record.version)
    return group_out(record, members)


@router.put(
    "/{group_id}",
    responses=responses(400, 401, 403, 404, 409, 412, 503),
    operation_id="updateProtectionGroup",
)
def update_group(
    group_id: str,
    spec: ProtectionGroupSpec,
    svc: Svc,
    who: Configurer,
    version: IfMatch,
    response: Response,
) -> ProtectionGroupOut:
    record, members = svc.groups.update(group_id, spec, version, who.username)
    etag(response, record.version)
    return group_out(record, members)


@router.delete(
    "/{group_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(400, 401, 403, 404, 409, 412),
    operation_id="deleteProtectionGroup",
)
def delete_group(group_id: str, svc: Svc, who: Configurer, version: IfMatch) -> None:
    svc.groups.delete(group_id, version, who.username)
