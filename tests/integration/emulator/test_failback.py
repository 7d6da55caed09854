"""The way home in the emulator, through real boto3 over HTTP on the manual clock: reverse
replication of AWS origins, the failback client and StartFailbackLaunch of on-premises ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.clock import parse_iso
from drs_orchestrator.emulator.failback import INITIATING_SECONDS
from tests.helpers import hostname, inject, run_until_complete, servers_of

pytestmark = pytest.mark.integration

SYNC = 1800 * 1.1 + INITIATING_SECONDS + 1  # the demo's initial sync back, at most


def _recover(emulator: Emulator, drs: Any, ids: list[str], drill: bool = False) -> list[str]:
    """Launch `ids` and wait: their recovery instance IDs, in order."""
    job = drs.start_recovery(sourceServers=[{"sourceServerID": i} for i in ids], isDrill=drill)
    done = run_until_complete(emulator, drs, job["job"]["jobID"])
    by_server = {p["sourceServerID"]: p["recoveryInstanceID"] for p in done["participatingServers"]}
    return [by_server[i] for i in ids]


def _server(drs: Any, sid: str) -> dict[str, Any]:
    return dict(drs.describe_source_servers(filters={"sourceServerIDs": [sid]})["items"][0])


def _instance(drs: Any, rid: str) -> dict[str, Any]:
    items = drs.describe_recovery_instances(filters={"recoveryInstanceIDs": [rid]})["items"]
    return dict(items[0])


def _error(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return dict(caught.value.response)


def _id_of(arn: str) -> str:
    return arn.rpartition("/")[2]


def test_an_aws_origin_goes_home_and_is_protected_again(
    emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    east, west = make_client("us-east-1"), make_client("us-west-2")
    db = [s["sourceServerID"] for s in servers_of(east, "db")]
    assert _server(east, db[0])["sourceCloudProperties"]["originRegion"] == "us-west-2"
    instances = _recover(emulator, east, db)
    assert {_instance(east, r)["originEnvironment"] for r in instances} == {"AWS"}

    reversed_at = emulator.clock.now()
    arns = [
        east.reverse_replication(recoveryInstanceID=r)["reversedDirectionSourceServerArn"]
        for r in instances
    ]
    assert all(a.startswith("arn:aws:drs:us-west-2:111111111111:source-server/s-") for a in arns)
    reversed_ids = [_id_of(a) for a in arns]
    back = _server(west, reversed_ids[0])
    assert back["replicationDirection"] == "FAILBACK"
    assert back["dataReplicationInfo"]["dataReplicationState"] == "INITIATING"
    assert back["sourceCloudProperties"]["originRegion"] == "us-east-1"
    assert back["reversedDirectionSourceServerArn"] == _server(east, db[0])["arn"]
    original = _server(east, db[0])
    assert original["reversedDirectionSourceServerArn"] == arns[0]
    assert original["dataReplicationInfo"]["dataReplicationState"] == "STOPPED"

    again = _error(lambda: east.reverse_replication(recoveryInstanceID=instances[0]))
    assert again["Error"]["Code"] == "ConflictException"

    emulator.advance(INITIATING_SECONDS)
    assert _server(west, reversed_ids[0])["dataReplicationInfo"]["dataReplicationState"] == (
        "INITIAL_SYNC"
    )
    assert _instance(east, instances[0])["dataReplicationInfo"]["dataReplicationState"] == (
        "INITIAL_SYNC"
    )
    emulator.advance(SYNC)
    assert {
        _server(west, s)["dataReplicationInfo"]["dataReplicationState"] for s in reversed_ids
    } == {"CONTINUOUS"}
    points = west.describe_recovery_snapshots(sourceServerID=reversed_ids[0])["items"]
    assert all(parse_iso(p["timestamp"]) > reversed_at + INITIATING_SECONDS for p in points)

    # Failing back is a launch of the reversed servers in the origin region.
    home = _recover(emulator, west, reversed_ids)
    assert _instance(west, home[0])["sourceServerID"] == reversed_ids[0]
    # Protecting again reverses once more, into the original source servers (reused).
    again_arn = west.reverse_replication(recoveryInstanceID=home[0])
    assert again_arn["reversedDirectionSourceServerArn"] == original["arn"]
    assert _server(west, reversed_ids[0])["dataReplicationInfo"]["dataReplicationState"] == (
        "STOPPED"
    )
    assert "dataReplicationInfo" not in _instance(east, instances[0])
    emulator.advance(SYNC)
    protected = _server(east, db[0])
    assert protected["replicationDirection"] == "FAILOVER"
    assert protected["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
    assert len(servers_of(west)) == 3 + 2  # reporting's, and the two reversed: none doubled

    # The recovery-region instance, nobody's now, leaves DRS; EC2 would keep it running.
    east.disconnect_recovery_instance(recoveryInstanceID=instances[0])
    assert (
        east.describe_recovery_instances(filters={"recoveryInstanceIDs": [instances[0]]})["items"]
        == []
    )


def test_reverse_replication_refuses_what_cannot_go_back(
    emulator: Emulator, make_client: Callable[..., Any], load: Callable[[dict[str, Any]], Emulator]
) -> None:
    east, west = make_client("us-east-1"), make_client("us-west-2")
    drill = _recover(emulator, east, [servers_of(east, "app")[0]["sourceServerID"]], drill=True)
    refused = _error(lambda: east.reverse_replication(recoveryInstanceID=drill[0]))
    assert refused["Error"]["Code"] == "ValidationException"
    assert "drill" in refused["Error"]["Message"]

    on_prem = _recover(emulator, west, [servers_of(west, "db")[0]["sourceServerID"]])
    refused = _error(lambda: west.reverse_replication(recoveryInstanceID=on_prem[0]))
    assert refused["Error"]["Code"] == "ValidationException"
    assert "Failback Client" in refused["Error"]["Message"]

    missing = _error(lambda: east.reverse_replication(recoveryInstanceID="i-0123456789abcdef0"))
    assert missing["Error"]["Code"] == "ResourceNotFoundException"

    load(
        {
            "accounts": {
                "111111111111": {
                    "regions": {
                        "us-east-1": {
                            "servers": [{"hostname": "far-01", "originRegion": "eu-west-1"}]
                        },
                        "eu-west-1": {"initialized": False},
                    }
                }
            }
        }
    )
    far = _recover(emulator, east, [servers_of(east)[0]["sourceServerID"]])
    refused = _error(lambda: east.reverse_replication(recoveryInstanceID=far[0]))
    assert refused["Error"]["Code"] == "UninitializedAccountException"
    assert "eu-west-1" in refused["Error"]["Message"]
    assert "reversedDirectionSourceServerArn" not in _server(
        east, servers_of(east)[0]["sourceServerID"]
    )


def _boot(endpoint: str, region: str, ids: list[str], **extra: Any) -> httpx.Response:
    return httpx.post(
        f"{endpoint}/_emulator/failback-clients",
        json={"region": region, "recoveryInstanceIDs": ids, **extra},
    )


def test_an_on_premises_origin_fails_back_through_the_failback_client(
    emulator: Emulator, make_client: Callable[..., Any], endpoint: str
) -> None:
    west = make_client("us-west-2")
    emulator.scenario.timing.failbackClientBootSeconds = None  # the operator is told to
    sid = servers_of(west, "db")[0]["sourceServerID"]
    (rid,) = _recover(emulator, west, [sid])
    instance = _instance(west, rid)
    assert instance["originEnvironment"] == "ON_PREMISES"
    assert instance["failback"]["state"] == "FAILBACK_NOT_STARTED"
    early = _error(lambda: west.start_failback_launch(recoveryInstanceIDs=[rid]))
    assert early["Error"]["Code"] == "ValidationException"
    assert "FAILBACK_NOT_STARTED" in early["Error"]["Message"]

    booted = _boot(endpoint, "us-west-2", [rid])
    assert booted.status_code == 200, booted.text
    assert _boot(endpoint, "us-west-2", [rid]).status_code == 400  # paired already
    failback = _instance(west, rid)["failback"]
    assert failback["state"] == "FAILBACK_IN_PROGRESS"
    assert failback["failbackClientID"]
    emulator.advance(INITIATING_SECONDS + SYNC)
    ready = _instance(west, rid)
    assert ready["failback"]["state"] == "FAILBACK_READY_FOR_LAUNCH"
    assert ready["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"

    job = west.start_failback_launch(recoveryInstanceIDs=[rid], tags={"k": "v"})["job"]
    assert job["initiatedBy"] == "FAILBACK"
    assert job["participatingServers"] == [
        {"sourceServerID": sid, "recoveryInstanceID": rid, "launchStatus": "PENDING"}
    ]
    twice = _error(lambda: west.start_failback_launch(recoveryInstanceIDs=[rid]))
    assert twice["Error"]["Code"] == "ValidationException"  # launching: no longer ready
    done = run_until_complete(emulator, west, job["jobID"])
    assert done["participatingServers"][0]["launchStatus"] == "LAUNCHED"
    home = _instance(west, rid)["failback"]
    assert home["state"] == "FAILBACK_COMPLETED"
    assert home["failbackJobID"] == job["jobID"]
    events = [i["event"] for i in west.describe_job_log_items(jobID=job["jobID"])["items"]]
    assert events == ["JOB_START", "LAUNCH_START", "JOB_END"]


def test_the_scenario_operator_boots_the_client_after_a_recovery_not_a_drill(
    emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    west = make_client("us-west-2")
    ids = [s["sourceServerID"] for s in servers_of(west) if hostname(s) != "rpt-web-01"]
    recovered, drilled = _recover(emulator, west, ids[:1]), _recover(emulator, west, ids[1:], True)
    emulator.advance(600)
    assert _instance(west, recovered[0])["failback"]["state"] == "FAILBACK_IN_PROGRESS"
    assert _instance(west, drilled[0])["failback"]["state"] == "FAILBACK_NOT_STARTED"


def test_a_replication_back_that_stalls_says_why(
    emulator: Emulator, make_client: Callable[..., Any], endpoint: str
) -> None:
    east, west = make_client("us-east-1"), make_client("us-west-2")
    emulator.scenario.timing.failbackClientBootSeconds = None
    inject(
        emulator,
        {"kind": "failFailback", "hostname": "rpt-db-01", "error": "FAILBACK_CLIENT_NOT_SEEN"},
        {"kind": "failFailback", "hostname": "shop-db-01"},
    )
    rpt = next(s for s in servers_of(west) if hostname(s) == "rpt-db-01")["sourceServerID"]
    (on_prem,) = _recover(emulator, west, [rpt])
    assert _boot(endpoint, "us-west-2", [on_prem]).status_code == 200
    shop = next(s for s in servers_of(east) if hostname(s) == "shop-db-01")["sourceServerID"]
    (aws,) = _recover(emulator, east, [shop])
    arn = east.reverse_replication(recoveryInstanceID=aws)["reversedDirectionSourceServerArn"]
    emulator.advance(INITIATING_SECONDS + SYNC)

    stuck = _instance(west, on_prem)
    assert stuck["failback"]["state"] == "FAILBACK_ERROR"
    assert stuck["dataReplicationInfo"]["dataReplicationError"]["error"] == (
        "FAILBACK_CLIENT_NOT_SEEN"
    )
    reversed_server = _server(west, _id_of(arn))["dataReplicationInfo"]
    assert reversed_server["dataReplicationState"] == "STALLED"
    assert reversed_server["dataReplicationError"]["error"] == "NOT_CONVERGING"

    # StopFailback ends it; a new client may pair again.
    west.stop_failback(recoveryInstanceID=on_prem)
    assert _instance(west, on_prem)["failback"] == {"state": "FAILBACK_NOT_STARTED"}
    assert _boot(endpoint, "us-west-2", [on_prem]).status_code == 200


def test_failback_replication_configuration_and_leaving_drs(
    emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    west = make_client("us-west-2")
    (rid,) = _recover(emulator, west, [servers_of(west, "db")[0]["sourceServerID"]])
    config = west.get_failback_replication_configuration(recoveryInstanceID=rid)
    assert (config["name"], config["usePrivateIP"], config["bandwidthThrottling"]) == (
        "rpt-db-01",
        False,
        0,
    )
    west.update_failback_replication_configuration(
        recoveryInstanceID=rid, usePrivateIP=True, bandwidthThrottling=100
    )
    config = west.get_failback_replication_configuration(recoveryInstanceID=rid)
    assert (config["usePrivateIP"], config["bandwidthThrottling"]) == (True, 100)

    running = _error(lambda: west.delete_recovery_instance(recoveryInstanceID=rid))
    assert running["Error"]["Code"] == "ConflictException"
    emulator.advance(600)  # the demo's operator boots the client: replicating back now
    busy = _error(lambda: west.disconnect_recovery_instance(recoveryInstanceID=rid))
    assert busy["Error"]["Code"] == "ConflictException"
    job = west.terminate_recovery_instances(recoveryInstanceIDs=[rid])["job"]
    run_until_complete(emulator, west, job["jobID"])
    assert "dataReplicationInfo" not in _instance(west, rid)  # its source is gone
    west.delete_recovery_instance(recoveryInstanceID=rid)
    assert west.describe_recovery_instances(filters={"recoveryInstanceIDs": [rid]})["items"] == []
