"""Recovery plans: waves of protection groups that form a dependency graph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from drs_orchestrator.domain import graph
from drs_orchestrator.domain.errors import Violation
from drs_orchestrator.domain.hooks import Hook
from drs_orchestrator.domain.model import (
    Boolean,
    Description,
    Document,
    Integer,
    Name,
    ResourceId,
    SourceServerId,
    WeekOfMinutes,
)

DEFAULT_WAVE_TIMEOUT_MINUTES = 90


class Wave(Document):
    name: Name
    description: Description = ""
    protection_group_ids: list[ResourceId] = Field(min_length=1, max_length=50)
    # A subset of the groups' servers; empty means all of them.
    server_ids: list[SourceServerId] = Field(default_factory=list, max_length=1000)
    # None means "the previous wave" and is filled in by the plan; [] means no dependencies.
    depends_on: list[Name] | None = None
    pause_before: Boolean = False
    pre_hooks: list[Hook] = Field(default_factory=list, max_length=20)
    post_hooks: list[Hook] = Field(default_factory=list, max_length=20)
    on_failure: Literal["stop", "continue"] = "stop"
    non_critical_server_ids: list[SourceServerId] = Field(default_factory=list, max_length=1000)
    timeout_minutes: Integer = Field(default=DEFAULT_WAVE_TIMEOUT_MINUTES, ge=1, le=1440)

    @property
    def dependencies(self) -> list[str]:
        return self.depends_on or []


class RecoveryPlanSpec(Document):
    name: Name
    description: Description = ""
    rto_target_minutes: WeekOfMinutes | None = None
    # Drills: terminate their recovery instances this long after they end (None: keep them).
    cleanup_after_minutes: WeekOfMinutes | None = None
    # Groups' launch settings before each wave: applied again (`reapply`), checked for drift
    # (`check`: drift is reported, the launch goes on) or not looked at (`ignore`).
    launch_settings: Literal["reapply", "check", "ignore"] = "check"
    waves: list[Wave] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _default_dependencies(self) -> RecoveryPlanSpec:
        for i, wave in enumerate(self.waves):
            if wave.depends_on is None:
                wave.depends_on = [self.waves[i - 1].name] if i else []
        return self

    def edges(self) -> dict[str, list[str]]:
        return {w.name: w.dependencies for w in self.waves}

    def group_ids(self) -> set[str]:
        return {g for w in self.waves for g in w.protection_group_ids}


def _duplicates(values: list[str], field: str, code: str, what: str) -> list[Violation]:
    seen: set[str] = set()
    out = []
    for i, value in enumerate(values):
        key = value.casefold()
        if key in seen:
            out.append(Violation(f"{field}[{i}]", code, f"{what} {value!r} appears more than once"))
        seen.add(key)
    return out


def structure_violations(plan: RecoveryPlanSpec) -> list[Violation]:
    """Rules that need nothing but the plan itself: names, dependencies, cycles."""
    found = _duplicates([w.name for w in plan.waves], "waves", "DUPLICATE_WAVE_NAME", "Wave name")
    found = [Violation(f"{v.field}.name", v.code, v.message) for v in found]
    names = {w.name for w in plan.waves}
    for i, wave in enumerate(plan.waves):
        at = f"waves[{i}]"
        found += _duplicates(
            wave.protection_group_ids,
            f"{at}.protectionGroupIds",
            "DUPLICATE_PROTECTION_GROUP",
            "Protection group",
        )
        found += _duplicates(wave.server_ids, f"{at}.serverIds", "DUPLICATE_SERVER_ID", "Server")
        for j, dep in enumerate(wave.dependencies):
            if dep == wave.name:
                found.append(
                    Violation(
                        f"{at}.dependsOn[{j}]", "SELF_DEPENDENCY", "A wave cannot depend on itself"
                    )
                )
            elif dep not in names:
                found.append(
                    Violation(
                        f"{at}.dependsOn[{j}]",
                        "UNKNOWN_WAVE_DEPENDENCY",
                        f"No wave named {dep!r} in this plan",
                    )
                )
        if wave.server_ids:
            listed = set(wave.server_ids)
            for j, server in enumerate(wave.non_critical_server_ids):
                if server not in listed:
                    found.append(
                        Violation(
                            f"{at}.nonCriticalServerIds[{j}]",
                            "NON_CRITICAL_NOT_IN_WAVE",
                            f"{server} is not one of this wave's servers",
                        )
                    )
    edges = {w.name: [d for d in w.dependencies if d != w.name] for w in plan.waves}
    if cycle := graph.find_cycle(edges):
        index = next(i for i, w in enumerate(plan.waves) if w.name == cycle[0])
        found.append(
            Violation(
                f"waves[{index}].dependsOn",
                "DEPENDENCY_CYCLE",
                "Circular dependency between waves: " + " -> ".join(cycle),
            )
        )
    return found


@dataclass(frozen=True)
class GroupMembers:
    """A protection group as plan validation sees it: its servers resolved now."""

    id: str
    name: str
    account_id: str
    region: str
    server_ids: tuple[str, ...]


def wave_servers(wave: Wave, groups: Mapping[str, GroupMembers]) -> list[str]:
    """The servers a wave launches: its subset of its groups' servers, or all of them."""
    members: list[str] = []
    for gid in wave.protection_group_ids:
        if gid in groups:
            members += [s for s in groups[gid].server_ids if s not in members]
    if not wave.server_ids:
        return members
    return [s for s in wave.server_ids if s in members]


def reference_violations(
    plan: RecoveryPlanSpec, groups: Mapping[str, GroupMembers]
) -> list[Violation]:
    """Rules that need the plan's protection groups and their current servers."""
    found: list[Violation] = []
    owner: dict[str, str] = {}
    for i, wave in enumerate(plan.waves):
        at = f"waves[{i}]"
        for j, gid in enumerate(wave.protection_group_ids):
            if gid not in groups:
                found.append(
                    Violation(
                        f"{at}.protectionGroupIds[{j}]",
                        "UNKNOWN_PROTECTION_GROUP",
                        f"Protection group {gid} does not exist",
                    )
                )
        members = set(
            wave_servers(wave, {g: groups[g] for g in wave.protection_group_ids if g in groups})
        )
        in_groups = {
            s for g in wave.protection_group_ids if g in groups for s in groups[g].server_ids
        }
        for j, server in enumerate(wave.server_ids):
            if server not in in_groups:
                found.append(
                    Violation(
                        f"{at}.serverIds[{j}]",
                        "SERVER_NOT_IN_GROUPS",
                        f"{server} is not in any of this wave's protection groups",
                    )
                )
        for j, server in enumerate(wave.non_critical_server_ids):
            if not wave.server_ids and server not in members:
                found.append(
                    Violation(
                        f"{at}.nonCriticalServerIds[{j}]",
                        "NON_CRITICAL_NOT_IN_WAVE",
                        f"{server} is not one of this wave's servers",
                    )
                )
        if not members and all(g in groups for g in wave.protection_group_ids):
            found.append(
                Violation(
                    at, "WAVE_HAS_NO_SERVERS", f"Wave {wave.name!r} has no servers to recover"
                )
            )
        for server in sorted(members):
            if server in owner:
                found.append(
                    Violation(
                        at,
                        "SERVER_IN_TWO_WAVES",
                        f"{server} is in wave {owner[server]!r} and in wave {wave.name!r}",
                    )
                )
            else:
                owner[server] = wave.name
    return found
