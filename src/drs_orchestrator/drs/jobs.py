"""The DRS calls an execution makes: StartRecovery, finding a job already started, following
jobs in batches, recording recovery instances, terminating them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from drs_orchestrator.domain.errors import DrsUnavailable
from drs_orchestrator.domain.observations import InstanceView, JobView, ServerView
from drs_orchestrator.domain.quotas import JOB_IDS_PER_CALL, SERVER_IDS_PER_FILTER
from drs_orchestrator.domain.snapshots import RecoverySnapshot, at_or_before
from drs_orchestrator.drs.gateway import DrsGateway
from drs_orchestrator.drs.mapping import timestamp

if TYPE_CHECKING:
    from mypy_boto3_drs import DrsClient
    from mypy_boto3_drs.type_defs import DescribeJobsRequestFiltersTypeDef

_FAIL_EVENTS = {
    "SNAPSHOT_FAIL",
    "CONVERSION_FAIL",
    "LAUNCH_FAILED",
    "USING_PREVIOUS_SNAPSHOT_FAILED",
}
# Errors worth trying again later: the servers are busy, DRS is busy, or capacity is taken.
_DEFERRABLE = {
    "ConflictException",
    "ThrottlingException",
    "ServiceQuotaExceededException",
    "InternalServerException",
}


class StartRefusedError(Exception):
    """DRS will not start this job as asked (validation, access): trying again will not help."""


@dataclass
class StartDeferredError(Exception):
    """DRS cannot start it now (busy servers, throttling, a quota): try again later."""

    code: str
    reason: str
    retry_after_seconds: float | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


@dataclass(frozen=True)
class Observed:
    view: JobView
    kind: str  # LAUNCH | TERMINATE
    fingerprint: str  # changes whenever the job's status or a server's state does


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def classify(error: ClientError) -> Exception:
    body = error.response.get("Error", {})
    code = str(body.get("Code", ""))
    message = str(body.get("Message", ""))
    if code in _DEFERRABLE:
        raw = error.response.get("retryAfterSeconds") or error.response.get(
            "ResponseMetadata", {}
        ).get("HTTPHeaders", {}).get("retry-after")
        try:
            retry_after = float(str(raw)) if raw is not None else None
        except ValueError:
            retry_after = None
        return StartDeferredError(code, message, retry_after)
    return StartRefusedError(f"{code}: {message}")


class DrsJobs:
    def __init__(self, gateway: DrsGateway) -> None:
        self.gateway = gateway

    def _client(self, place: tuple[str, str]) -> DrsClient:
        return self.gateway.client(*place)

    def start_recovery(
        self,
        place: tuple[str, str],
        server_ids: Sequence[str],
        *,
        is_drill: bool,
        tags: Mapping[str, str],
        snapshots: Mapping[str, str] | None = None,
    ) -> str:
        """One StartRecovery for all of `server_ids`, each from its recovery snapshot in
        `snapshots` (else from the latest data); the job ID."""
        chosen = snapshots or {}
        try:
            answer = self._client(place).start_recovery(
                sourceServers=[
                    {"sourceServerID": s, "recoverySnapshotID": chosen[s]}
                    if s in chosen
                    else {"sourceServerID": s}
                    for s in server_ids
                ],
                isDrill=is_drill,
                tags=dict(tags),
            )
        except ClientError as error:
            raise classify(error) from error
        except BotoCoreError as error:
            raise StartDeferredError("Unreachable", str(error)) from error
        return answer["job"]["jobID"]

    def start_failback_launch(
        self, place: tuple[str, str], recovery_instance_ids: Sequence[str], tags: Mapping[str, str]
    ) -> str:
        """StartFailbackLaunch (on-premises origins, their Failback Client ready): the
        job's ID; refusals are classified as StartRecovery's are."""
        try:
            answer = self._client(place).start_failback_launch(
                recoveryInstanceIDs=list(recovery_instance_ids), tags=dict(tags)
            )
        except ClientError as error:
            raise classify(error) from error
        except BotoCoreError as error:
            raise StartDeferredError("Unreachable", str(error)) from error
        return str(answer["job"]["jobID"])

    def snapshot_before(
        self, place: tuple[str, str], server_id: str, moment: datetime
    ) -> RecoverySnapshot | None:
        """The server's latest recovery snapshot taken at or before `moment`. DRS
        unreachable raises StartDeferredError: the launch waits for it."""
        try:
            found = self.gateway.recovery_snapshots(*place, server_id, before=moment)
        except DrsUnavailable as error:
            raise StartDeferredError("Unreachable", error.message) from error
        return at_or_before(found, moment)

    def _jobs_since(
        self, place: tuple[str, str], since: datetime, kind: str
    ) -> Iterator[Mapping[str, Any]]:
        """Jobs of `kind` created since a little before `since`, newest first."""
        paginator = self._client(place).get_paginator("describe_jobs")
        filters: DescribeJobsRequestFiltersTypeDef = {
            "fromDate": _iso(since - timedelta(minutes=5))
        }
        with self.gateway.asking(*place):
            for page in paginator.paginate(filters=filters):
                yield from (j for j in page["items"] if j.get("type") == kind)

    def find_started(
        self,
        place: tuple[str, str],
        since: datetime,
        *,
        tags: Mapping[str, str],
        server_ids: Sequence[str],
    ) -> str | None:
        """A launch job already started for this batch: by its tags, or (with tagging off) by
        exactly these servers, created since the intent was recorded."""
        wanted = set(server_ids)
        for job in self._jobs_since(place, since, "LAUNCH"):
            job_tags = job.get("tags") or {}
            if tags and all(job_tags.get(k) == v for k, v in tags.items()):
                return str(job["jobID"])
            servers = {p["sourceServerID"] for p in job.get("participatingServers", [])}
            if not tags and servers == wanted:
                return str(job["jobID"])
        return None

    def find_terminate(
        self, place: tuple[str, str], since: datetime, recovery_instance_ids: Sequence[str]
    ) -> str | None:
        """A TERMINATE job already started for these recovery instances since the intent was
        recorded (TerminateRecoveryInstances takes no tags: its instances identify it)."""
        wanted = set(recovery_instance_ids)
        for job in self._jobs_since(place, since, "TERMINATE"):
            covered = {p.get("recoveryInstanceID") for p in job.get("participatingServers", [])}
            if wanted <= covered:
                return str(job["jobID"])
        return None

    def describe(self, place: tuple[str, str], job_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The jobs as DRS reports them, in calls naming up to 1000 IDs each."""
        client = self._client(place)
        found: list[dict[str, Any]] = []
        ids = sorted(set(job_ids))
        with self.gateway.asking(*place):
            paginator = client.get_paginator("describe_jobs")
            for first in range(0, len(ids), JOB_IDS_PER_CALL):
                chunk = ids[first : first + JOB_IDS_PER_CALL]
                for page in paginator.paginate(filters={"jobIDs": chunk}):
                    found += [dict(j) for j in page["items"]]
        return found

    def log(self, place: tuple[str, str], job_id: str) -> list[dict[str, Any]]:
        client = self._client(place)
        with self.gateway.asking(*place):
            paginator = client.get_paginator("describe_job_log_items")
            return [dict(i) for p in paginator.paginate(jobID=job_id) for i in p["items"]]

    def instances(self, place: tuple[str, str], server_ids: Sequence[str]) -> list[InstanceView]:
        client = self._client(place)
        views: list[InstanceView] = []
        ids = sorted(set(server_ids))
        with self.gateway.asking(*place):
            paginator = client.get_paginator("describe_recovery_instances")
            for first in range(0, len(ids), SERVER_IDS_PER_FILTER):
                chunk = ids[first : first + SERVER_IDS_PER_FILTER]
                for page in paginator.paginate(filters={"sourceServerIDs": chunk}):
                    views += [
                        InstanceView(
                            i["sourceServerID"],
                            i.get("recoveryInstanceID"),
                            i.get("ec2InstanceID"),
                            i.get("ec2InstanceState"),
                            i.get("jobID"),
                        )
                        for i in page["items"]
                    ]
        seen = {v.server_id for v in views}
        views += [InstanceView(s, None, None, "NOT_FOUND") for s in ids if s not in seen]
        return views

    def terminate(self, place: tuple[str, str], recovery_instance_ids: Sequence[str]) -> str:
        try:
            answer = self._client(place).terminate_recovery_instances(
                recoveryInstanceIDs=list(recovery_instance_ids)
            )
        except ClientError as error:
            raise classify(error) from error
        except BotoCoreError as error:
            raise StartDeferredError("Unreachable", str(error)) from error
        return answer["job"]["jobID"]


