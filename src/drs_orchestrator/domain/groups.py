"""Protection groups: named sets of DRS source servers in one account and region."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from drs_orchestrator.domain.errors import Violation
from drs_orchestrator.domain.model import (
    AccountId,
    Description,
    Document,
    Name,
    Region,
    SourceServerId,
)

TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
TagValue = Annotated[str, StringConstraints(max_length=256)]


class ServerSelector(Document):
    """Servers whose DRS tags include every pair given, resolved whenever the group is used."""

    tags: dict[TagKey, TagValue] = Field(min_length=1, max_length=50)


def check_choice(ids: list[str] | None, selector: ServerSelector | None) -> None:
    """Servers are chosen one way: explicitly, or by a selector."""
    if ids is None and selector is None:
        raise PydanticCustomError(
            "SERVERS_REQUIRED",
            "At least one source server must be selected: give sourceServerIds or serverSelector",
        )
    if ids is not None and selector is not None:
        raise PydanticCustomError(
            "SERVERS_AMBIGUOUS", "Give either sourceServerIds or serverSelector, not both"
        )
    if ids is not None and not ids:
        raise PydanticCustomError("SERVERS_REQUIRED", "At least one source server must be selected")


class ProtectionGroupSpec(Document):
    """What an operator writes; `accountId` defaults to the deployment's own account."""

    name: Name
    description: Description = ""
    account_id: AccountId | None = None
    region: Region
    source_server_ids: list[SourceServerId] | None = Field(default=None, max_length=1000)
    server_selector: ServerSelector | None = None

    @model_validator(mode="after")
    def _one_way_of_choosing(self) -> ProtectionGroupSpec:
        check_choice(self.source_server_ids, self.server_selector)
        return self

    def duplicate_servers(self) -> list[Violation]:
        seen: set[str] = set()
        found = []
        for i, server_id in enumerate(self.source_server_ids or []):
            if server_id in seen:
                found.append(
                    Violation(
                        f"sourceServerIds[{i}]",
                        "DUPLICATE_SERVER_ID",
                        f"{server_id} is listed more than once",
                    )
                )
            seen.add(server_id)
        return found


@dataclass(frozen=True)
class Assignment:
    """A server's current owner, as the store reports it."""

    server_id: str
    protection_group_id: str
    protection_group_name: str


def conflicts(
    server_ids: Iterable[str], owners: Mapping[str, Assignment], editing: str | None
) -> list[Assignment]:
    """Servers already owned by a group other than the one being edited."""
    return [
        owners[s] for s in server_ids if s in owners and owners[s].protection_group_id != editing
    ]
