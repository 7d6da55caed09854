"""The DRS operations the emulator serves, each taking validated parameters.

Where the model leaves an error unspecified (an unknown server in StartRecovery, say), the
emulator answers ValidationException naming the field; docs/emulator.md lists these choices.
"""

from __future__ import annotations

from typing import Any

from .clock import parse_iso
from .context import Call, Handler
from .errors import (
    ConflictError,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    ValidationError,
)
from .estate import Job, LastLaunch, RecoveryInstance, Snapshot, SourceServer
from .faults import ServerFailure
from .jobs import ServerLaunch, copied_ip, new_participants
from .pagination import page

# Quota codes are the emulator's own labels: the model does not publish DRS's codes.
QUOTA_SERVERS_PER_JOB = "L-DRS-SERVERS-PER-JOB"
QUOTA_CONCURRENT_JOBS = "L-DRS-CONCURRENT-JOBS"
QUOTA_SERVERS_IN_ACTIVE_JOBS = "L-DRS-SERVERS-IN-ACTIVE-JOBS"
CONFLICT_MESSAGE = "Server is being processed by another job"


def _server(call: Call, server_id: str) -> SourceServer:
    server = call.region.servers.get(server_id)
    if server is None:
        raise ResourceNotFoundError(
            f"Source server {server_id} not found",
            resource_id=server_id,
            resource_type="SOURCE_SERVER",
        )
    return server


def _unknown(kind: str, missing: list[tuple[int, str]], field: str) -> ValidationError:
    ids = ", ".join(i for _, i in missing)
    return ValidationError(
        f"{kind} not found: {ids}",
        field_list=[
            {"name": field.format(i), "message": f"{sid} does not exist"} for i, sid in missing
        ],
    )


# -- source servers -----------------------------------------------------------------------------


def describe_source_servers(call: Call) -> dict[str, Any]:
    filters = call.params.get("filters") or {}
    wanted = filters.get("sourceServerIDs")
    servers: list[SourceServer]
    if wanted:
        servers = [
            call.region.servers[s] for s in dict.fromkeys(wanted) if s in call.region.servers
        ]
    else:
        servers = list(call.region.servers.values())
    if filters.get("hardwareId") or filters.get("stagingAccountIDs"):
        servers = []  # no emulated server has a hardware ID or lives in a staging account
    chunk, token = page(servers, call.params, "DescribeSourceServers")
    out: dict[str, Any] = {"items": [s.to_wire(call.region.name, call.now) for s in chunk]}
    if token:
        out["nextToken"] = token
    return out


def describe_recovery_snapshots(call: Call) -> dict[str, Any]:
    server = _server(call, call.params["sourceServerID"])
    filters = call.params.get("filters") or {}
    low = parse_iso(filters["fromDateTime"]) if filters.get("fromDateTime") else None
    high = parse_iso(filters["toDateTime"]) if filters.get("toDateTime") else None
    snaps = [
        s
        for s in server.pit_snapshots(call.now)
        if (low is None or s.taken >= low) and (high is None or s.taken <= high)
    ]
    if call.params.get("order", "ASC") == "DESC":
        snaps.reverse()
    chunk, token = page(snaps, call.params, "DescribeRecoverySnapshots")
    out: dict[str, Any] = {"items": [s.to_wire() for s in chunk]}
    if token:
        out["nextToken"] = token
    return out


# -- launch settings ----------------------------------------------------------------------------


def get_launch_configuration(call: Call) -> dict[str, Any]:
    server = _server(call, call.params["sourceServerID"])
    return dict(server.launch_config)


_UPDATABLE = (
    "name",
    "launchDisposition",
    "targetInstanceTypeRightSizingMethod",
    "copyPrivateIp",
    "copyTags",
    "licensing",
    "postLaunchEnabled",
    "launchIntoInstanceProperties",
    "recoveryMode",
)


def update_launch_configuration(call: Call) -> dict[str, Any]:
    server = _server(call, call.params["sourceServerID"])
    holder = call.region.busy_servers.get(server.id)
    if holder is not None:
        raise ConflictError(
            f"{CONFLICT_MESSAGE} ({holder})", resource_id=server.id, resource_type="SOURCE_SERVER"
        )
    for key in _UPDATABLE:
        if key in call.params:
            server.launch_config[key] = call.params[key]
    return dict(server.launch_config)


# -- jobs ---------------------------------------------------------------------------------------


