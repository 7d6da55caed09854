"""What one account and region of DRS holds: source servers, jobs, recovery instances.

Each entity renders itself in DRS's wire shape (`to_wire`), at an emulated instant.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .clock import iso, iso_duration
from .scenario import ServerSpec

GIB = 1024**3

JOB_STATUSES = ("PENDING", "STARTED", "COMPLETED")
LAUNCH_STATUSES = ("PENDING", "IN_PROGRESS", "LAUNCHED", "FAILED", "TERMINATED")
EC2_STATES = ("PENDING", "RUNNING", "STOPPING", "STOPPED", "SHUTTING-DOWN", "TERMINATED")

# States in which the replication server can still take an on-demand snapshot.
SNAPSHOT_CAPABLE = {"CONTINUOUS", "BACKLOG", "CREATING_SNAPSHOT", "RESCAN"}
# States that never produced a point-in-time snapshot.
NEVER_SYNCED = {"INITIATING", "INITIAL_SYNC"}
_REPLICATION_ERRORS = {"STALLED": "SNAPSHOTS_FAILURE", "DISCONNECTED": "AGENT_NOT_SEEN"}


def digest_id(prefix: str, *parts: str, length: int = 17) -> str:
    """A stable ID derived from its parts (for resources computed on demand, like PITs)."""
    return prefix + hashlib.sha1("/".join(parts).encode()).hexdigest()[:length]


@dataclass
class Snapshot:
    id: str
    server_id: str
    expected: float
    taken: float
    ebs: list[str]

    def to_wire(self) -> dict[str, Any]:
        return {
            "snapshotID": self.id,
            "sourceServerID": self.server_id,
            "expectedTimestamp": iso(self.expected),
            "timestamp": iso(self.taken),
            "ebsSnapshots": self.ebs,
        }


@dataclass
class LastLaunch:
    job_id: str
    kind: str  # DRILL | RECOVERY
    api_call: float
    status: str = "PENDING"


@dataclass
class SourceServer:
    id: str
    arn: str
    hostname: str
    spec: ServerSpec
    added_at: float
    unhealthy_since: float | None
    launch_config: dict[str, Any]
    tags: dict[str, str]
    replication_state: str
    recovery_instance_id: str | None = None
    last_launch_result: str = "NOT_STARTED"
    last_launch: LastLaunch | None = None
    on_demand_snapshots: list[Snapshot] = field(default_factory=list)
    # Where the replicated machine runs: an AWS region of `origin_account`, or on premises.
    origin_region: str | None = None
    origin_account: str | None = None
    direction: str = "FAILOVER"  # FAILBACK: made by ReverseReplication, replicating back
    reversed_arn: str | None = None  # the source server of the other direction, once made
    # The recovery instance this server replicates now (a reversed replication's source).
    replicating_from: RecoveryInstance | None = None
    synced_at: float | None = None  # when a (re)started replication first reached CONTINUOUS
    replication_error: tuple[str, str] | None = None  # (error, rawError) when one is injected
    generation: int = 0  # bumped when its replication restarts: older scheduled steps lapse

    @property
    def is_windows(self) -> bool:
        return self.spec.os == "windows"

    @property
    def primary_ip(self) -> str:
        return _ip(self.id)

    def pit_snapshots(self, now: float) -> list[Snapshot]:
        """DRS's retention grid: every 10 min for an hour, hourly for a day, daily for a week.

        Replication that is not healthy stops adding points at `unhealthy_since`; servers
        that never finished their initial sync have none.
        """
        if self.replication_state in NEVER_SYNCED:
            return list(self.on_demand_snapshots)
        until = now if self.unhealthy_since is None else min(now, self.unhealthy_since)
        since = max(self.added_at, self.synced_at or self.added_at)
        points: set[float] = set()
        for step, span in ((600, 3600), (3600, 86400), (86400, 7 * 86400)):
            last = until - until % step
            t = last
            while t > until - span and t >= since:
                points.add(t)
                t -= step
        pits = [self._pit(t) for t in sorted(points)]
        return sorted(pits + self.on_demand_snapshots, key=lambda s: s.taken)

    def _pit(self, expected: float) -> Snapshot:
        stamp = f"{expected:.0f}"
        return Snapshot(
            id=digest_id("pit-", self.id, stamp),
            server_id=self.id,
            expected=expected,
            taken=expected + 7,
            ebs=[
                digest_id("snap-", self.id, stamp, str(i)) for i in range(len(self.spec.disksGiB))
            ],
        )

    def lag_seconds(self, now: float) -> float:
        if self.unhealthy_since is None:
            return self.spec.lagSeconds or 0.0
        return max(0.0, now - self.unhealthy_since)

    def to_wire(self, region: str, now: float) -> dict[str, Any]:
        spec = self.spec
        disks: list[dict[str, Any]] = [
            {"deviceName": _device(i, self.is_windows), "bytes": gib * GIB}
            for i, gib in enumerate(spec.disksGiB)
        ]
        replicated = 0.35 if self.replication_state in NEVER_SYNCED else 1.0
        backlog = GIB if self.replication_state == "BACKLOG" else 0
        info: dict[str, Any] = {
            "dataReplicationState": self.replication_state,
            "replicatedDisks": [
                {
                    "deviceName": d["deviceName"],
                    "totalStorageBytes": d["bytes"],
                    "replicatedStorageBytes": int(d["bytes"] * replicated),
                    "rescannedStorageBytes": 0,
                    "backloggedStorageBytes": backlog,
                }
                for d in disks
            ],
            "stagingAvailabilityZone": f"{region}a",
        }
        if self.replication_state not in NEVER_SYNCED | {"STOPPED", "INITIATING"}:
            info["lagDuration"] = iso_duration(self.lag_seconds(now))
        if self.replication_state in NEVER_SYNCED:
            info["etaDateTime"] = iso(now + 7200)
        if self.replication_error is not None:
            error, raw = self.replication_error
            info["dataReplicationError"] = {"error": error, "rawError": raw}
        elif self.replication_state in _REPLICATION_ERRORS:
            info["dataReplicationError"] = {
                "error": _REPLICATION_ERRORS[self.replication_state],
                "rawError": f"Replication {self.replication_state.lower()} since "
                f"{iso(self.unhealthy_since or now)}",
            }
        last_seen = (
            self.unhealthy_since
            if self.replication_state == "DISCONNECTED" and self.unhealthy_since
            else now
        )
        life: dict[str, Any] = {
            "addedToServiceDateTime": iso(self.added_at),
            "firstByteDateTime": iso(self.added_at + 60),
            "elapsedReplicationDuration": iso_duration(now - self.added_at),
            "lastSeenByServiceDateTime": iso(last_seen),
        }
        if self.last_launch is not None:
            life["lastLaunch"] = {
                "initiated": {
                    "apiCallDateTime": iso(self.last_launch.api_call),
                    "jobID": self.last_launch.job_id,
                    "type": self.last_launch.kind,
                },
                "status": self.last_launch.status,
            }
        os_string = (
            "Microsoft Windows Server 2022 Datacenter"
            if self.is_windows
            else "Linux version 6.1.0-18-amd64 (Debian 12)"
        )
        wire: dict[str, Any] = {
            "sourceServerID": self.id,
            "arn": self.arn,
            "tags": dict(self.tags),
            "lastLaunchResult": self.last_launch_result,
            "dataReplicationInfo": info,
            "lifeCycle": life,
            "sourceProperties": {
                "lastUpdatedDateTime": iso(self.added_at),
                "recommendedInstanceType": spec.instanceType,
                "identificationHints": {
                    "hostname": self.hostname,
                    "fqdn": f"{self.hostname}.corp.example.com",
                },
                "networkInterfaces": [
                    {
                        "macAddress": _mac(self.id),
                        "ips": [_ip(self.id)],
                        "isPrimary": True,
                    }
                ],
                "disks": disks,
                "cpus": [{"cores": spec.cpus, "modelName": "Intel(R) Xeon(R) Platinum 8259CL"}],
                "ramBytes": spec.ramGiB * GIB,
                "os": {"fullString": os_string},
                "supportsNitroInstances": True,
                "architecture": "x86_64",
            },
            "replicationDirection": self.direction,
            "stagingArea": {"status": "NOT_EXTENDED"},
            "agentVersion": "4.2.1",
        }
        if self.recovery_instance_id:
            wire["recoveryInstanceId"] = self.recovery_instance_id
        if self.origin_region is not None:
            wire["sourceCloudProperties"] = {
                "originAccountID": self.origin_account or "",
                "originRegion": self.origin_region,
                "originAvailabilityZone": f"{self.origin_region}a",
            }
        if self.reversed_arn is not None:
            wire["reversedDirectionSourceServerArn"] = self.reversed_arn
        return wire


def _device(index: int, windows: bool) -> str:
    return f"Disk{index}" if windows else f"/dev/sd{chr(ord('a') + index)}"


def _mac(seed: str) -> str:
    raw = hashlib.sha1(seed.encode()).hexdigest()[:12]
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def _ip(seed: str) -> str:
    raw = hashlib.sha1(seed.encode()).digest()
    return f"10.{raw[0]}.{raw[1]}.{max(raw[2], 4)}"


@dataclass
class LaunchRun:
    run_id: str
    action: dict[str, Any]
    status: str = "IN_PROGRESS"
    failure_reason: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire = {"action": self.action, "runId": self.run_id, "status": self.status}
        if self.failure_reason is not None:
            wire["failureReason"] = self.failure_reason
        return wire


@dataclass
class Participant:
    server_id: str
    launch_status: str = "PENDING"
    instance_id: str | None = None
    ssm_discovered_at: float | None = None
    runs: list[LaunchRun] = field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "sourceServerID": self.server_id,
            "launchStatus": self.launch_status,
        }
        if self.instance_id:
            wire["recoveryInstanceID"] = self.instance_id
        if self.ssm_discovered_at is not None or self.runs:
            status: dict[str, Any] = {"runs": [r.to_wire() for r in self.runs]}
            if self.ssm_discovered_at is not None:
                status["ssmAgentDiscoveryDatetime"] = iso(self.ssm_discovered_at)
            wire["launchActionsStatus"] = status
        return wire


@dataclass
class LogItem:
    at: float
    event: str
    data: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"logDateTime": iso(self.at), "event": self.event}
        if self.data:
            wire["eventData"] = self.data
        return wire


@dataclass
class Job:
    id: str
    arn: str
    type: str  # LAUNCH | TERMINATE
    initiated_by: str
    created: float
    tags: dict[str, str]
    participants: dict[str, Participant]
    seq: int = 0  # creation order within the region: "newest first" even within one instant
    is_drill: bool = False
    status: str = "PENDING"
    ended: float | None = None
    log: list[LogItem] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status != "COMPLETED"

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "jobID": self.id,
            "arn": self.arn,
            "type": self.type,
            "initiatedBy": self.initiated_by,
            "creationDateTime": iso(self.created),
            "status": self.status,
            "participatingServers": [p.to_wire() for p in self.participants.values()],
            "tags": dict(self.tags),
        }
        if self.ended is not None:
            wire["endDateTime"] = iso(self.ended)
        return wire


FAILBACK_STATES = (
    "FAILBACK_NOT_STARTED",
    "FAILBACK_IN_PROGRESS",
    "FAILBACK_READY_FOR_LAUNCH",
    "FAILBACK_COMPLETED",
    "FAILBACK_ERROR",
    "FAILBACK_NOT_READY_FOR_LAUNCH",
    "FAILBACK_LAUNCH_STATE_NOT_AVAILABLE",
)


@dataclass
class Failback:
    """A recovery instance's way home: the failback client (on-premises origins) or the
    reversed replication (AWS origins), and the replication back, as DRS reports it."""

    state: str = "FAILBACK_NOT_STARTED"
    client_id: str | None = None
    client_seen: float | None = None
    job_id: str | None = None
    initiated: float | None = None
    launch_type: str | None = None  # RECOVERY | DRILL (chosen in the failback client)
    replication: str | None = None  # the replication back's dataReplicationState
    replication_started: float | None = None
    error: tuple[str, str] | None = None  # (FailbackReplicationError, rawError)
    generation: int = 0
    config: dict[str, Any] = field(default_factory=dict)
    target: SourceServer | None = None  # an AWS origin's reversed server it replicates into

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"state": self.state}
        if self.client_id is not None:
            wire["failbackClientID"] = self.client_id
            wire["failbackToOriginalServer"] = True
        if self.client_seen is not None:
            wire["failbackClientLastSeenByServiceDateTime"] = iso(self.client_seen)
        if self.job_id is not None:
            wire["failbackJobID"] = self.job_id
        if self.initiated is not None:
            wire["failbackInitiationTime"] = iso(self.initiated)
        if self.launch_type is not None:
            wire["failbackLaunchType"] = self.launch_type
        if self.replication_started is not None:
            wire["firstByteDateTime"] = iso(self.replication_started + 60)
        return wire

    def replication_wire(self, region: str, disks: list[tuple[str, int]]) -> dict[str, Any] | None:
        if self.replication is None:
            return None
        done = 0.35 if self.replication in NEVER_SYNCED else 1.0
        wire: dict[str, Any] = {
            "dataReplicationState": self.replication,
            "replicatedDisks": [
                {
                    "deviceName": name,
                    "totalStorageBytes": size,
                    "replicatedStorageBytes": int(size * done),
                    "rescannedStorageBytes": 0,
                    "backloggedStorageBytes": 0,
                }
                for name, size in disks
            ],
            "stagingAvailabilityZone": f"{region}a",
        }
        if self.replication_started is not None:
            wire["dataReplicationInitiation"] = {"startDateTime": iso(self.replication_started)}
        if self.error is not None:
            wire["dataReplicationError"] = {"error": self.error[0], "rawError": self.error[1]}
        return wire


@dataclass
class RecoveryInstance:
    id: str
    arn: str
    server_id: str
    job_id: str
    is_drill: bool
    pit_time: float
    tags: dict[str, str]
    server: SourceServer
    state: str = "PENDING"
    terminating_job: str | None = None
    failback: Failback = field(default_factory=Failback)

    @property
    def origin_environment(self) -> str:
        return "ON_PREMISES" if self.server.origin_region is None else "AWS"

    def to_wire(self, region: str) -> dict[str, Any]:
        spec = self.server.spec
        wire: dict[str, Any] = {
            "ec2InstanceID": self.id,
            "ec2InstanceState": self.state,
            "jobID": self.job_id,
            "recoveryInstanceID": self.id,
            "sourceServerID": self.server_id,
            "arn": self.arn,
            "tags": dict(self.tags),
            "failback": self.failback.to_wire(),
            "pointInTimeSnapshotDateTime": iso(self.pit_time),
            "isDrill": self.is_drill,
            "originEnvironment": self.origin_environment,
            "recoveryInstanceProperties": {
                "identificationHints": {"hostname": self.server.hostname},
                "cpus": [{"cores": spec.cpus, "modelName": "AWS Nitro"}],
                "ramBytes": spec.ramGiB * GIB,
                "disks": [
                    {
                        "internalDeviceName": _device(i, self.server.is_windows),
                        "bytes": gib * GIB,
                        # The model caps volume IDs at 19 characters: the short form.
                        "ebsVolumeID": digest_id("vol-", self.id, str(i), length=8),
                    }
                    for i, gib in enumerate(spec.disksGiB)
                ],
                "os": {"fullString": "Windows" if self.server.is_windows else "Linux"},
            },
            "originAvailabilityZone": f"{self.server.origin_region or region}a",
        }
        disks = [
            (_device(i, self.server.is_windows), gib * GIB) for i, gib in enumerate(spec.disksGiB)
        ]
        back = self.failback.replication_wire(region, disks)
        if back is not None:
            wire["dataReplicationInfo"] = back
        return wire


@dataclass
class Region:
    """One account's DRS in one region."""

    account: str
    name: str
    initialized: bool
    servers: dict[str, SourceServer] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    instances: dict[str, RecoveryInstance] = field(default_factory=dict)
    active_jobs: dict[str, Job] = field(default_factory=dict)
    # Which active job holds each source server (one job per server at a time).
    busy_servers: dict[str, str] = field(default_factory=dict)

    def arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:drs:{self.name}:{self.account}:{kind}/{resource_id}"

    def by_arn(self, arn: str) -> SourceServer | Job | RecoveryInstance | None:
        kind, _, resource_id = arn.rpartition("/")
        if not kind.startswith(f"arn:aws:drs:{self.name}:{self.account}:"):
            return None
        found: SourceServer | Job | RecoveryInstance | None = (
            self.servers.get(resource_id)
            or self.jobs.get(resource_id)
            or self.instances.get(resource_id)
        )
        return found if found is not None and found.arn == arn else None

    def servers_in_active_jobs(self) -> int:
        return len(self.busy_servers)
