"""After the round trip: each server's recovery-region instance taken out of DRS
(DisconnectRecoveryInstance, after StopFailback if it still replicates back; EC2 keeps the
instance, stopped first when asked, else for its owner to stop or terminate), once its
server is home and protected again.

Made in the request, server after server in dependency order; asking again is safe, since
what is left to call is read from DRS each time (a stopped replication is not stopped
again, a disconnected instance is no longer listed)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from drs_orchestrator.domain.errors import Conflict
from drs_orchestrator.domain.failback import (
    DISCONNECT_INSTANCE,
    STOP_FAILBACK,
    STOP_INSTANCE,
    InstanceFacts,
    ServerLeg,
    recovered_instance,
    release_calls,
)
from drs_orchestrator.domain.site import SiteState, label
from drs_orchestrator.drs.jobs import StartDeferredError, StartRefusedError
from drs_orchestrator.service.site import RESOURCE, Legs, PlanServer, SiteService, plan_servers
from drs_orchestrator.store import audit

RELEASED, SKIPPED, FAILED = "RELEASED", "SKIPPED", "FAILED"


@dataclass(frozen=True)
class Released:
    server: PlanServer
    hostname: str
    recovery_instance_id: str | None
    outcome: str  # RELEASED, SKIPPED or FAILED
    calls: list[str] = field(default_factory=list)  # the calls that succeeded
    detail: str | None = None  # why it was skipped or failed
    ec2_instance_id: str | None = None


class ReleaseService:
    def __init__(self, site: SiteService) -> None:
        self.site = site

    def release(self, plan_id: str, actor: str, stop_instances: bool = False) -> list[Released]:
        """Refused unless the plan is protected again; the request is audited before any
        call and its outcome after."""
        record = self.site.plans.get(plan_id)
        state = SiteState(self.site.refresh(plan_id).state)
        if state != SiteState.PROTECTED:
            raise Conflict(
                "SITE_STATE_CONFLICT",
                f"The plan is {label(state).lower()} ({state}): its recovery-region instances "
                "are released once a failback has brought it home and it is protected again",
            )
        spec = record.spec()
        legs = self.site.legs_of(record, plan_servers(spec, self.site.plans.validate(spec)))
        instances = self._instances(legs)
        asked: dict[str, object] = {"servers": len(legs.servers), "stopInstances": stop_instances}
        self._audit(actor, plan_id, "release-recovery-instances", asked)
        out = [
            self._one(server, now_leg, instances.get(server.server_id), stop_instances)
            for server, now_leg in legs.servers
        ]
        counts: dict[str, object] = {
            o: sum(r.outcome == o for r in out) for o in (RELEASED, SKIPPED, FAILED)
        }
        self._audit(actor, plan_id, "release-recovery-instances-ended", counts)
        return out

    def _instances(self, legs: Legs) -> dict[str, InstanceFacts]:
        """Each server's live (not drill) recovery instance in the recovery region."""
        by_place: dict[tuple[str, str], list[str]] = defaultdict(list)
        for server, _ in legs.servers:
            by_place[server.place].append(server.server_id)
        found: dict[str, list[InstanceFacts]] = defaultdict(list)
        for place, ids in by_place.items():
            for i in self.site.failback.instances(place, ids):
                found[i.source_server_id].append(i)
        return {sid: live for sid, listed in found.items() if (live := recovered_instance(listed))}

    def _one(
        self,
        server: PlanServer,
        now_leg: ServerLeg,
        instance: InstanceFacts | None,
        stop_instance: bool,
    ) -> Released:
        calls, why = release_calls(now_leg, instance, stop_instance)
        if why is not None or instance is None:
            held = instance.recovery_instance_id if instance else None
            ec2 = instance.ec2_instance_id if instance else None
            return Released(server, now_leg.hostname, held, SKIPPED, [], why, ec2)
        instance_id, ec2_id = instance.recovery_instance_id, instance.ec2_instance_id
        made: list[str] = []
        for call in calls:
            try:
                if call == STOP_FAILBACK:
                    self.site.failback.stop(server.place, instance_id)
                elif call == STOP_INSTANCE:
                    self.site.failback.stop_instance(server.place, str(instance.ec2_instance_id))
                elif call == DISCONNECT_INSTANCE:
                    self.site.failback.disconnect(server.place, instance_id)
            except (StartRefusedError, StartDeferredError) as error:
                return Released(
                    server, now_leg.hostname, instance_id, FAILED, made, f"{call}: {error}", ec2_id
                )
            made.append(call)
        return Released(server, now_leg.hostname, instance_id, RELEASED, made, None, ec2_id)

    def _audit(self, actor: str, plan_id: str, action: str, after: dict[str, object]) -> None:
        with self.site.ctx.write() as conn:
            audit.record(
                conn,
                at=self.site.now(),
                actor=actor,
                action=action,
                resource_type=RESOURCE,
                resource_id=plan_id,
                before={"siteState": SiteState.PROTECTED.value},
                after=after,
            )
