"""Plan files: YAML with the API's own names; waves name their groups by name, not ID."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.launch_settings import LaunchSettings
from drs_orchestrator.domain.model import Document
from drs_orchestrator.domain.plans import RecoveryPlanSpec


class PlanFileGroup(ProtectionGroupSpec):
    """A group as a plan file holds it: `launchSettings` left out leaves the group's own as
    they are; given, they are the group's (checked against EC2 when applied)."""

    launch_settings: LaunchSettings | None = None


class PlanFile(Document):
    protection_groups: list[PlanFileGroup] = Field(default_factory=list)
    plan: RecoveryPlanSpec


class PlanFileError(Exception):
    """What is wrong with a file, one line per problem."""


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(text: str, source: str) -> PlanFile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PlanFileError(f"{source}: not valid YAML: {error}") from None
    try:
        return PlanFile.model_validate(data)
    except ValidationError as error:
        lines = [f"{source}: {_path(e['loc']) or 'file'}: {e['msg']}" for e in error.errors()]
        raise PlanFileError("\n".join(lines)) from None


def load(path: Path) -> PlanFile:
    try:
        return parse(path.read_text(), str(path))
    except OSError as error:
        raise PlanFileError(f"{path}: {error.strerror}") from None


def group_document(spec: ProtectionGroupSpec) -> dict[str, Any]:
    """The group as the API takes it (its launch settings go on their own)."""
    return spec.model_dump(
        by_alias=True, mode="json", exclude_none=True, exclude={"launch_settings"}
    )


def settings_document(settings: LaunchSettings) -> dict[str, Any]:
    """Launch settings as the API stores and returns them: what is set, nothing else."""
    return settings.model_dump(by_alias=True, mode="json", exclude_defaults=True)


def file_group_document(spec: PlanFileGroup) -> dict[str, Any]:
    document = group_document(spec)
    if spec.launch_settings is not None:
        document["launchSettings"] = settings_document(spec.launch_settings)
    return document


def leaving_settings(current: PlanFile, desired: PlanFile) -> PlanFile:
    """`current` without the launch settings `desired` leaves as they are (those its groups
    do not give), so that a diff shows only what applying it would change."""
    given = {g.name.casefold() for g in desired.protection_groups if g.launch_settings is not None}
    groups = [
        g if g.name.casefold() in given else g.model_copy(update={"launch_settings": None})
        for g in current.protection_groups
    ]
    return current.model_copy(update={"protection_groups": groups})


def plan_document(spec: RecoveryPlanSpec) -> dict[str, Any]:
    return spec.model_dump(by_alias=True, mode="json")


def canonical(file: PlanFile) -> dict[str, Any]:
    """The file with every default filled in and groups in name order: what diffs compare."""
    groups = sorted(file.protection_groups, key=lambda g: g.name.casefold())
    return {
        "protectionGroups": [file_group_document(g) for g in groups],
        "plan": plan_document(file.plan),
    }


def dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def with_ids(plan: RecoveryPlanSpec, ids: dict[str, str]) -> RecoveryPlanSpec:
    """The plan with group names replaced by IDs; unknown names are left for the API to refuse."""
    waves = [
        w.model_copy(
            update={
                "protection_group_ids": [ids.get(n.casefold(), n) for n in w.protection_group_ids]
            }
        )
        for w in plan.waves
    ]
    return plan.model_copy(update={"waves": waves})
