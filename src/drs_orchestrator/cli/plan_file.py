"""Plan files: YAML with the API's own names; waves name their groups by name, not ID."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.model import Document
from drs_orchestrator.domain.plans import RecoveryPlanSpec


class PlanFile(Document):
    protection_groups: list[ProtectionGroupSpec] = Field(default_factory=list)
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
    return spec.model_dump(by_alias=True, mode="json", exclude_none=True)


def plan_document(spec: RecoveryPlanSpec) -> dict[str, Any]:
    return spec.model_dump(by_alias=True, mode="json")


def canonical(file: PlanFile) -> dict[str, Any]:
    """The file with every default filled in and groups in name order: what diffs compare."""
    groups = sorted(file.protection_groups, key=lambda g: g.name.casefold())
    return {
        "protectionGroups": [group_document(g) for g in groups],
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
