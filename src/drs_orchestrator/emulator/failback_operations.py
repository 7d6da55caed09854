"""The DRS operations of the way home: reverse replication, failback launch, disconnection.

Where the model leaves DRS's answer open, the emulator's choice is listed in docs/emulator.md
(a drill instance cannot be reversed, a second ReverseReplication of the same instance while
its replication back runs is a ConflictException, a recovery instance is deleted only once
terminated).
"""

from __future__ import annotations

from typing import Any

from .context import Call
from .errors import ConflictError, ResourceNotFoundError, UninitializedAccountError, ValidationError
from .estate import RecoveryInstance, Region, SourceServer
from .failback import ACTIVE_BACK, stop_replicating
from .operations import _admit, _new_job, _unknown

_RECOVERY_INSTANCE = "RECOVERY_INSTANCE"


def _instance(call: Call, instance_id: str) -> RecoveryInstance:
    instance = call.region.instances.get(instance_id)
    if instance is None:
        raise ResourceNotFoundError(
            f"Recovery instance {instance_id} not found",
            resource_id=instance_id,
            resource_type=_RECOVERY_INSTANCE,
        )
    return instance


def _conflict(instance: RecoveryInstance, message: str) -> ConflictError:
    return ConflictError(message, resource_id=instance.id, resource_type=_RECOVERY_INSTANCE)


def _in_active_job(call: Call, instance: RecoveryInstance) -> str | None:
    if instance.terminating_job is not None:
        return instance.terminating_job
    holder = call.region.busy_servers.get(instance.server_id)
    if holder is None:
        return None
    participant = call.region.jobs[holder].participants.get(instance.server_id)
    return holder if participant is not None and participant.instance_id == instance.id else None


def _by_arn(call: Call, arn: str | None) -> SourceServer | None:
    if arn is None:
        return None
    for region in call.regions.values():
        found = region.by_arn(arn)
        if isinstance(found, SourceServer):
            return found
    return None


# -- AWS origins: replication back into the origin region ---------------------------------------


def reverse_replication(call: Call) -> dict[str, Any]:
    instance = _instance(call, call.params["recoveryInstanceID"])
    server = instance.server
    if instance.origin_environment != "AWS":
        raise ValidationError(
            f"Recovery instance {instance.id} has an on-premises origin: it fails back "
            "through the DRS Failback Client, not ReverseReplication",
            reason="other",
        )
    if instance.is_drill:
        raise ValidationError(
            f"Recovery instance {instance.id} was launched by a drill: only a recovery's "
            "instances replicate back",
            reason="other",
        )
    if instance.state != "RUNNING":
        raise _conflict(
            instance, f"Recovery instance {instance.id} is {instance.state}, not RUNNING"
        )
    job = _in_active_job(call, instance)
    if job is not None:
        raise _conflict(instance, f"Recovery instance {instance.id} is in job {job}")
    target = _by_arn(call, server.reversed_arn)
    if target is not None and target.replicating_from is instance:
        raise _conflict(
            instance,
            f"Recovery instance {instance.id} already replicates back to {target.arn}",
        )
    if target is None:
        target = _new_reversed(call, instance)
    else:
        holder = _holder(call, target)
        if holder is not None:
            raise _conflict(instance, f"Source server {target.id} is in job {holder}")
        stop_replicating(target, target.replication_state, call.now)
    if server.replicating_from is not None or server.replication_state != "STOPPED":
        stop_replicating(server, "STOPPED", call.now)  # it no longer replicates this way
    call.failback.replicate_back(instance, target, call.now)
    return {"reversedDirectionSourceServerArn": target.arn}


def _origin_region(call: Call, server: SourceServer) -> Region:
    account = server.origin_account or call.region.account
    name = server.origin_region or ""
    region = call.regions.get((account, name))
    if region is None or not region.initialized:
        raise UninitializedAccountError(
            f"Account {account} is not initialized in {name}, the origin region of source "
            f"server {server.id}. Call InitializeService there first."
        )
    return region


def _new_reversed(call: Call, instance: RecoveryInstance) -> SourceServer:
    server = instance.server
    origin = _origin_region(call, server)
    spec = server.spec.model_copy(
        update={
            "hostname": server.hostname,
            "count": None,
            "hostnamePrefix": None,
            "sourceServerID": None,
            "originRegion": call.region.name,
            "dataReplicationState": "INITIATING",
        }
    )
    made = call.add_server(origin, spec, server.hostname)
    made.added_at = call.now
    made.tags = dict(server.tags)
    made.direction = "FAILBACK"
    made.origin_region, made.origin_account = call.region.name, call.region.account
    made.reversed_arn, server.reversed_arn = server.arn, made.arn
    return made


def _holder(call: Call, server: SourceServer) -> str | None:
    for region in call.regions.values():
        if region.servers.get(server.id) is server:
            return region.busy_servers.get(server.id)
    return None


