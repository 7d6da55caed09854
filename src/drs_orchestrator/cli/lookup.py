"""Finding what a command names: a protection group by its ID or its name."""

from __future__ import annotations

from typing import Any

from drs_orchestrator.cli.api_client import Api
from drs_orchestrator.cli.output import err_exit


def find_group(client: Api, name_or_id: str) -> dict[str, Any]:
    """A group by ID or by name (any case)."""
    for group in client.all_pages("/protection-groups"):
        if name_or_id == group["id"] or group["name"].casefold() == name_or_id.casefold():
            return group
    return err_exit(f"No protection group named or with ID {name_or_id!r}", "GROUP_NOT_FOUND")
