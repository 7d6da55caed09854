"""A scripted drill: waves launched one after another, each as one DRS job.

This is the first-impression demo (`drs-orchestrator demo`); the execution engine replaces
it with durable, dependency-ordered orchestration.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_drs import DrsClient

PHASE_OF_EVENT = {
    "JOB_START": "queued",
    "SNAPSHOT_START": "snapshot",
    "USING_PREVIOUS_SNAPSHOT": "previous snapshot",
    "SNAPSHOT_END": "snapshot done",
    "CONVERSION_START": "conversion",
    "CONVERSION_END": "conversion done",
    "LAUNCH_START": "launch",
}


@dataclass
class ServerProgress:
    source_server_id: str
    hostname: str
    launch_status: str = "PENDING"
    phase: str = "queued"
    recovery_instance_id: str | None = None
    error: str | None = None


@dataclass
class WaveProgress:
    name: str
    servers: list[ServerProgress]
    job_id: str | None = None
    job_status: str = "NOT_STARTED"
    # DRS's own timestamps of the job, so durations are in (emulated) service time.
    created: datetime | None = None
    ended: datetime | None = None
    log_seen: int = field(default=0, repr=False)


def servers_by_tag(client: DrsClient, key: str) -> dict[str, list[dict[str, Any]]]:
    """Every source server, grouped by the value of one tag (paginated)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for page in client.get_paginator("describe_source_servers").paginate():
        for server in page["items"]:
            value = server.get("tags", {}).get(key)
            if value is not None:
                groups.setdefault(value, []).append(dict(server))
    return groups


def hostname_of(server: dict[str, Any]) -> str:
    hints = server.get("sourceProperties", {}).get("identificationHints", {})
    return str(hints.get("hostname") or server["sourceServerID"])


def start_wave(client: DrsClient, wave: WaveProgress, tags: dict[str, str]) -> None:
    job = client.start_recovery(
        sourceServers=[{"sourceServerID": s.source_server_id} for s in wave.servers],
        isDrill=True,
        tags=tags,
    )["job"]
    wave.job_id = job["jobID"]
    wave.job_status = job["status"]
    wave.created = _parse(job["creationDateTime"])


def refresh_wave(client: DrsClient, wave: WaveProgress) -> None:
    """One DescribeJobs and the job's log (every page), applying only log items not seen yet.

    Phases (snapshot, conversion, launch) show only in the log, so it is read every poll.
    """
    if wave.job_id is None:
        return
    job = client.describe_jobs(filters={"jobIDs": [wave.job_id]})["items"][0]
    by_id = {s.source_server_id: s for s in wave.servers}
    for participant in job.get("participatingServers", []):
        server = by_id.get(participant.get("sourceServerID", ""))
        if server is not None:
            server.launch_status = participant.get("launchStatus", server.launch_status)
            server.recovery_instance_id = participant.get("recoveryInstanceID")
    pages = client.get_paginator("describe_job_log_items").paginate(jobID=wave.job_id)
    items = [item for page in pages for item in page["items"]]
    for item in items[wave.log_seen :]:
        data = item.get("eventData", {})
        server = by_id.get(data.get("sourceServerID", ""))
        if server is None:
            continue
        if item["event"] in PHASE_OF_EVENT:
            server.phase = PHASE_OF_EVENT[item["event"]]
        if "rawError" in data:
            server.error = data["rawError"]
            server.phase = item["event"].lower()
    wave.log_seen = len(items)
    for server in wave.servers:
        if server.launch_status == "LAUNCHED":
            server.phase = "launched"
    wave.job_status = job["status"]
    if "endDateTime" in job:
        wave.ended = _parse(job["endDateTime"])


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def run_waves(
    client: DrsClient,
    waves: Iterable[WaveProgress],
    tags: dict[str, str],
    on_update: Callable[[], None],
    poll_seconds: float = 0.5,
) -> None:
    """Launch each wave when the one before it completed; report after every poll."""
    for wave in waves:
        start_wave(client, wave, {**tags, "DRS:WaveName": wave.name})
        on_update()
        while wave.job_status != "COMPLETED":
            time.sleep(poll_seconds)
            refresh_wave(client, wave)
            on_update()


def terminate_instances(client: DrsClient, instance_ids: list[str]) -> list[str]:
    """Clean up drill instances (DRS never does): one TERMINATE job per 200 instances."""
    jobs = []
    for i in range(0, len(instance_ids), 200):
        job = client.terminate_recovery_instances(recoveryInstanceIDs=instance_ids[i : i + 200])
        jobs.append(job["job"]["jobID"])
    return jobs
