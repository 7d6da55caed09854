"""DRS's calls of the way home: what each recovery instance's failback says, reversing a
replication, stopping and disconnecting (an on-premises failback's launch is a job: jobs.py),
and EC2's stop of a recovery instance that is released."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drs_orchestrator.domain.failback import ON_PREMISES, InstanceFacts
from drs_orchestrator.drs.gateway import DrsGateway
from drs_orchestrator.drs.jobs import StartDeferredError, StartRefusedError, classify

Place = tuple[str, str]  # (account, region)


def instance_facts(item: Mapping[str, Any]) -> InstanceFacts:
    failback = item.get("failback") or {}
    back = item.get("dataReplicationInfo") or {}
    error = back.get("dataReplicationError") or {}
    return InstanceFacts(
        recovery_instance_id=item["recoveryInstanceID"],
        source_server_id=item["sourceServerID"],
        ec2_state=str(item.get("ec2InstanceState") or "NOT_FOUND"),
        is_drill=bool(item.get("isDrill")),
        origin=str(item.get("originEnvironment") or ON_PREMISES),
        job_id=item.get("jobID"),
        failback_state=str(failback.get("state") or "FAILBACK_NOT_STARTED"),
        failback_launch_type=failback.get("failbackLaunchType"),
        failback_job_id=failback.get("failbackJobID"),
        back_replication=back.get("dataReplicationState"),
        back_error=f"{error['error']}: {error.get('rawError', '')}" if error.get("error") else None,
        ec2_instance_id=item.get("ec2InstanceID") or None,
    )


class DrsFailback:
    def __init__(self, gateway: DrsGateway) -> None:
        self.gateway = gateway

    def instances(self, place: Place, server_ids: Sequence[str]) -> list[InstanceFacts]:
        """The recovery instances of these source servers, with their failback facts."""
        return [instance_facts(i) for i in self.gateway.recovery_instances(*place, server_ids)]

    def reverse(self, place: Place, recovery_instance_id: str) -> str:
        """ReverseReplication: the reversed source server's ARN. DRS's refusals raise
        StartRefusedError, and what may pass StartDeferredError (as a launch's do)."""
        try:
            answer = self.gateway.client(*place).reverse_replication(
                recoveryInstanceID=recovery_instance_id
            )
        except ClientError as error:
            raise classify(error) from error
        except BotoCoreError as error:
            raise StartDeferredError("Unreachable", str(error)) from error
        return str(answer["reversedDirectionSourceServerArn"])

    def stop(self, place: Place, recovery_instance_id: str) -> None:
        """StopFailback: the instance no longer replicates back (refusals as reverse's)."""
        self._call(place, "stop_failback", recovery_instance_id)

    def disconnect(self, place: Place, recovery_instance_id: str) -> None:
        """DisconnectRecoveryInstance: DRS forgets the instance; EC2 keeps it running."""
        self._call(place, "disconnect_recovery_instance", recovery_instance_id)

    def stop_instance(self, place: Place, ec2_instance_id: str) -> None:
        """EC2's StopInstances on a recovery instance, in the account DRS runs it in; EC2's
        refusal raises StartRefusedError, throttling or no answer StartDeferredError."""
        session = self.gateway.session(place[0])
        if session is None:
            raise StartRefusedError(f"account {place[0]} is not reachable")
        try:
            session.client("ec2", region_name=place[1]).stop_instances(
                InstanceIds=[ec2_instance_id]
            )
        except ClientError as error:
            body = error.response.get("Error", {})
            code, message = str(body.get("Code", "")), str(body.get("Message", ""))
            if code in {"RequestLimitExceeded", "Throttling", "InternalError", "Unavailable"}:
                raise StartDeferredError(code, message) from error
            raise StartRefusedError(f"{code}: {message}") from error
        except BotoCoreError as error:
            raise StartDeferredError("Unreachable", str(error)) from error

    def _call(self, place: Place, operation: str, recovery_instance_id: str) -> None:
        try:
            getattr(self.gateway.client(*place), operation)(recoveryInstanceID=recovery_instance_id)
        except ClientError as error:
            raise classify(error) from error
        except BotoCoreError as error:
            raise StartDeferredError("Unreachable", str(error)) from error
