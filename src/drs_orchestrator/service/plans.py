"""Recovery plan use cases; every saved change keeps the version before it."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from drs_orchestrator.domain.errors import Conflict, InvalidInput, NotFound
from drs_orchestrator.domain.plans import (
    GroupMembers,
    RecoveryPlanSpec,
    reference_violations,
    structure_violations,
)
from drs_orchestrator.domain.servers import select
from drs_orchestrator.service.context import Context
from drs_orchestrator.store import audit, executions, groups, pages, plans
from drs_orchestrator.store.groups import GroupRecord
from drs_orchestrator.store.plans import PlanRecord, VersionRecord, document_of
from drs_orchestrator.store.versioned import (
    Expected,
    bump,
    check_version,
    current_version,
    name_key,
    name_owner,
    retrying,
)

RESOURCE = "recovery-plan"


def not_found(plan_id: str) -> NotFound:
    return NotFound("RP_NOT_FOUND", f"Recovery plan {plan_id} not found")


class PlanService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def members(self, records: dict[str, GroupRecord]) -> dict[str, GroupMembers]:
        """Each group's servers now: explicit lists as saved, selectors asked of DRS."""
        out = {}
        for gid, g in records.items():
            if g.selector_tags:
                ids = tuple(
                    s.source_server_id
                    for s in select(
                        self.ctx.drs.source_servers(g.account_id, g.region), g.selector_tags
                    )
                )
            else:
                ids = tuple(g.source_server_ids or [])
            out[gid] = GroupMembers(gid, g.name, g.account_id, g.region, ids)
        return out

    def validate(self, spec: RecoveryPlanSpec) -> dict[str, GroupMembers]:
        """Every rule at once, so an operator sees all that is wrong in one answer."""
        with self.ctx.read() as conn:
            records = groups.get_many(conn, spec.group_ids())
        resolved = self.members(records)
        violations = structure_violations(spec) + reference_violations(spec, resolved)
        if violations:
            raise InvalidInput(violations)
        return resolved

    @staticmethod
    def _check_name(conn: sa.Connection, spec: RecoveryPlanSpec, editing: str | None) -> None:
        owner = name_owner(conn, plans.T, spec.name)
        if owner is not None and owner[0] != editing:
            raise Conflict(
                "RP_NAME_EXISTS",
                f'A Recovery Plan named "{owner[1]}" already exists',
                {"existingName": owner[1], "existingId": owner[0]},
            )

    def _diagnose(self, spec: RecoveryPlanSpec, editing: str | None) -> Exception:
        with self.ctx.read() as conn:
            try:
                self._check_name(conn, spec, editing)
            except Conflict as conflict:
                return conflict
        try:  # a group was deleted while the plan was saved
            self.validate(spec)
        except InvalidInput as invalid:
            return invalid
        return Conflict("CONCURRENT_CHANGE", "Another change landed at the same moment; try again.")

    def create(self, spec: RecoveryPlanSpec, actor: str) -> PlanRecord:
        self.validate(spec)
        plan_id, now = str(uuid.uuid4()), self.ctx.now()
        try:
            with self.ctx.write() as conn:
                self._check_name(conn, spec, None)
                plans.insert(conn, plan_id, spec, now, actor)
                record = plans.get(conn, plan_id)
                assert record is not None
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="create",
                    resource_type=RESOURCE,
                    resource_id=plan_id,
                    after={**record.document, "version": 1},
                )
        except IntegrityError:
            raise self._diagnose(spec, None) from None
        return record

    def get(self, plan_id: str) -> PlanRecord:
        with self.ctx.read() as conn:
            record = plans.get(conn, plan_id)
        if record is None:
            raise not_found(plan_id)
        return record

    def get_by_name(self, name: str) -> PlanRecord | None:
        with self.ctx.read() as conn:
            return plans.get_by_name(conn, name)

    def list(self, limit: int, cursor: str | None) -> pages.Page[PlanRecord]:
        with self.ctx.read() as conn:
            return plans.list_page(conn, limit, cursor)

    def update(
        self, plan_id: str, spec: RecoveryPlanSpec, if_match: Expected, actor: str
    ) -> PlanRecord:
        self.get(plan_id)
        self.validate(spec)
        return retrying(if_match, lambda: self._save(plan_id, spec, if_match, actor))

    def _save(
        self, plan_id: str, spec: RecoveryPlanSpec, if_match: Expected, actor: str
    ) -> PlanRecord:
        now = self.ctx.now()
        document = document_of(spec)
        try:
            with self.ctx.write() as conn:
                version = check_version(
                    if_match,
                    current_version(conn, plans.T, plan_id, "Recovery plan", "RP_NOT_FOUND"),
                    "Recovery plan",
                )
                before = plans.get(conn, plan_id)
                assert before is not None
                self._check_name(conn, spec, plan_id)
                values: dict[str, Any] = {
                    "name": spec.name,
                    "name_key": name_key(spec.name),
                    "document": document,
                }
                bump(
                    conn,
                    plans.T,
                    plan_id,
                    version=version,
                    now=now,
                    values=values,
                    what="Recovery plan",
                )
                plans.add_version(
                    conn, plan_id, version=version + 1, document=document, now=now, actor=actor
                )
                plans.use_groups(conn, plan_id, spec.group_ids())
                after = plans.get(conn, plan_id)
                assert after is not None
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="update",
                    resource_type=RESOURCE,
                    resource_id=plan_id,
                    before={**before.document, "version": before.version},
                    after={**document, "version": after.version},
                )
        except IntegrityError:
            raise self._diagnose(spec, plan_id) from None
        return after

    def delete(self, plan_id: str, if_match: Expected, actor: str) -> None:
        with self.ctx.write() as conn:
            check_version(
                if_match,
                current_version(conn, plans.T, plan_id, "Recovery plan", "RP_NOT_FOUND"),
                "Recovery plan",
            )
            before = plans.get(conn, plan_id)
            assert before is not None
            active = executions.active_for_plan(conn, plan_id)
            if active:
                raise Conflict(
                    "PLAN_HAS_ACTIVE_EXECUTIONS",
                    f"Recovery plan {before.document['name']} has {len(active)} active "
                    f"execution(s) ({', '.join(f'{i} {s}' for i, s in active)}); "
                    "wait for them to end or cancel them first",
                    {"executions": [{"id": i, "status": s} for i, s in active]},
                )
            plans.delete(conn, plan_id)
            audit.record(
                conn,
                at=self.ctx.now(),
                actor=actor,
                action="delete",
                resource_type=RESOURCE,
                resource_id=plan_id,
                before={**before.document, "version": before.version},
            )

    def versions(self, plan_id: str, limit: int, cursor: str | None) -> pages.Page[VersionRecord]:
        self.get(plan_id)
        with self.ctx.read() as conn:
            return plans.versions_page(conn, plan_id, limit, cursor)

    def version(self, plan_id: str, version: int) -> VersionRecord:
        with self.ctx.read() as conn:
            record = plans.get_version(conn, plan_id, version)
        if record is None:
            self.get(plan_id)
            raise NotFound(
                "RP_VERSION_NOT_FOUND", f"Recovery plan {plan_id} has no version {version}"
            )
        return record
