"""Plan lint: the pure rules in `domain.lint`, fed with what DRS says now."""

from __future__ import annotations

from collections import defaultdict

from drs_orchestrator.domain.errors import DomainError, InvalidInput, Violation
from drs_orchestrator.domain.failback_lint import Away, is_away
from drs_orchestrator.domain.findings import Finding
from drs_orchestrator.domain.lint import Estate, LaunchDrift, lint
from drs_orchestrator.domain.plans import GroupMembers, RecoveryPlanSpec, structure_violations
from drs_orchestrator.domain.servers import ServerFacts
from drs_orchestrator.domain.site import SiteState
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.launch_sync import LaunchSyncService
from drs_orchestrator.service.plans import PlanService
from drs_orchestrator.service.rto import RtoService
from drs_orchestrator.service.site import SiteService
from drs_orchestrator.store import groups
from drs_orchestrator.store.plans import PlanRecord


class LintService:
    def __init__(
        self,
        ctx: Context,
        plans: PlanService,
        rto: RtoService,
        launch: LaunchSyncService,
        site: SiteService,
    ) -> None:
        self.ctx = ctx
        self.plans = plans
        self.rto = rto
        self.launch = launch
        self.site = site

    def lint(self, spec: RecoveryPlanSpec, plan_id: str | None = None) -> list[Finding]:
        """`plan_id` names the saved plan, whose own history sharpens the RTO estimate."""
        with self.ctx.read() as conn:
            records = groups.get_many(conn, spec.group_ids())
        members = self.plans.members(records)
        # The critical path needs a sound graph; lint reports a broken one without it.
        estimate = None if structure_violations(spec) else self.rto.estimate(plan_id, spec)
        found = self._away(plan_id) or self._estate(spec, members)
        return lint(spec, members, found, estimate)

    def _away(self, plan_id: str | None) -> Away | None:
        """Where a saved plan stands when its workloads run in the recovery region (its
        next run a failback), from the site state's own reading of DRS; else None."""
        if plan_id is None:
            return None
        state = SiteState(self.site.refresh(plan_id).state)
        if not is_away(state):
            return None
        record = self.plans.get(plan_id)
        legs = self.site.legs(record)
        faults = [] if record.spec().launch_settings == "ignore" else self._failback_faults(record)
        return Away(state, [(p.wave, s) for p, s in legs.servers], legs.error, faults)

    def _failback_faults(self, record: PlanRecord) -> list[tuple[str, Violation]]:
        """What EC2 at the origin would refuse of the groups' failback settings now."""
        faults: list[tuple[str, Violation]] = []
        with self.ctx.read() as conn:
            found = groups.get_many(conn, record.spec().group_ids())
        for group in found.values():
            try:
                faults += [(group.name, v) for v in self.launch.settings.failback_faults(group.id)]
            except InvalidInput as refused:
                faults += [(group.name, v) for v in refused.violations]
            except DomainError as error:  # EC2 or DRS did not answer: unchecked is a fault
                faults.append((group.name, Violation("failback", error.code, error.message)))
        return faults

    def _estate(self, spec: RecoveryPlanSpec, members: dict[str, GroupMembers]) -> Estate:
        by_place: dict[tuple[str, str], set[str]] = defaultdict(set)
        for group in members.values():
            by_place[(group.account_id, group.region)] |= set(group.server_ids)
        wants_ssm = {
            gid
            for w in spec.waves
            if any(h.CAPABILITIES.needs_instances for h in w.pre_hooks + w.post_hooks)
            for gid in w.protection_group_ids
        }
        servers: dict[str, ServerFacts] = {}
        running: dict[str, list[str]] = {}
        post_launch: dict[str, bool] = {}
        for (account, region), ids in by_place.items():
            listed = sorted(ids)
            servers |= {
                s.source_server_id: s for s in self.ctx.drs.source_servers(account, region, listed)
            }
            running |= self.ctx.drs.running_instances(account, region, listed)
            ssm_ids = sorted(
                {s for g in wants_ssm if g in members for s in members[g].server_ids} & ids
            )
            if ssm_ids:
                post_launch |= self.ctx.drs.post_launch_enabled(account, region, ssm_ids)
        drift, faults = ({}, []) if spec.launch_settings == "ignore" else self._launch(members)
        return Estate(
            servers, running, post_launch if wants_ssm else None, self.ctx.now(), drift, faults
        )

    def _launch(
        self, members: dict[str, GroupMembers]
    ) -> tuple[dict[str, LaunchDrift], list[tuple[str, Violation]]]:
        """Drift and EC2's faults for the groups that have launch settings (the others leave
        DRS and the templates as they are: nothing to compare)."""
        drift: dict[str, LaunchDrift] = {}
        faults: list[tuple[str, Violation]] = []
        for group_id, group in members.items():
            if self.launch.settings.get(group_id).version == 0:
                continue
            try:
                self.launch.settings.check_saved(group_id)
                found = self.launch.status(group_id)
            except InvalidInput as refused:
                faults += [(group.name, v) for v in refused.violations]
                continue
            except DomainError as error:  # EC2 or DRS did not answer: unchecked is a fault
                faults.append((group.name, Violation("launchSettings", error.code, error.message)))
                continue
            drift |= {
                s.server_id: LaunchDrift(s.state, s.differing, s.error) for s in found.servers
            }
        return drift, faults
