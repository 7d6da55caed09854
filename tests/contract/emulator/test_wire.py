"""Real boto3 over HTTP against the emulator, checked against botocore's model.

Every response is also checked server-side (strict mode); here the client's parsed view is
walked against the operation's output shape, and every modelled error class is provoked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.protocol import conformance_errors, service_model
from tests.helpers import inject, one_region, run_until_complete, servers_of

pytestmark = pytest.mark.contract


def conforms(operation: str, response: dict[str, Any]) -> None:
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    shape = service_model().operation_model(operation).output_shape
    assert shape is not None
    assert conformance_errors(shape, body) == []


def _status(response: dict[str, Any]) -> int:
    return int(response["ResponseMetadata"]["HTTPStatusCode"])


def _drill(drs: Any, ids: list[str], **extra: Any) -> dict[str, Any]:
    response = drs.start_recovery(
        sourceServers=[{"sourceServerID": i} for i in ids], isDrill=True, **extra
    )
    assert _status(response) == 202
    conforms("StartRecovery", response)
    return dict(response["job"])


def test_every_emulated_operation_answers_in_its_modelled_shape(
    emulator: Emulator, drs: Any
) -> None:
    servers = drs.describe_source_servers()
    conforms("DescribeSourceServers", servers)
    first = servers["items"][0]
    sid, arn = first["sourceServerID"], first["arn"]

    config = drs.get_launch_configuration(sourceServerID=sid)
    conforms("GetLaunchConfiguration", config)
    updated = drs.update_launch_configuration(sourceServerID=sid, copyPrivateIp=True)
    conforms("UpdateLaunchConfiguration", updated)
    assert updated["copyPrivateIp"] is True

    snapshots = drs.describe_recovery_snapshots(sourceServerID=sid, order="DESC")
    conforms("DescribeRecoverySnapshots", snapshots)

    job = _drill(drs, [sid], tags={"DRS:ExecutionId": "e-1"})
    run_until_complete(emulator, drs, job["jobID"])
    jobs = drs.describe_jobs(filters={"jobIDs": [job["jobID"]]})
    conforms("DescribeJobs", jobs)
    conforms("DescribeJobLogItems", drs.describe_job_log_items(jobID=job["jobID"]))
    instances = drs.describe_recovery_instances(filters={"sourceServerIDs": [sid]})
    conforms("DescribeRecoveryInstances", instances)
    instance_id = instances["items"][0]["recoveryInstanceID"]
    conforms(
        "TerminateRecoveryInstances",
        drs.terminate_recovery_instances(recoveryInstanceIDs=[instance_id]),
    )

    assert _status(drs.tag_resource(resourceArn=arn, tags={"Owner": "dr-team"})) == 200
    tags = drs.list_tags_for_resource(resourceArn=arn)
    conforms("ListTagsForResource", tags)
    assert tags["tags"]["Owner"] == "dr-team"
    drs.untag_resource(resourceArn=arn, tagKeys=["Owner", "Tier"])
    assert "Owner" not in drs.list_tags_for_resource(resourceArn=arn)["tags"]
    assert "Tier" not in drs.list_tags_for_resource(resourceArn=arn)["tags"]
    job_arn = jobs["items"][0]["arn"]
    assert drs.list_tags_for_resource(resourceArn=job_arn)["tags"] == {"DRS:ExecutionId": "e-1"}


def test_initialize_service_answers_204_and_initialises_the_region(
    make_client: Callable[..., Any],
) -> None:
    eu = make_client("eu-west-1")
    with pytest.raises(eu.exceptions.UninitializedAccountException, match="InitializeService"):
        eu.describe_source_servers()
    assert _status(eu.initialize_service()) == 204
    assert eu.describe_source_servers()["items"] == []


def test_regions_and_accounts_are_separate_estates(
    load: Callable[[dict[str, Any]], Emulator], make_client: Callable[..., Any]
) -> None:
    load(
        {
            "accounts": {
                "111111111111": {
                    "regions": {
                        "us-east-1": {"servers": [{"hostname": "a"}]},
                        "us-west-2": {"servers": [{"count": 2, "hostnamePrefix": "b"}]},
                    }
                },
                "222222222222": {
                    "regions": {"us-east-1": {"servers": [{"count": 3, "hostnamePrefix": "c"}]}}
                },
            }
        }
    )
    assert len(make_client("us-east-1").describe_source_servers()["items"]) == 1
    assert len(make_client("us-west-2").describe_source_servers()["items"]) == 2
    other = make_client("us-east-1", account="222222222222")
    items = other.describe_source_servers()["items"]
    assert len(items) == 3
    assert items[0]["arn"].startswith("arn:aws:drs:us-east-1:222222222222:source-server/s-")
    # An access key that is no scenario account falls back to the first account.
    assert (
        len(make_client("us-east-1", account="AKIAEXAMPLE").describe_source_servers()["items"]) == 1
    )


def test_paginators_walk_every_page(
    load: Callable[[dict[str, Any]], Emulator], drs: Any, emulator: Emulator
) -> None:
    load(one_region(120, "web-", quotas={"concurrentJobs": 200, "serversInActiveJobs": 500}))
    pages = list(
        drs.get_paginator("describe_source_servers").paginate(PaginationConfig={"PageSize": 50})
    )
    assert [len(p["items"]) for p in pages] == [50, 50, 20]
    ids = [s["sourceServerID"] for p in pages for s in p["items"]]
    assert len(set(ids)) == 120

    job_ids = [_drill(drs, [sid])["jobID"] for sid in ids[:30]]
    listed = [
        j["jobID"]
        for p in drs.get_paginator("describe_jobs").paginate(
            filters={"jobIDs": job_ids}, PaginationConfig={"PageSize": 7}
        )
        for j in p["items"]
    ]
    assert listed == list(reversed(job_ids))  # newest first, nothing lost or repeated

    run_until_complete(emulator, drs, job_ids[-1])
    emulator.advance(3600)
    log = [
        i
        for p in drs.get_paginator("describe_job_log_items").paginate(
            jobID=job_ids[0], PaginationConfig={"PageSize": 2}
        )
        for i in p["items"]
    ]
    assert log[0]["event"] == "JOB_START"
    assert log[-1]["event"] == "JOB_END"
    instances = [
        i
        for p in drs.get_paginator("describe_recovery_instances").paginate(
            PaginationConfig={"PageSize": 8}
        )
        for i in p["items"]
    ]
    assert len(instances) == 30
    snaps = [
        s
        for p in drs.get_paginator("describe_recovery_snapshots").paginate(
            sourceServerID=ids[0], PaginationConfig={"PageSize": 5}
        )
        for s in p["items"]
    ]
    assert len(snaps) > 10
    assert [s["timestamp"] for s in snaps] == sorted(s["timestamp"] for s in snaps)


def test_a_token_from_another_operation_is_refused(drs: Any) -> None:
    first = drs.describe_source_servers(maxResults=2)
    with pytest.raises(drs.exceptions.ValidationException, match="nextToken"):
        drs.describe_jobs(nextToken=first["nextToken"])


def test_validation_exception_names_the_field(make_client: Callable[..., Any]) -> None:
    raw = make_client(validate=False)
    with pytest.raises(raw.exceptions.ValidationException) as caught:
        raw.start_recovery(sourceServers=[{"sourceServerID": "s-!!!"}])
    response = caught.value.response
    assert response["reason"] == "fieldValidationFailed"
    assert response["fieldList"][0]["name"] == "sourceServers[0].sourceServerID"
    with pytest.raises(raw.exceptions.ValidationException):
        raw.describe_jobs(maxResults=0)


def test_unknown_servers_in_start_recovery_are_named(drs: Any) -> None:
    real = servers_of(drs, "db")[0]["sourceServerID"]
    with pytest.raises(drs.exceptions.ValidationException) as caught:
        drs.start_recovery(
            sourceServers=[{"sourceServerID": real}, {"sourceServerID": "s-00000000000000000"}]
        )
    assert caught.value.response["fieldList"] == [
        {"name": "sourceServers[1].sourceServerID", "message": "s-00000000000000000 does not exist"}
    ]
    assert drs.describe_jobs()["items"] == []  # nothing was started


def test_resource_not_found(drs: Any) -> None:
    with pytest.raises(drs.exceptions.ResourceNotFoundException) as caught:
        drs.get_launch_configuration(sourceServerID="s-00000000000000000")
    assert caught.value.response["resourceId"] == "s-00000000000000000"
    with pytest.raises(drs.exceptions.ResourceNotFoundException):
        drs.list_tags_for_resource(resourceArn="arn:aws:drs:us-east-1:111111111111:job/drsjob-x")


def test_conflict_and_quota_errors_carry_their_fields(
    load: Callable[[dict[str, Any]], Emulator], drs: Any
) -> None:
    load(one_region(150, "app-"))
    ids = [s["sourceServerID"] for s in servers_of(drs)]
    _drill(drs, ids[:2])
    with pytest.raises(drs.exceptions.ConflictException) as conflict:
        _drill(drs, ids[1:3])
    assert conflict.value.response["resourceId"] == ids[1]
    assert "being processed by another job" in conflict.value.response["message"]
    with pytest.raises(drs.exceptions.ServiceQuotaExceededException) as quota:
        _drill(drs, ids[2:103])
    assert quota.value.response["quotaCode"] == "L-DRS-SERVERS-PER-JOB"
    assert quota.value.response["serviceCode"] == "drs"


def test_throttling_and_internal_errors_are_modelled_and_retryable(
    emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    inject(
        emulator,
        {
            "kind": "throttle",
            "operation": "DescribeJobs",
            "fraction": 1,
            "retryAfterSeconds": 3,
        },
        {
            "kind": "internalError",
            "operation": "DescribeRecoveryInstances",
            "fraction": 1,
            "retryAfterSeconds": 5,
        },
    )
    drs = make_client()
    with pytest.raises(drs.exceptions.ThrottlingException) as throttled:
        drs.describe_jobs()
    response = throttled.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "3"
    assert response["quotaCode"]
    assert response["serviceCode"] == "drs"
    with pytest.raises(drs.exceptions.InternalServerException) as internal:
        drs.describe_recovery_instances()
    assert internal.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "5"
    # botocore's standard retry mode retries both: every attempt is counted by the emulator.
    emulator.clear_calls()
    retrying = make_client(retries=2)
    with pytest.raises(retrying.exceptions.ThrottlingException):
        retrying.describe_jobs()
    assert emulator.counts["DescribeJobs"] == 3


def test_operations_not_emulated_answer_a_modelled_error(drs: Any) -> None:
    with pytest.raises(drs.exceptions.ValidationException) as caught:
        drs.list_staging_accounts()
    assert caught.value.response["reason"] == "unknownOperation"
    assert "not emulated" in caught.value.response["message"]


SIGNED = {
    "authorization": "AWS4-HMAC-SHA256 Credential=111111111111/20260105/us-east-1/drs/"
    "aws4_request, SignedHeaders=host, Signature=x"
}


def test_unsigned_requests_are_denied_and_unknown_paths_answered(endpoint: str) -> None:
    denied = httpx.post(f"{endpoint}/DescribeJobs", content=b"{}")
    assert denied.status_code == 403
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    unknown = httpx.post(f"{endpoint}/NoSuchThing", content=b"{}", headers=SIGNED)
    assert unknown.status_code == 400
    assert unknown.json()["reason"] == "unknownOperation"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"sourceServers": "all"}'])
def test_malformed_bodies_are_validation_errors_not_crashes(endpoint: str, body: bytes) -> None:
    bad = httpx.post(f"{endpoint}/StartRecovery", content=body, headers=SIGNED)
    assert bad.status_code == 400
    assert bad.headers["x-amzn-ErrorType"] == "ValidationException"
    assert bad.json()["message"]
