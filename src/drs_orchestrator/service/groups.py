"""Protection group use cases."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from drs_orchestrator.domain.errors import Conflict, InvalidInput, NotFound, Violation
from drs_orchestrator.domain.groups import ProtectionGroupSpec, conflicts
from drs_orchestrator.domain.servers import ServerFacts, select
from drs_orchestrator.service.context import Context
from drs_orchestrator.store import audit, groups, pages
from drs_orchestrator.store.groups import GroupRecord
from drs_orchestrator.store.versioned import (
    Expected,
    bump,
    check_version,
    current_version,
    name_owner,
    retrying,
)

RESOURCE = "protection-group"


def not_found(group_id: str) -> NotFound:
    return NotFound("PG_NOT_FOUND", f"Protection group {group_id} not found")


def snapshot(record: GroupRecord) -> dict[str, Any]:
    """The audit log's before/after picture of a group."""
    return {
        **record.spec().model_dump(by_alias=True, mode="json", exclude_none=True),
        "version": record.version,
    }


class GroupService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def with_account(self, spec: ProtectionGroupSpec) -> ProtectionGroupSpec:
        if spec.account_id is None:
            return spec.model_copy(update={"account_id": self.ctx.settings.account_id})
        return spec

    def resolve(self, spec: ProtectionGroupSpec) -> list[ServerFacts]:
        """The servers a spec holds now, as DRS reports them; unknown IDs are refused."""
        account, region = spec.account_id or self.ctx.settings.account_id, spec.region
        if spec.server_selector is not None:
            return select(self.ctx.drs.source_servers(account, region), spec.server_selector.tags)
        wanted = spec.source_server_ids or []
        found = {
            s.source_server_id: s for s in self.ctx.drs.source_servers(account, region, wanted)
        }
        missing = [(i, s) for i, s in enumerate(wanted) if s not in found]
        if missing:
            raise InvalidInput(
                [
                    Violation(
                        f"sourceServerIds[{i}]",
                        "SERVER_NOT_FOUND",
                        f"{s} is not a DRS source server in {region} (account {account})",
                    )
                    for i, s in missing
                ],
                code="INVALID_SERVER_IDS",
                message=f"{len(missing)} server ID(s) do not exist in DRS",
                extra={"invalidServers": [s for _, s in missing], "region": region},
            )
        return [found[s] for s in wanted]

    def _check(
        self,
        conn: sa.Connection,
        spec: ProtectionGroupSpec,
        server_ids: list[str],
        editing: str | None,
    ) -> None:
        owner = name_owner(conn, groups.T, spec.name)
        if owner is not None and owner[0] != editing:
            raise Conflict(
                "PG_NAME_EXISTS",
                f'A Protection Group named "{owner[1]}" already exists',
                {"existingName": owner[1], "existingId": owner[0]},
            )
        assert spec.account_id is not None
        taken = conflicts(
            server_ids, groups.owners(conn, spec.account_id, spec.region, server_ids), editing
        )
        if taken:
            raise Conflict(
                "SERVER_ASSIGNMENT_CONFLICT",
                "Some servers are already assigned to other Protection Groups: "
                + ", ".join(f"{c.server_id} ({c.protection_group_name})" for c in taken),
                {
                    "conflicts": [
                        {
                            "serverId": c.server_id,
                            "protectionGroupId": c.protection_group_id,
                            "protectionGroupName": c.protection_group_name,
                        }
                        for c in taken
                    ]
                },
            )

    def _diagnose(
        self, spec: ProtectionGroupSpec, server_ids: list[str], editing: str | None
    ) -> Conflict:
        """After the database refused a write, say precisely why (the refusal itself is final)."""
        with self.ctx.read() as conn:
            try:
                self._check(conn, spec, server_ids, editing)
            except Conflict as conflict:
                return conflict
        return Conflict(
            "CONCURRENT_CHANGE",
            "Another change to protection groups landed at the same moment; try again.",
        )

    def create(self, spec: ProtectionGroupSpec, actor: str) -> tuple[GroupRecord, list[str]]:
        """The new group and the servers it holds."""
        spec = self.with_account(spec)
        if dupes := spec.duplicate_servers():
            raise InvalidInput(dupes)
        server_ids = [s.source_server_id for s in self.resolve(spec)]
        group_id, now = str(uuid.uuid4()), self.ctx.now()
        assert spec.account_id is not None
        try:
            with self.ctx.write() as conn:
                self._check(conn, spec, server_ids, None)
                groups.insert(
                    conn,
                    {
                        "id": group_id,
                        **groups.values_of(spec),
                        "account_id": spec.account_id,
                        "region": spec.region,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "created_by": actor,
                    },
                )
                groups.assign(conn, group_id, spec.account_id, spec.region, server_ids)
                record = groups.get(conn, group_id)
                assert record is not None
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="create",
                    resource_type=RESOURCE,
                    resource_id=group_id,
                    after=snapshot(record),
                )
        except IntegrityError:
            raise self._diagnose(spec, server_ids, None) from None
        return record, sorted(set(server_ids))

    def get(self, group_id: str) -> tuple[GroupRecord, list[str]]:
        with self.ctx.read() as conn:
            record = groups.get(conn, group_id)
            if record is None:
                raise not_found(group_id)
            return record, groups.members(conn, group_id)

    def page(
        self, limit: int, cursor: str | None
    ) -> tuple[pages.Page[GroupRecord], dict[str, list[str]]]:
        """A page of groups and each one's servers."""
        with self.ctx.read() as conn:
            page = groups.list_page(conn, limit, cursor)
            return page, groups.members_of(conn, [g.id for g in page.items])

    def update(
        self, group_id: str, spec: ProtectionGroupSpec, if_match: Expected, actor: str
    ) -> tuple[GroupRecord, list[str]]:
        with self.ctx.read() as conn:
            existing = groups.get(conn, group_id)
        if existing is None:
            raise not_found(group_id)
        if spec.account_id is None:
            spec = spec.model_copy(update={"account_id": existing.account_id})
        immutable = [
            Violation(field, code, message)
            for field, code, message, changed in (
                (
                    "region",
                    "REGION_IMMUTABLE",
                    "Cannot change region after creation",
                    spec.region != existing.region,
                ),
                (
                    "accountId",
                    "ACCOUNT_IMMUTABLE",
                    "Cannot change account after creation",
                    spec.account_id != existing.account_id,
                ),
            )
            if changed
        ]
        if immutable or (immutable := spec.duplicate_servers()):
            raise InvalidInput(immutable)
        server_ids = [s.source_server_id for s in self.resolve(spec)]
        return retrying(if_match, lambda: self._save(group_id, spec, server_ids, if_match, actor))

    def _save(
        self,
        group_id: str,
        spec: ProtectionGroupSpec,
        server_ids: list[str],
        if_match: Expected,
        actor: str,
    ) -> tuple[GroupRecord, list[str]]:
        now = self.ctx.now()
        try:
            with self.ctx.write() as conn:
                version = check_version(
                    if_match,
                    current_version(conn, groups.T, group_id, "Protection group", "PG_NOT_FOUND"),
                    "Protection group",
                )
                before = groups.get(conn, group_id)
                assert before is not None
                self._check(conn, spec, server_ids, group_id)
                bump(
                    conn,
                    groups.T,
                    group_id,
                    version=version,
                    now=now,
                    values=groups.values_of(spec),
                    what="Protection group",
                )
                groups.assign(conn, group_id, before.account_id, before.region, server_ids)
                after = groups.get(conn, group_id)
                assert after is not None
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="update",
                    resource_type=RESOURCE,
                    resource_id=group_id,
                    before=snapshot(before),
                    after=snapshot(after),
                )
        except IntegrityError:
            raise self._diagnose(spec, server_ids, group_id) from None
        return after, sorted(set(server_ids))

    def delete(self, group_id: str, if_match: Expected, actor: str) -> None:
        try:
            with self.ctx.write() as conn:
                check_version(
                    if_match,
                    current_version(conn, groups.T, group_id, "Protection group", "PG_NOT_FOUND"),
                    "Protection group",
                )
                self._refuse_if_used(conn, group_id)
                before = groups.get(conn, group_id)
                assert before is not None
                groups.delete(conn, group_id)
                audit.record(
                    conn,
                    at=self.ctx.now(),
                    actor=actor,
                    action="delete",
                    resource_type=RESOURCE,
                    resource_id=group_id,
                    before=snapshot(before),
                )
        except IntegrityError:
            with self.ctx.read() as conn:
                self._refuse_if_used(conn, group_id)
            raise

    @staticmethod
    def _refuse_if_used(conn: sa.Connection, group_id: str) -> None:
        if plans := groups.referencing_plans(conn, group_id):
            raise Conflict(
                "PG_IN_USE",
                "Protection group is used by recovery plans: " + ", ".join(n for _, n in plans),
                {"plans": [{"id": i, "name": n} for i, n in plans]},
            )