def _admit(call: Call, server_ids: list[str]) -> None:
    """The quotas and the one-job-per-server rule, checked before a job is created."""
    region, quotas = call.region, call.quotas
    for sid in server_ids:
        holder = region.busy_servers.get(sid)
        if holder is not None:
            raise ConflictError(
                f"{CONFLICT_MESSAGE} ({holder})", resource_id=sid, resource_type="SOURCE_SERVER"
            )
    if len(region.active_jobs) >= quotas.concurrentJobs:
        raise ServiceQuotaExceededError(
            f"Max number of concurrent jobs is {quotas.concurrentJobs}",
            quota_code=QUOTA_CONCURRENT_JOBS,
            resource_type="JOB",
        )
    if region.servers_in_active_jobs() + len(server_ids) > quotas.serversInActiveJobs:
        raise ServiceQuotaExceededError(
            f"Max number of source servers in all active jobs is {quotas.serversInActiveJobs}",
            quota_code=QUOTA_SERVERS_IN_ACTIVE_JOBS,
            resource_type="SOURCE_SERVER",
        )


def _new_job(call: Call, kind: str, initiated_by: str, server_ids: list[str], drill: bool) -> Job:
    region = call.region
    job_id = call.ids.job()
    job = Job(
        id=job_id,
        arn=region.arn("job", job_id),
        type=kind,
        initiated_by=initiated_by,
        created=call.now,
        tags=dict(call.params.get("tags") or {}),
        participants=new_participants(server_ids),
        seq=len(region.jobs),
        is_drill=drill,
    )
    region.jobs[job_id] = job
    region.active_jobs[job_id] = job
    for sid in server_ids:
        region.busy_servers[sid] = job_id
    return job


def start_recovery(call: Call) -> dict[str, Any]:
    region, quotas = call.region, call.quotas
    requested = call.params["sourceServers"]
    if len(requested) > quotas.serversPerJob:
        raise ServiceQuotaExceededError(
            f"Max number of source servers in a single recovery job is {quotas.serversPerJob}",
            quota_code=QUOTA_SERVERS_PER_JOB,
            resource_type="SOURCE_SERVER",
        )
    ids = [r["sourceServerID"] for r in requested]
    missing = [(i, sid) for i, sid in enumerate(ids) if sid not in region.servers]
    if missing:
        raise _unknown("Source servers", missing, "sourceServers[{}].sourceServerID")
    seen: set[str] = set()
    for i, sid in enumerate(ids):
        if sid in seen:
            raise ValidationError(
                f"Source server {sid} appears more than once",
                field_list=[{"name": f"sourceServers[{i}].sourceServerID", "message": "duplicate"}],
            )
        seen.add(sid)
    chosen: list[Snapshot | None] = []
    for i, item in enumerate(requested):
        snap_id = item.get("recoverySnapshotID")
        if snap_id is None:
            chosen.append(None)
            continue
        server = region.servers[item["sourceServerID"]]
        match = next((s for s in server.pit_snapshots(call.now) if s.id == snap_id), None)
        if match is None:
            raise _unknown(
                "Recovery snapshots", [(i, snap_id)], "sourceServers[{}].recoverySnapshotID"
            )
        chosen.append(match)
    _admit(call, ids)

    drill = bool(call.params.get("isDrill", False))
    job = _new_job(call, "LAUNCH", "START_DRILL" if drill else "START_RECOVERY", ids, drill)
    launches = []
    taken: set[str] = set()  # addresses this job's servers take, in order
    for sid, snapshot in zip(ids, chosen, strict=True):
        server = region.servers[sid]
        server.last_launch = LastLaunch(job.id, "DRILL" if drill else "RECOVERY", call.now)
        server.last_launch_result = "PENDING"
        failure = call.faults.server_failure(sid, server.hostname)
        if failure is None and call.ec2 is not None:  # what EC2 would refuse fails the launch
            refused = call.ec2.refusal(
                server.launch_config["ec2LaunchTemplateID"], copied_ip(server), taken
            )
            failure = ServerFailure("LAUNCH", refused) if refused else None
        launches.append(ServerLaunch(server, snapshot, failure))
    call.planner().plan_launch(job, launches, call.now)
    return {"job": job.to_wire()}


def terminate_recovery_instances(call: Call) -> dict[str, Any]:
    region = call.region
    ids = list(dict.fromkeys(call.params["recoveryInstanceIDs"]))
    missing = [(i, rid) for i, rid in enumerate(ids) if rid not in region.instances]
    if missing:
        raise _unknown("Recovery instances", missing, "recoveryInstanceIDs[{}]")
    instances: list[RecoveryInstance] = [region.instances[r] for r in ids]
    for instance in instances:
        if instance.terminating_job is not None:
            raise ConflictError(
                f"Recovery instance {instance.id} is already being terminated "
                f"({instance.terminating_job})",
                resource_id=instance.id,
                resource_type="RECOVERY_INSTANCE",
            )
    servers = [i.server_id for i in instances]
    if len(set(servers)) != len(servers):
        raise ValidationError(
            "Two of the recovery instances belong to the same source server; terminate them "
            "in separate calls",
            field_list=[{"name": "recoveryInstanceIDs", "message": "one instance per server"}],
        )
    _admit(call, servers)
    job = _new_job(call, "TERMINATE", "TERMINATE_RECOVERY_INSTANCES", servers, False)
    for instance in instances:
        instance.terminating_job = job.id
        job.participants[instance.server_id].instance_id = instance.id
    call.planner().plan_terminate(job, instances, call.now)
    return {"job": job.to_wire()}


