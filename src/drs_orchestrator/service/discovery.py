"""Discovery: DRS source servers with what the orchestrator knows of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drs_orchestrator.domain.groups import Assignment
from drs_orchestrator.domain.servers import ServerFacts
from drs_orchestrator.drs.gateway import RegionStatus
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.groups import GroupService, not_found
from drs_orchestrator.store import groups, pages

DRS_PAGE_MAX = 1000


@dataclass(frozen=True)
class DiscoveredServer:
    facts: ServerFacts
    assignment: Assignment | None
    selectable: bool


@dataclass(frozen=True)
class Discovery:
    account_id: str
    region: str
    items: list[DiscoveredServer]
    next_cursor: str | None


class DiscoveryService:
    def __init__(self, ctx: Context, groups: GroupService) -> None:
        self.ctx = ctx
        self.groups = groups

    def annotate(
        self,
        account_id: str,
        region: str,
        servers: Iterable[ServerFacts],
        editing: str | None,
    ) -> list[DiscoveredServer]:
        servers = list(servers)
        with self.ctx.read() as conn:
            owners = groups.owners(conn, account_id, region, [s.source_server_id for s in servers])
        out = []
        for server in servers:
            owner = owners.get(server.source_server_id)
            free = owner is None or owner.protection_group_id == editing
            out.append(DiscoveredServer(server, owner, free))
        return out

    def page(
        self,
        account_id: str | None,
        region: str,
        limit: int,
        cursor: str | None,
        editing: str | None = None,
    ) -> Discovery:
        """One page of DRS's own listing, so a large estate is never read whole per request."""
        account = account_id or self.ctx.settings.account_id
        servers, nxt = self.ctx.drs.source_servers_page(
            account, region, min(limit, DRS_PAGE_MAX), pages.decode(cursor, str)
        )
        return Discovery(
            account,
            region,
            self.annotate(account, region, servers, editing),
            pages.encode(nxt) if nxt else None,
        )

    def of_group(self, group_id: str) -> Discovery:
        """A group's servers now (for the wave server pickers)."""
        with self.ctx.read() as conn:
            record = groups.get(conn, group_id)
        if record is None:
            raise not_found(group_id)
        servers = self.groups.resolve(record.spec())
        return Discovery(
            record.account_id,
            record.region,
            self.annotate(record.account_id, record.region, servers, group_id),
            None,
        )

    def regions(self, account_id: str | None) -> tuple[str, list[RegionStatus]]:
        account = account_id or self.ctx.settings.account_id
        regions = self.ctx.settings.regions or self.ctx.drs.known_regions()
        return account, self.ctx.drs.regions(account, regions)