# -- on-premises origins: the failback client and its launch ------------------------------------


def start_failback_launch(call: Call) -> dict[str, Any]:
    ids = call.params["recoveryInstanceIDs"]
    missing = [(i, rid) for i, rid in enumerate(ids) if rid not in call.region.instances]
    if missing:
        raise _unknown("Recovery instances", missing, "recoveryInstanceIDs[{}]")
    if len(set(ids)) != len(ids):
        raise ValidationError(
            "A recovery instance appears more than once",
            field_list=[{"name": "recoveryInstanceIDs", "message": "duplicate"}],
        )
    instances = [call.region.instances[r] for r in ids]
    for i, instance in enumerate(instances):
        problem = _not_launchable(instance)
        if problem is not None:
            raise ValidationError(
                f"Recovery instance {instance.id} {problem}",
                field_list=[{"name": f"recoveryInstanceIDs[{i}]", "message": problem}],
            )
    servers = [i.server_id for i in instances]
    _admit(call, servers)
    drill = all(i.failback.launch_type == "DRILL" for i in instances)
    job = _new_job(call, "LAUNCH", "FAILBACK", servers, drill)
    failing: dict[str, str] = {}
    for instance in instances:
        job.participants[instance.server_id].instance_id = instance.id
        failure = call.faults.server_failure(instance.server_id, instance.server.hostname)
        if failure is not None:
            failing[instance.server_id] = failure.raw_error
    call.failback.plan_launch(job, instances, failing, call.now, call.planner().complete_if_done)
    return {"job": job.to_wire()}


def _not_launchable(instance: RecoveryInstance) -> str | None:
    if instance.origin_environment == "AWS":
        return "has an AWS origin: fail it back with StartRecovery of its reversed source server"
    if instance.failback.state != "FAILBACK_READY_FOR_LAUNCH":
        return f"is not ready for failback launch ({instance.failback.state})"
    return None


def stop_failback(call: Call) -> dict[str, Any]:
    instance = _instance(call, call.params["recoveryInstanceID"])
    call.failback.stop_back(instance)
    return {}


def _default_config(instance: RecoveryInstance) -> dict[str, Any]:
    return {
        "recoveryInstanceID": instance.id,
        "name": instance.server.hostname,
        "bandwidthThrottling": 0,
        "usePrivateIP": False,
        "internetProtocol": "IPV4",
    }


def get_failback_replication_configuration(call: Call) -> dict[str, Any]:
    instance = _instance(call, call.params["recoveryInstanceID"])
    return {**_default_config(instance), **instance.failback.config}


def update_failback_replication_configuration(call: Call) -> dict[str, Any]:
    instance = _instance(call, call.params["recoveryInstanceID"])
    for key in ("name", "bandwidthThrottling", "usePrivateIP", "internetProtocol"):
        if key in call.params:
            instance.failback.config[key] = call.params[key]
    return {}


# -- leaving DRS ---------------------------------------------------------------------------------


def disconnect_recovery_instance(call: Call) -> dict[str, Any]:
    """The instance leaves DRS (EC2 keeps it running): after failback, it is nobody's."""
    instance = _instance(call, call.params["recoveryInstanceID"])
    job = _in_active_job(call, instance)
    if job is not None:
        raise _conflict(instance, f"Recovery instance {instance.id} is in job {job}")
    if instance.failback.replication in ACTIVE_BACK:
        raise _conflict(
            instance,
            f"Recovery instance {instance.id} replicates back; stop its failback first",
        )
    _forget(call.region, instance)
    return {}


def delete_recovery_instance(call: Call) -> dict[str, Any]:
    instance_id = call.params["recoveryInstanceID"]
    instance = call.region.instances.get(instance_id)
    if instance is None:
        raise _unknown("Recovery instances", [(0, instance_id)], "recoveryInstanceID")
    if instance.state != "TERMINATED":
        raise _conflict(
            instance,
            f"Recovery instance {instance.id} is {instance.state}: terminate or disconnect it "
            "first",
        )
    _forget(call.region, instance)
    return {}


def _forget(region: Region, instance: RecoveryInstance) -> None:
    region.instances.pop(instance.id, None)
    if instance.server.recovery_instance_id == instance.id:
        instance.server.recovery_instance_id = None


HANDLERS = {
    "ReverseReplication": reverse_replication,
    "StartFailbackLaunch": start_failback_launch,
    "StopFailback": stop_failback,
    "GetFailbackReplicationConfiguration": get_failback_replication_configuration,
    "UpdateFailbackReplicationConfiguration": update_failback_replication_configuration,
    "DisconnectRecoveryInstance": disconnect_recovery_instance,
    "DeleteRecoveryInstance": delete_recovery_instance,
}