def describe_jobs(call: Call) -> dict[str, Any]:
    filters = call.params.get("filters") or {}
    jobs = call.region.jobs
    wanted = filters.get("jobIDs")
    if wanted:
        selected = [jobs[j] for j in dict.fromkeys(wanted) if j in jobs]
        selected.sort(key=lambda j: j.seq, reverse=True)
    else:
        selected = list(reversed(jobs.values()))  # newest first
    low = parse_iso(filters["fromDate"]) if filters.get("fromDate") else None
    high = parse_iso(filters["toDate"]) if filters.get("toDate") else None
    if low is not None or high is not None:
        selected = [
            j
            for j in selected
            if (low is None or j.created >= low) and (high is None or j.created <= high)
        ]
    chunk, token = page(selected, call.params, "DescribeJobs")
    out: dict[str, Any] = {"items": [j.to_wire() for j in chunk]}
    if token:
        out["nextToken"] = token
    return out


def describe_job_log_items(call: Call) -> dict[str, Any]:
    job = call.region.jobs.get(call.params["jobID"])
    items = job.log if job is not None else []
    chunk, token = page(items, call.params, "DescribeJobLogItems")
    out: dict[str, Any] = {"items": [i.to_wire() for i in chunk]}
    if token:
        out["nextToken"] = token
    return out


def _as_ec2_says(call: Call, wire: dict[str, Any]) -> dict[str, Any]:
    """An instance stopped through EC2 is stopped in DRS's answer too."""
    if call.ec2 is not None and (state := call.ec2.stopped_outside(wire["ec2InstanceID"])):
        wire["ec2InstanceState"] = state
    return wire


def describe_recovery_instances(call: Call) -> dict[str, Any]:
    filters = call.params.get("filters") or {}
    instances = list(call.region.instances.values())
    if filters.get("recoveryInstanceIDs"):
        wanted_ids = set(filters["recoveryInstanceIDs"])
        instances = [i for i in instances if i.id in wanted_ids]
    if filters.get("sourceServerIDs"):
        wanted_servers = set(filters["sourceServerIDs"])
        instances = [i for i in instances if i.server_id in wanted_servers]
    chunk, token = page(instances, call.params, "DescribeRecoveryInstances")
    out: dict[str, Any] = {
        "items": [_as_ec2_says(call, i.to_wire(call.region.name)) for i in chunk]
    }
    if token:
        out["nextToken"] = token
    return out


# -- service and tags ---------------------------------------------------------------------------


def initialize_service(call: Call) -> dict[str, Any]:
    call.region.initialized = True
    return {}


def _tagged(call: Call) -> SourceServer | Job | RecoveryInstance:
    arn = call.params["resourceArn"]
    found = call.region.by_arn(arn)
    if found is None:
        raise ResourceNotFoundError(
            f"Resource {arn} not found", resource_id=arn, resource_type="RESOURCE"
        )
    return found


def tag_resource(call: Call) -> dict[str, Any]:
    _tagged(call).tags.update(call.params["tags"])
    return {}


def untag_resource(call: Call) -> dict[str, Any]:
    resource = _tagged(call)
    for key in call.params["tagKeys"]:
        resource.tags.pop(key, None)
    return {}


def list_tags_for_resource(call: Call) -> dict[str, Any]:
    return {"tags": dict(_tagged(call).tags)}


HANDLERS: dict[str, Handler] = {
    "DescribeSourceServers": describe_source_servers,
    "DescribeRecoverySnapshots": describe_recovery_snapshots,
    "GetLaunchConfiguration": get_launch_configuration,
    "UpdateLaunchConfiguration": update_launch_configuration,
    "StartRecovery": start_recovery,
    "TerminateRecoveryInstances": terminate_recovery_instances,
    "DescribeJobs": describe_jobs,
    "DescribeJobLogItems": describe_job_log_items,
    "DescribeRecoveryInstances": describe_recovery_instances,
    "InitializeService": initialize_service,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}

# Operations that answer even where DRS was never initialised (as the model lists).
WITHOUT_INITIALIZATION = {
    "InitializeService",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
}