def fingerprint(job: Mapping[str, Any]) -> str:
    """What, if it changes, makes the job log worth reading again."""
    servers = sorted(
        (
            p["sourceServerID"],
            p.get("launchStatus"),
            p.get("recoveryInstanceID"),
            json.dumps(p.get("launchActionsStatus") or {}, sort_keys=True, default=str),
        )
        for p in job.get("participatingServers", [])
    )
    text = json.dumps([job.get("status"), servers], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _post_launch(status: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    runs = (status or {}).get("runs") or []
    if not runs:
        return None, None
    failed = [r for r in runs if r.get("status") == "FAILED"]
    if failed:
        name = (failed[0].get("action") or {}).get("name") or "post-launch action"
        return "FAILED", f"{name}: {failed[0].get('failureReason') or 'failed'}"
    if any(r.get("status") == "IN_PROGRESS" for r in runs):
        return "IN_PROGRESS", None
    return "SUCCEEDED", None


def observed(job: Mapping[str, Any], log: Sequence[Mapping[str, Any]]) -> Observed:
    """A DescribeJobs item and its log, as the engine takes them in."""
    servers = []
    for p in job.get("participatingServers", []):
        post, failure = _post_launch(p.get("launchActionsStatus"))
        servers.append(
            ServerView(
                p["sourceServerID"],
                p.get("launchStatus") or "PENDING",
                p.get("recoveryInstanceID"),
                post,
                failure,
            )
        )
    failures: dict[str, str] = {}
    phases: dict[str, dict[str, datetime]] = {}
    for item in log:
        data = item.get("eventData") or {}
        server = data.get("sourceServerID")
        at = item.get("logDateTime")
        moment = at if isinstance(at, datetime) else timestamp(at)
        if not server:
            continue
        if moment is not None:
            phases.setdefault(server, {})[item["event"]] = moment
        if item.get("event") in _FAIL_EVENTS and data.get("rawError"):
            failures[server] = str(data["rawError"])
    ended = job.get("endDateTime")
    view = JobView(
        job["jobID"],
        job.get("status") or "PENDING",
        tuple(servers),
        failures,
        phases,
        ended if isinstance(ended, datetime) else timestamp(ended),
    )
    return Observed(view, job.get("type") or "LAUNCH", fingerprint(job))
