"""Helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.scenario import parse_faults


def one_region(count: int, prefix: str = "srv-", **extra: Any) -> dict[str, Any]:
    """A scenario document: `count` servers in us-east-1 of the default account."""
    servers = [{"count": count, "hostnamePrefix": prefix}]
    return {"accounts": {"111111111111": {"regions": {"us-east-1": {"servers": servers}}}}, **extra}


def servers_of(drs: Any, tier: str | None = None) -> list[dict[str, Any]]:
    items = [s for p in drs.get_paginator("describe_source_servers").paginate() for s in p["items"]]
    return [s for s in items if tier is None or s["tags"].get("Tier") == tier]


def hostname(server: dict[str, Any]) -> str:
    return str(server["sourceProperties"]["identificationHints"]["hostname"])


def run_until_complete(emulator: Emulator, drs: Any, job_id: str, step: float = 30) -> dict:
    """Advance the manual clock until the job completes; returns the completed job."""
    for _ in range(10_000):
        job = drs.describe_jobs(filters={"jobIDs": [job_id]})["items"][0]
        if job["status"] == "COMPLETED":
            return job
        emulator.advance(step)
    raise AssertionError(f"job {job_id} never completed")


def inject(emulator: Emulator, *faults: dict[str, Any]) -> None:
    """Replace the emulator's faults with these (items as in a scenario file)."""
    emulator.set_faults(parse_faults({"faults": list(faults)}))
