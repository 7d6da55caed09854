"""A protection group's launch settings: read, and replaced only once EC2 agrees with every
server's effective values (nothing is written when one is wrong)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as with_fields
from datetime import datetime
from ipaddress import IPv4Address

from sqlalchemy.exc import IntegrityError

from drs_orchestrator.domain.errors import InvalidInput, Violation
from drs_orchestrator.domain.launch_settings import (
    Ec2Facts,
    Effective,
    FailbackLaunch,
    LaunchSettings,
    Server,
    effective,
    failback_effective,
    static_ips,
    validate,
)
from drs_orchestrator.domain.servers import ServerFacts
from drs_orchestrator.drs.ec2 import Ec2Reader
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.groups import not_found
from drs_orchestrator.store import audit, groups
from drs_orchestrator.store import launch_settings as rows
from drs_orchestrator.store.groups import GroupRecord
from drs_orchestrator.store.versioned import (
    Expected,
    LostRace,
    bump,
    check_version,
    current_version,
    retrying,
)

RESOURCE = "launch-settings"


@dataclass(frozen=True)
class Held:
    """A group's settings and their version (0, with empty settings, before the first save)."""

    group_id: str
    settings: LaunchSettings
    version: int
    updated_at: datetime | None
    updated_by: str | None


def effective_of(settings: LaunchSettings, facts: Sequence[ServerFacts]) -> list[Effective]:
    return [effective(settings, Server(s.source_server_id, s.tags, s.ips)) for s in facts]


class LaunchSettingsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def get(self, group_id: str) -> Held:
        with self.ctx.read() as conn:
            if groups.get(conn, group_id) is None:
                raise not_found(group_id)
            record = rows.get(conn, group_id)
        if record is None:
            return Held(group_id, LaunchSettings(), 0, None, None)
        return Held(
            group_id,
            LaunchSettings.model_validate(record.document),
            record.version,
            record.updated_at,
            record.updated_by,
        )

    def effective(
        self, group: GroupRecord, members: Sequence[str], settings: LaunchSettings
    ) -> list[Effective]:
        """Each server's values, from what DRS says of it now (tags, addresses)."""
        return effective_of(settings, self.facts(group, members))

    def facts(self, group: GroupRecord, members: Sequence[str]) -> list[ServerFacts]:
        return self.ctx.drs.source_servers(group.account_id, group.region, list(members))

    def check(
        self, group: GroupRecord, members: Sequence[str], settings: LaunchSettings
    ) -> list[Effective]:
        """Refuse, with every field at fault, what EC2 would refuse at launch; else each
        server's effective settings."""
        unknown = sorted(set(settings.overrides) - set(members))
        found = [
            Violation(
                f"overrides.{server_id}",
                "SERVER_NOT_IN_GROUP",
                f"{server_id} is not a server of this protection group",
            )
            for server_id in unknown
        ]
        facts = self.facts(group, members)
        servers = effective_of(settings, facts)
        own = self.ctx.drs.running_instances(
            group.account_id,
            group.region,
            [s.server_id for s in servers if "private_ip" in s.values],
        )
        found += validate(
            servers,
            self._ec2_facts(group.account_id, group.region, servers, own),
            self._claimed_elsewhere(group),
        )
        if settings.failback is not None:
            found += self._failback_faults(group, members, settings.failback, facts)
        if found:
            raise InvalidInput(found, code="LAUNCH_SETTINGS_INVALID")
        return servers

    def _failback_faults(
        self,
        group: GroupRecord,
        members: Sequence[str],
        failback: FailbackLaunch,
        facts: Sequence[ServerFacts],
    ) -> list[Violation]:
        """What EC2 at each server's AWS origin (its account and region, where DRS makes
        the reversed server) would refuse of a failback's launch, and overrides of servers
        that have no such launch."""
        on_premises = {f.source_server_id for f in facts if f.origin_region is None}
        found = [
            Violation(
                f"failback.overrides.{server_id}",
                "SERVER_NOT_IN_GROUP" if server_id not in members else "FAILBACK_ON_PREMISES",
                f"{server_id} is not a server of this protection group"
                if server_id not in members
                else f"{server_id} is on premises: its failback launches onto its own machine, "
                "which takes no launch settings",
            )
            for server_id in sorted(failback.overrides)
            if server_id not in members or server_id in on_premises
        ]
        by_origin: dict[tuple[str, str], list[Effective]] = defaultdict(list)
        for f in facts:
            if f.origin_region is not None:
                server = Server(f.source_server_id, f.tags, f.ips)
                origin = (f.origin_account or group.account_id, f.origin_region)
                by_origin[origin].append(failback_effective(failback, server, f.source_server_id))
        for (account, region), servers in sorted(by_origin.items()):
            found += validate(servers, self._ec2_facts(account, region, servers, {}))
        return found

    def _claimed_elsewhere(self, group: GroupRecord) -> dict[IPv4Address, str]:
        """The static IPs the other groups' settings give their servers, in the same account
        and region: one address cannot go to two servers, whichever groups they are in."""
        with self.ctx.read() as conn:
            others = rows.others(conn, group.id, group.account_id, group.region)
            members = groups.members_of(conn, [o.group_id for o in others])
        claimed: dict[IPv4Address, str] = {}
        for other in others:
            settings = LaunchSettings.model_validate(other.document)
            if not static_ips(settings) or not members[other.group_id]:
                continue
            for e in self.effective(other.group, members[other.group_id], settings):
                if (ip := e.values.get("private_ip")) is not None:
                    claimed[ip] = f"{e.server_id} of {other.group.name}"
        return claimed

    def _ec2_facts(
        self,
        account: str,
        region: str,
        servers: Sequence[Effective],
        own: Mapping[str, Sequence[str]],
    ) -> Ec2Facts:
        """EC2's facts for the servers' values in one place. `own`: the recovery instances
        of each server with a static IP, holding it: no conflict, as DRS terminates that
        instance (a drill not yet cleaned up) before it launches the next."""
        values = [s.values for s in servers]
        session = self.ctx.drs.session(account)
        if session is None:  # the group was saved for an account this deployment reaches
            raise InvalidInput(
                [Violation("accountId", "ACCOUNT_NOT_CONFIGURED", f"{account} is not reachable")],
                code="ACCOUNT_NOT_CONFIGURED",
            )
        facts = Ec2Reader(session, account, region).facts(
            subnet_ids={v["subnet_id"] for v in values if "subnet_id" in v},
            security_group_ids={g for v in values for g in v.get("security_group_ids") or []},
            private_ips={str(v["private_ip"]) for v in values if "private_ip" in v},
            instance_types={v["instance_type"] for v in values if "instance_type" in v},
            instance_profiles={v["instance_profile"] for v in values if "instance_profile" in v},
        )
        return with_fields(facts, own_instances={k: frozenset(v) for k, v in own.items()})

    def check_saved(self, group_id: str) -> list[Effective]:
        """The saved settings checked against EC2 now (an address taken since, ...)."""
        group, members = self.group(group_id)
        return self.check(group, members, self.get(group_id).settings)

    def failback_faults(self, group_id: str) -> list[Violation]:
        """What EC2 at the servers' origin would refuse of the saved failback settings now
        (a subnet deleted since, an address taken); none when the group has none."""
        failback = self.get(group_id).settings.failback
        if failback is None:
            return []
        group, members = self.group(group_id)
        return self._failback_faults(group, members, failback, self.facts(group, members))

    def group(self, group_id: str) -> tuple[GroupRecord, list[str]]:
        """The group and its servers (404 when it is gone)."""
        with self.ctx.read() as conn:
            group = groups.get(conn, group_id)
            members = groups.members(conn, group_id)
        if group is None:
            raise not_found(group_id)
        return group, list(members)

    def replace(
        self, group_id: str, settings: LaunchSettings, if_match: Expected, actor: str
    ) -> Held:
        group, members = self.group(group_id)
        self.check(group, members, settings)
        return retrying(if_match, lambda: self._save(group_id, settings, if_match, actor))

    def _save(
        self, group_id: str, settings: LaunchSettings, if_match: Expected, actor: str
    ) -> Held:
        now = self.ctx.now()
        document = settings.model_dump(by_alias=True, mode="json", exclude_defaults=True)
        try:
            with self.ctx.write() as conn:
                # The group's row is locked first: settings are written under the group.
                current_version(conn, groups.T, group_id, "Protection group", "PG_NOT_FOUND")
                before = rows.get(conn, group_id)
                check_version(if_match, before.version if before else 0, "Launch settings")
                if before is None:
                    rows.insert(conn, group_id, document, now, actor)
                else:
                    bump(
                        conn,
                        rows.T,
                        group_id,
                        version=before.version,
                        now=now,
                        values={"document": document, "updated_by": actor},
                        what="Launch settings",
                    )
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="update",
                    resource_type=RESOURCE,
                    resource_id=group_id,
                    before=before.document if before else None,
                    after=document,
                )
        except IntegrityError:  # another first save won the race
            raise LostRace(
                "VERSION_MISMATCH",
                "Launch settings were saved by someone else at the same moment. "
                "Fetch them again and reapply your change.",
            ) from None
        return self.get(group_id)
