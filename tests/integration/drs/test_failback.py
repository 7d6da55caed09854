"""Each server's way home as the orchestrator reads it: real boto3 to the emulator over HTTP,
mapped to facts and legs (domain/failback.py), on the manual clock."""

from __future__ import annotations

from typing import Any

import boto3
import httpx
import pytest

from drs_orchestrator.domain.failback import (
    AWS,
    ON_PREMISES,
    Leg,
    arn_id,
    leg,
    recovered_instance,
    synced,
)
from drs_orchestrator.drs.failback import DrsFailback
from drs_orchestrator.drs.gateway import DrsGateway
from drs_orchestrator.drs.jobs import DrsJobs, StartDeferredError, StartRefusedError
from drs_orchestrator.emulator import Emulator
from tests.helpers import inject, run_until_complete

pytestmark = pytest.mark.integration
ACCOUNT = "111111111111"
EAST, WEST = (ACCOUNT, "us-east-1"), (ACCOUNT, "us-west-2")
LONG = 2 * 3600.0  # past any initial sync back of the demo


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> DrsGateway:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DRS", endpoint)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    session = boto3.session.Session(aws_access_key_id=ACCOUNT, aws_secret_access_key="emulator")
    return DrsGateway(lambda account: session if account == ACCOUNT else None)


def _recover(
    emulator: Emulator, gateway: DrsGateway, place: tuple[str, str], ids: list[str]
) -> None:
    client: Any = gateway.client(*place)
    job = client.start_recovery(sourceServers=[{"sourceServerID": i} for i in ids], isDrill=False)
    run_until_complete(emulator, client, job["job"]["jobID"])


def _legs(gateway: DrsGateway, place: tuple[str, str], ids: list[str]) -> dict[str, Any]:
    failback = DrsFailback(gateway)
    servers = {s.source_server_id: s for s in gateway.source_servers(*place, ids)}
    instances = failback.instances(place, ids)
    out = {}
    for sid, server in servers.items():
        reversed_server = None
        if server.reversed_server_arn and server.origin_region:
            found = gateway.source_servers(
                place[0], server.origin_region, [arn_id(server.reversed_server_arn)]
            )
            reversed_server = found[0] if found else None
        mine = recovered_instance(i for i in instances if i.source_server_id == sid)
        out[server.hostname] = leg(server, mine, reversed_server)
    return out


def test_aws_origins_are_read_from_recovered_to_ready(
    emulator: Emulator, gateway: DrsGateway
) -> None:
    inject(emulator, {"kind": "failFailback", "hostname": "shop-db-02"})
    db = [s.source_server_id for s in gateway.source_servers(*EAST) if s.tags.get("Tier") == "db"]
    assert _legs(gateway, EAST, db)["shop-db-01"].leg == Leg.NOT_RECOVERED
    _recover(emulator, gateway, EAST, db)
    legs = _legs(gateway, EAST, db)
    assert {s.leg for s in legs.values()} == {Leg.RECOVERED}
    assert {s.origin for s in legs.values()} == {AWS}

    failback = DrsFailback(gateway)
    for server in legs.values():
        assert server.recovery_instance_id is not None
        arn = failback.reverse(EAST, server.recovery_instance_id)
        assert arn.startswith("arn:aws:drs:us-west-2:")
    # A second ReverseReplication is DRS's ConflictException: one to wait on, not a refusal.
    with pytest.raises(StartDeferredError, match="already replicates back"):
        failback.reverse(EAST, legs["shop-db-01"].recovery_instance_id or "")
    syncing = _legs(gateway, EAST, db)
    assert syncing["shop-db-01"].leg == Leg.REPLICATING_BACK
    assert syncing["shop-db-01"].reversed_region == "us-west-2"
    assert not synced(syncing.values())

    emulator.advance(LONG)
    done = _legs(gateway, EAST, db)
    assert done["shop-db-01"].leg == Leg.READY
    assert done["shop-db-02"].leg == Leg.STALLED
    assert "NOT_CONVERGING" in (done["shop-db-02"].error or "")
    assert not synced(done.values())


def test_on_premises_origins_wait_for_the_failback_client(
    emulator: Emulator, gateway: DrsGateway, endpoint: str
) -> None:
    emulator.scenario.timing.failbackClientBootSeconds = None
    ids = [
        s.source_server_id
        for s in gateway.source_servers(*WEST)
        if s.hostname in {"rpt-db-01", "rpt-app-01"}
    ]
    _recover(emulator, gateway, WEST, ids)
    legs = _legs(gateway, WEST, ids)
    assert {s.leg for s in legs.values()} == {Leg.AWAITING_CLIENT}
    assert {s.origin for s in legs.values()} == {ON_PREMISES}
    assert "Failback Client" in legs["rpt-db-01"].next_step

    jobs = DrsJobs(gateway)
    with pytest.raises(StartRefusedError, match="not ready for failback launch"):
        jobs.start_failback_launch(WEST, [legs["rpt-db-01"].recovery_instance_id or ""], {})
    booted = httpx.post(
        f"{endpoint}/_emulator/failback-clients",
        json={
            "region": "us-west-2",
            "recoveryInstanceIDs": [s.recovery_instance_id for s in legs.values()],
        },
    )
    assert booted.status_code == 200, booted.text
    assert _legs(gateway, WEST, ids)["rpt-db-01"].leg == Leg.REPLICATING_BACK
    emulator.advance(LONG)
    ready = _legs(gateway, WEST, ids)
    assert synced(ready.values())

    job_id = jobs.start_failback_launch(
        WEST, [s.recovery_instance_id or "" for s in ready.values()], {"DRS:ExecutionId": "x"}
    )
    client: Any = gateway.client(*WEST)
    done = run_until_complete(emulator, client, job_id)
    assert done["initiatedBy"] == "FAILBACK"
    assert done["tags"] == {"DRS:ExecutionId": "x"}
    home = _legs(gateway, WEST, ids).values()
    # the machines on premises replicate into the recovery region still: protected again
    assert {s.leg for s in home} == {Leg.PROTECTED}
    assert {s.replication for s in home} == {"CONTINUOUS"}
