"""DRS behaviour over emulated time, through real boto3 over HTTP, on the manual clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from drs_orchestrator.emulator import Emulator, load_scenario
from drs_orchestrator.emulator.clock import parse_iso
from tests.helpers import hostname, inject, one_region, run_until_complete, servers_of

pytestmark = pytest.mark.integration


def _drill(drs: Any, ids: list[str], drill: bool = True) -> str:
    job = drs.start_recovery(sourceServers=[{"sourceServerID": i} for i in ids], isDrill=drill)
    return str(job["job"]["jobID"])


def _log(drs: Any, job_id: str) -> list[dict[str, Any]]:
    return list(drs.describe_job_log_items(jobID=job_id)["items"])


def _participant(job: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(p for p in job["participatingServers"] if p["sourceServerID"] == sid)


def test_a_drill_moves_from_pending_through_started_to_completed(
    emulator: Emulator, drs: Any
) -> None:
    servers = servers_of(drs, "db") + servers_of(drs, "app")
    ids = [s["sourceServerID"] for s in servers]
    job_id = _drill(drs, ids)

    def job() -> dict[str, Any]:
        return dict(drs.describe_jobs(filters={"jobIDs": [job_id]})["items"][0])

    assert job()["status"] == "PENDING"
    assert {p["launchStatus"] for p in job()["participatingServers"]} == {"PENDING"}
    emulator.advance(10 * 60)  # ten minutes in: still taking snapshots
    assert job()["status"] == "PENDING"
    emulator.advance(5 * 60)  # 15 min: snapshots done, conversions under way
    assert job()["status"] == "STARTED"
    assert {p["launchStatus"] for p in job()["participatingServers"]} == {"IN_PROGRESS"}
    done = run_until_complete(emulator, drs, job_id)
    assert {p["launchStatus"] for p in done["participatingServers"]} == {"LAUNCHED"}
    total = parse_iso(done["endDateTime"]) - parse_iso(done["creationDateTime"])
    assert 17 * 60 < total < 23 * 60  # ~13.5 min of snapshot + ~6 min to launch, with jitter

    log = _log(drs, job_id)
    assert log[0]["event"] == "JOB_START"
    assert log[-1]["event"] == "JOB_END"
    stamps = [parse_iso(i["logDateTime"]) for i in log]
    assert stamps == sorted(stamps)
    for sid in ids:
        mine = [i["event"] for i in log if i.get("eventData", {}).get("sourceServerID") == sid]
        assert mine == [
            "SNAPSHOT_START",
            "SNAPSHOT_END",
            "CONVERSION_START",
            "CONVERSION_END",
            "LAUNCH_START",
        ]

    instances = drs.describe_recovery_instances(filters={"sourceServerIDs": ids})["items"]
    assert {i["ec2InstanceState"] for i in instances} == {"RUNNING"}
    assert all(i["isDrill"] and i["jobID"] == job_id for i in instances)
    by_server = {i["sourceServerID"]: i["recoveryInstanceID"] for i in instances}
    assert by_server == {
        p["sourceServerID"]: p["recoveryInstanceID"] for p in done["participatingServers"]
    }
    launch_start = {
        i["eventData"]["sourceServerID"]: i["eventData"]["targetInstanceID"]
        for i in log
        if i["event"] == "LAUNCH_START"
    }
    assert launch_start == by_server
    for server in drs.describe_source_servers(filters={"sourceServerIDs": ids})["items"]:
        assert server["recoveryInstanceId"] == by_server[server["sourceServerID"]]
        assert server["lastLaunchResult"] == "SUCCEEDED"
        assert server["lifeCycle"]["lastLaunch"]["initiated"]["type"] == "DRILL"
        assert server["lifeCycle"]["lastLaunch"]["initiated"]["jobID"] == job_id


def test_windows_servers_take_longer_to_convert_and_launch(emulator: Emulator, drs: Any) -> None:
    linux = servers_of(drs, "app")[0]["sourceServerID"]
    windows = servers_of(drs, "web")[0]["sourceServerID"]
    job_id = _drill(drs, [linux, windows])
    run_until_complete(emulator, drs, job_id)
    log = _log(drs, job_id)

    def launch_phase(sid: str) -> float:
        times = {
            i["event"]: parse_iso(i["logDateTime"])
            for i in log
            if i.get("eventData", {}).get("sourceServerID") == sid
        }
        return times["LAUNCH_START"] - times["CONVERSION_START"]

    assert launch_phase(windows) > launch_phase(linux) * 1.2


def test_a_recovery_is_recorded_as_one(emulator: Emulator, drs: Any) -> None:
    sid = servers_of(drs, "db")[0]["sourceServerID"]
    job_id = _drill(drs, [sid], drill=False)
    job = run_until_complete(emulator, drs, job_id)
    assert job["initiatedBy"] == "START_RECOVERY"
    instance = drs.describe_recovery_instances()["items"][0]
    assert instance["isDrill"] is False
    server = drs.describe_source_servers(filters={"sourceServerIDs": [sid]})["items"][0]
    assert server["lifeCycle"]["lastLaunch"]["initiated"]["type"] == "RECOVERY"


@pytest.mark.parametrize(
    ("phase", "event"),
    [("SNAPSHOT", "SNAPSHOT_FAIL"), ("CONVERSION", "CONVERSION_FAIL"), ("LAUNCH", "LAUNCH_FAILED")],
)
def test_an_injected_failure_fails_that_server_only(
    emulator: Emulator, drs: Any, phase: str, event: str
) -> None:
    db = servers_of(drs, "db")
    bad, good = db[0], db[1]
    inject(
        emulator,
        {
            "kind": "failServer",
            "hostname": hostname(bad),
            "phase": phase,
            "rawError": f"{phase.lower()} broke",
        },
    )
    job_id = _drill(drs, [bad["sourceServerID"], good["sourceServerID"]])
    job = run_until_complete(emulator, drs, job_id)
    emulator.advance(120)
    assert job["status"] == "COMPLETED"  # DRS has no failed job status
    assert _participant(job, bad["sourceServerID"])["launchStatus"] == "FAILED"
    assert _participant(job, good["sourceServerID"])["launchStatus"] == "LAUNCHED"
    failures = [i for i in _log(drs, job_id) if i["event"] == event]
    assert failures == [
        {
            "logDateTime": failures[0]["logDateTime"],
            "event": event,
            "eventData": {
                "sourceServerID": bad["sourceServerID"],
                "rawError": f"{phase.lower()} broke",
            },
        }
    ]
    server = drs.describe_source_servers(filters={"sourceServerIDs": [bad["sourceServerID"]]})
    assert server["items"][0]["lastLaunchResult"] == "FAILED"
    instances = drs.describe_recovery_instances()["items"]
    assert [i["sourceServerID"] for i in instances] == [good["sourceServerID"]]
    if phase == "LAUNCH":  # DRS cleans up what it half-launched
        events = [i["event"] for i in _log(drs, job_id)]
        assert events.index("CLEANUP_START") < events.index("CLEANUP_END")


def test_post_launch_actions_progress_and_can_fail(emulator: Emulator, drs: Any) -> None:
    app = servers_of(drs, "app")  # postLaunchEnabled in the demo estate
    inject(
        emulator,
        {
            "kind": "failServer",
            "hostname": hostname(app[0]),
            "phase": "POST_LAUNCH",
            "rawError": "health check failed! HTTP 503 (expected 200)\nretry=0",
        },
    )
    job_id = _drill(drs, [s["sourceServerID"] for s in app[:2]], drill=False)
    job = run_until_complete(emulator, drs, job_id, step=10)
    assert {p["launchStatus"] for p in job["participatingServers"]} == {"LAUNCHED"}
    emulator.advance(200)  # the SSM agent is discovered, actions start
    job = drs.describe_jobs(filters={"jobIDs": [job_id]})["items"][0]
    statuses = [p["launchActionsStatus"] for p in job["participatingServers"]]
    assert all("ssmAgentDiscoveryDatetime" in s for s in statuses)
    assert {r["status"] for s in statuses for r in s["runs"]} == {"IN_PROGRESS"}
    emulator.advance(900)
    job = drs.describe_jobs(filters={"jobIDs": [job_id]})["items"][0]
    failed = _participant(job, app[0]["sourceServerID"])["launchActionsStatus"]["runs"][0]
    passed = _participant(job, app[1]["sourceServerID"])["launchActionsStatus"]["runs"][0]
    assert failed["status"] == "FAILED"
    # Kept within the model's alphabet: "!" and the newline are not in it.
    assert failed["failureReason"] == "health check failed  HTTP 503 (expected 200) retry=0"
    assert passed["status"] == "SUCCEEDED"
    assert passed["action"]["type"] == "SSM_COMMAND"


def test_servers_without_postlaunch_report_no_launch_actions(emulator: Emulator, drs: Any) -> None:
    sid = servers_of(drs, "db")[0]["sourceServerID"]
    job = run_until_complete(emulator, drs, _drill(drs, [sid]))
    emulator.advance(3600)
    assert "launchActionsStatus" not in job["participatingServers"][0]


def test_unhealthy_replication_launches_from_the_last_snapshot_or_fails(
    emulator: Emulator, make_client: Callable[..., Any], drs: Any
) -> None:
    stalled = next(
        s
        for s in servers_of(drs, "web")
        if s["dataReplicationInfo"]["dataReplicationState"] == "STALLED"
    )
    assert stalled["dataReplicationInfo"]["lagDuration"] == "PT1H30M"
    assert stalled["dataReplicationInfo"]["dataReplicationError"]["error"] == "SNAPSHOTS_FAILURE"
    job = run_until_complete(emulator, drs, _drill(drs, [stalled["sourceServerID"]]))
    assert job["participatingServers"][0]["launchStatus"] == "LAUNCHED"
    events = [i["event"] for i in _log(drs, job["jobID"])]
    assert "USING_PREVIOUS_SNAPSHOT" in events
    assert "SNAPSHOT_START" not in events
    instance = drs.describe_recovery_instances()["items"][0]
    # The data is as old as the replication lag: the last PIT (10-minute grid) before the stall.
    age = parse_iso(job["creationDateTime"]) - parse_iso(instance["pointInTimeSnapshotDateTime"])
    assert 5400 - 60 < age < 5400 + 600

    west = make_client("us-west-2")
    syncing = next(
        s
        for s in servers_of(west)
        if s["dataReplicationInfo"]["dataReplicationState"] == "INITIAL_SYNC"
    )
    job = run_until_complete(emulator, west, _drill(west, [syncing["sourceServerID"]]))
    assert job["participatingServers"][0]["launchStatus"] == "FAILED"
    assert _log(west, job["jobID"])[1]["event"] == "USING_PREVIOUS_SNAPSHOT_FAILED"


def test_launching_from_a_chosen_snapshot_skips_the_on_demand_one(
    emulator: Emulator, drs: Any
) -> None:
    sid = servers_of(drs, "db")[0]["sourceServerID"]
    snaps = drs.describe_recovery_snapshots(sourceServerID=sid, order="DESC")["items"]
    chosen = snaps[3]
    job = drs.start_recovery(
        sourceServers=[{"sourceServerID": sid, "recoverySnapshotID": chosen["snapshotID"]}],
        isDrill=True,
    )["job"]
    run_until_complete(emulator, drs, job["jobID"])
    assert "SNAPSHOT_START" not in [i["event"] for i in _log(drs, job["jobID"])]
    instance = drs.describe_recovery_instances()["items"][0]
    assert instance["pointInTimeSnapshotDateTime"] == chosen["timestamp"]
    with pytest.raises(drs.exceptions.ValidationException, match="pit-0000"):
        drs.start_recovery(
            sourceServers=[{"sourceServerID": sid, "recoverySnapshotID": "pit-00000000000000000"}]
        )


def test_fast_recovery_mode_skips_conversion(emulator: Emulator, drs: Any) -> None:
    sid = servers_of(drs, "db")[0]["sourceServerID"]
    drs.update_launch_configuration(sourceServerID=sid, recoveryMode="FAST")
    job = run_until_complete(emulator, drs, _drill(drs, [sid]))
    events = [i["event"] for i in _log(drs, job["jobID"])]
    assert "CONVERSION_START" not in events
    assert "LAUNCH_START" in events


def test_on_demand_snapshots_join_the_snapshot_list(emulator: Emulator, drs: Any) -> None:
    sid = servers_of(drs, "db")[0]["sourceServerID"]
    before = {s["snapshotID"] for s in drs.describe_recovery_snapshots(sourceServerID=sid)["items"]}
    run_until_complete(emulator, drs, _drill(drs, [sid]))
    after = {s["snapshotID"] for s in drs.describe_recovery_snapshots(sourceServerID=sid)["items"]}
    assert len(after - before) >= 1


def test_one_active_job_per_server_and_busy_servers_keep_their_settings(
    emulator: Emulator, drs: Any
) -> None:
    db = [s["sourceServerID"] for s in servers_of(drs, "db")]
    job_id = _drill(drs, db[:1])
    with pytest.raises(drs.exceptions.ConflictException):
        _drill(drs, db)
    with pytest.raises(drs.exceptions.ConflictException):
        drs.update_launch_configuration(sourceServerID=db[0], copyTags=False)
    assert len(drs.describe_jobs()["items"]) == 1
    run_until_complete(emulator, drs, job_id)
    second = _drill(drs, db)  # free again once the job completed
    assert second != job_id


def test_concurrent_job_and_active_server_quotas(
    load: Callable[[dict[str, Any]], Emulator], drs: Any, emulator: Emulator
) -> None:
    load(one_region(530, "web-"))
    ids = [s["sourceServerID"] for s in servers_of(drs)]
    jobs = [_drill(drs, ids[i * 100 : (i + 1) * 100]) for i in range(5)]  # 500 servers active
    with pytest.raises(drs.exceptions.ServiceQuotaExceededException) as full:
        _drill(drs, ids[500:501])
    assert full.value.response["quotaCode"] == "L-DRS-SERVERS-IN-ACTIVE-JOBS"
    for job_id in jobs:
        run_until_complete(emulator, drs, job_id)
    for sid in ids[500:520]:  # twenty concurrent jobs are allowed
        _drill(drs, [sid])
    with pytest.raises(drs.exceptions.ServiceQuotaExceededException) as busy:
        _drill(drs, ids[520:521])
    assert busy.value.response["quotaCode"] == "L-DRS-CONCURRENT-JOBS"


def test_terminating_drill_instances(emulator: Emulator, drs: Any) -> None:
    ids = [s["sourceServerID"] for s in servers_of(drs, "db")]
    launch = run_until_complete(emulator, drs, _drill(drs, ids))
    instance_ids = [p["recoveryInstanceID"] for p in launch["participatingServers"]]
    job = drs.terminate_recovery_instances(recoveryInstanceIDs=instance_ids)["job"]
    assert job["type"] == "TERMINATE"
    assert job["initiatedBy"] == "TERMINATE_RECOVERY_INSTANCES"
    with pytest.raises(drs.exceptions.ConflictException):
        drs.terminate_recovery_instances(recoveryInstanceIDs=instance_ids[:1])
    emulator.advance(10)
    states = {i["ec2InstanceState"] for i in drs.describe_recovery_instances()["items"]}
    assert states == {"SHUTTING-DOWN"}
    done = run_until_complete(emulator, drs, job["jobID"], step=10)
    assert {p["launchStatus"] for p in done["participatingServers"]} == {"TERMINATED"}
    states = {i["ec2InstanceState"] for i in drs.describe_recovery_instances()["items"]}
    assert states == {"TERMINATED"}
    for server in drs.describe_source_servers(filters={"sourceServerIDs": ids})["items"]:
        assert "recoveryInstanceId" not in server
        assert server["lifeCycle"]["lastLaunch"]["status"] == "TERMINATED"
    original = drs.describe_jobs(filters={"jobIDs": [launch["jobID"]]})["items"][0]
    assert {p["launchStatus"] for p in original["participatingServers"]} == {"TERMINATED"}
    with pytest.raises(drs.exceptions.ValidationException):
        drs.terminate_recovery_instances(recoveryInstanceIDs=["i-0000000000000000a"])


def test_a_throttling_storm_is_survived_by_retrying_clients(
    emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    inject(
        emulator,
        {
            "kind": "throttle",
            "operation": "Describe*",
            "fraction": 0.5,
            "retryAfterSeconds": 0,
        },
    )
    patient = make_client(retries=9)
    items = [
        s
        for p in patient.get_paginator("describe_source_servers").paginate(
            PaginationConfig={"PageSize": 1}
        )
        for s in p["items"]
    ]
    assert len(items) == 9
    assert emulator.error_counts["DescribeSourceServers:ThrottlingException"] > 0


def test_the_same_seed_gives_the_same_run(drs: Any, emulator: Emulator) -> None:
    def run() -> list[dict[str, Any]]:
        emulator.load(load_scenario("demo"))
        ids = [s["sourceServerID"] for s in servers_of(drs, "app")]
        job_id = _drill(drs, ids)
        run_until_complete(emulator, drs, job_id)
        return _log(drs, job_id)

    assert run() == run()


def test_admin_api(endpoint: str, drs: Any) -> None:
    admin = f"{endpoint}/_emulator"
    state = httpx.get(f"{admin}/state").json()
    assert state["clock"]["mode"] == "manual"
    east = next(r for r in state["regions"] if r["region"] == "us-east-1")
    assert east["sourceServers"] == 9
    assert httpx.post(f"{admin}/clock/advance", json={"seconds": 90}).status_code == 200
    later = httpx.get(f"{admin}/state").json()["now"]
    assert parse_iso(later) - parse_iso(state["now"]) == 90

    yaml_doc = (
        "seed: 3\naccounts:\n  '111111111111':\n    regions:\n      us-east-1:\n"
        "        servers: [{count: 4, hostnamePrefix: app-}]\n"
    )
    loaded = httpx.post(f"{admin}/scenario", content=yaml_doc).json()
    assert loaded["regions"][0]["sourceServers"] == 4
    assert len(drs.describe_source_servers()["items"]) == 4

    faults = {"faults": [{"kind": "throttle", "operation": "DescribeJobs", "ratePerSecond": 1}]}
    assert httpx.post(f"{admin}/faults", json=faults).json()["faults"][0]["ratePerSecond"] == 1
    drs.describe_jobs()
    with pytest.raises(drs.exceptions.ThrottlingException):
        drs.describe_jobs()
    calls = httpx.get(f"{admin}/calls").json()
    assert calls["counts"]["DescribeJobs"] == 2
    assert calls["errors"] == {"DescribeJobs:ThrottlingException": 1}
    assert calls["recent"][-1]["error"] == "ThrottlingException"
    assert httpx.delete(f"{admin}/calls").json()["total"] == 0

    assert httpx.post(f"{admin}/reset").json()["regions"][0]["sourceServers"] == 4
    assert httpx.get(f"{admin}/faults").json() == {"faults": []}
    assert httpx.post(f"{admin}/scenario?name=demo").status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/clock/advance", {"seconds": -1}),
        ("/clock/advance", {"seconds": "soon"}),
        ("/faults", {"faults": [{"kind": "throttle"}]}),
        ("/scenario", {"accounts": {}}),
        ("/scenario", "accounts: ["),
    ],
)
def test_admin_api_rejects_bad_input_and_changes_nothing(
    endpoint: str, path: str, body: Any
) -> None:
    admin = f"{endpoint}/_emulator"
    before = httpx.get(f"{admin}/state").json()
    content = body.encode() if isinstance(body, str) else None
    response = httpx.post(f"{admin}{path}", json=None if content else body, content=content)
    assert response.status_code == 400
    assert response.json()["message"]
    assert httpx.get(f"{admin}/state").json() == before
