"""Launching from a chosen point in time over HTTP (e.g. the last snapshot before a
ransomware event): the plan's point in time, a snapshot chosen per server, what DRS was
asked and launched from, and each refusal, against the emulator on its manual clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator import Emulator
from tests.integration.drive import Drive
from tests.integration.plans import make_plan

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def services(engine_services: Services) -> Services:
    return engine_services


def _now(emulator: Emulator) -> datetime:
    return datetime.fromtimestamp(emulator.clock.now(), UTC)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _snapshots(client: httpx.Client, plan_id: str, **params: Any) -> dict[str, Any]:
    """By the plan's server: its entry in the recovery-snapshots listing."""
    answer = client.get(f"/recovery-plans/{plan_id}/recovery-snapshots", params=params)
    assert answer.status_code == 200, answer.text
    return {i["sourceServerId"]: i for i in answer.json()["items"]}


def _start(client: httpx.Client, plan: dict[str, Any], **body: Any) -> httpx.Response:
    return client.post(
        f"/recovery-plans/{plan['id']}/executions",
        json={"mode": "RECOVERY", "confirmPlanName": plan["name"], **body},
    )


def _launched_from(make_client: Callable[..., Any], region: str) -> dict[str, datetime]:
    """What DRS says each recovery instance was launched from, by its source server."""
    pages = make_client(region).get_paginator("describe_recovery_instances").paginate(filters={})
    return {
        i["sourceServerID"]: _when(i["pointInTimeSnapshotDateTime"])
        for page in pages
        for i in page["items"]
    }


def test_a_recovery_launches_each_server_from_its_snapshot_at_or_before_the_point_in_time(
    admin: httpx.Client,
    drive: Drive,
    emulator: Emulator,
    make_client: Callable[..., Any],
) -> None:
    shop = make_plan(admin, "shop", "us-east-1", ["db", "app"])
    moment = _now(emulator) - timedelta(hours=5, minutes=20)  # e.g. just before the attack
    listed = _snapshots(admin, shop["id"])
    assert len(listed) == 5
    expected = {}
    for sid, item in listed.items():
        taken = [(_when(s["takenAt"]), s["snapshotId"]) for s in item["snapshots"]]
        assert taken == sorted(taken, reverse=True), "newest first"
        assert item["count"] >= len(item["snapshots"]) > 1
        expected[sid] = max(t for t in taken if t[0] <= moment)
    # The grid thins: no 10-minute point is kept five hours back, only the hourly ones.
    assert {t.minute for t, _ in expected.values()} == {0}

    answer = _start(admin, shop, pointInTime=moment.isoformat())
    assert answer.status_code == 202, answer.text
    state = drive.until(answer.json()["id"], lambda s: not s.status.active)

    assert state.point_in_time == moment
    assert state.status == "COMPLETED", [(b.key, b.error) for b in state.batches]
    chosen = {
        s.server_id: (s.snapshot_taken_at, s.recovery_snapshot_id) for s in state.servers.values()
    }
    assert chosen == expected
    assert not any(s.snapshot_pinned for s in state.servers.values())
    launched = _launched_from(make_client, "us-east-1")
    assert {sid: launched[sid] for sid in expected} == {sid: t for sid, (t, _) in expected.items()}
    detail = admin.get(f"/executions/{state.id}").json()
    assert _when(detail["pointInTime"]) == moment
    assert {s["recoverySnapshotId"] for s in detail["servers"].values()} == {
        i for _, i in expected.values()
    }
    report = admin.get(f"/executions/{state.id}/report").json()
    assert _when(report["pointInTime"]) == moment
    assert {s["serverId"]: s["recoverySnapshotId"] for s in report["servers"]} == {
        sid: i for sid, (_, i) in expected.items()
    }
    said = [
        e["detail"]["recoverySnapshots"]
        for e in report["transitions"]
        if "recoverySnapshots" in e["detail"]
    ]
    assert [{line.partition(":")[0] for line in d} for d in said] == [
        {s for s in expected if state.servers[s].wave == wave} for wave in ("DB", "APP")
    ]


def test_a_snapshot_chosen_for_one_server_launches_it_and_the_rest_from_their_latest_data(
    admin: httpx.Client,
    drive: Drive,
    emulator: Emulator,
    make_client: Callable[..., Any],
) -> None:
    shop = make_plan(admin, "shop", "us-east-1", ["db"])
    listed = _snapshots(admin, shop["id"])
    first, other = sorted(listed)
    oldest = listed[first]["snapshots"][-1]
    answer = _start(admin, shop, snapshots={first: oldest["snapshotId"]})
    assert answer.status_code == 202, answer.text
    state = drive.until(answer.json()["id"], lambda s: not s.status.active)

    pinned = state.servers[first]
    assert (pinned.recovery_snapshot_id, pinned.snapshot_pinned) == (oldest["snapshotId"], True)
    assert state.servers[other].recovery_snapshot_id is None
    launched = _launched_from(make_client, "us-east-1")
    assert launched[first] == _when(oldest["takenAt"])
    assert launched[other] >= state.servers[other].started_at  # an on-demand snapshot of now
    audit = admin.get(
        "/audit", params={"resourceType": "execution", "resourceId": state.id}
    ).json()["items"]
    started = next(a for a in audit if a["action"] == "start-recovery")
    assert started["after"]["snapshots"] == {first: oldest["snapshotId"]}


def test_a_point_in_time_is_asked_again_when_a_later_wave_starts(
    admin: httpx.Client,
    drive: Drive,
    emulator: Emulator,
) -> None:
    """A 10-minute point is kept an hour: a wave that starts two hours later launches from
    the hourly point at or before the same moment, not from a snapshot DRS no longer has."""
    wait = [{"type": "wait", "durationSeconds": 7200}]
    shop = make_plan(admin, "shop", "us-east-1", ["db", "app"], {1: wait})
    moment = _now(emulator) - timedelta(minutes=15)
    answer = _start(admin, shop, pointInTime=moment.isoformat())
    assert answer.status_code == 202, answer.text
    state = drive.until(answer.json()["id"], lambda s: not s.status.active)
    assert state.status == "COMPLETED", state.status

    taken = {w: {s.snapshot_taken_at for s in state.servers_of(w)} for w in ("DB", "APP")}
    (db,), (app,) = taken["DB"], taken["APP"]
    assert db is not None
    assert app is not None
    assert db.minute % 10 == 0, "a 10-minute point"
    assert db > moment - timedelta(minutes=10)
    hour = moment.replace(minute=0, second=0, microsecond=0)
    assert hour <= app < hour + timedelta(minutes=1), "the hourly point (taken a little after)"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"pointInTime": "2099-01-01T00:00:00Z"}, 400, "POINT_IN_TIME_IN_FUTURE", "pointInTime"),
        ({"pointInTime": "2001-01-01T00:00:00Z"}, 400, "NO_RECOVERY_SNAPSHOT", "pointInTime"),
        ({"pointInTime": "2001-01-01T00:00:00"}, 400, "VALIDATION_FAILED", "pointInTime"),
        (
            {"snapshots": {"s-000000000000000ff": "pit-000000000000000ff"}},
            400,
            "SERVER_NOT_IN_EXECUTION",
            "snapshots.s-000000000000000ff",
        ),
        ({"snapshots": {"s-1": "pit-1"}}, 400, "VALIDATION_FAILED", None),
    ],
)
def test_what_cannot_be_launched_from_is_refused_and_nothing_starts(
    admin: httpx.Client,
    body: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
) -> None:
    shop = make_plan(admin, "shop", "us-east-1", ["db"])
    answer = _start(admin, shop, **body)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    if field is not None:
        assert field in {e["field"] for e in answer.json()["errors"]}
    assert admin.get("/executions").json()["items"] == []


def test_an_unknown_snapshot_is_named_with_the_servers_latest(admin: httpx.Client) -> None:
    shop = make_plan(admin, "shop", "us-east-1", ["db"])
    listed = _snapshots(admin, shop["id"])
    sid = sorted(listed)[0]
    answer = _start(admin, shop, snapshots={sid: "pit-" + "0" * 17})
    assert (answer.status_code, answer.json()["code"]) == (400, "UNKNOWN_RECOVERY_SNAPSHOT")
    (error,) = answer.json()["errors"]
    assert error["field"] == f"snapshots.{sid}"
    assert listed[sid]["snapshots"][0]["snapshotId"] in error["message"]
    audit = admin.get(
        "/audit", params={"resourceType": "recovery-plan", "resourceId": shop["id"]}
    ).json()["items"]
    assert [a["after"]["code"] for a in audit if a["action"] == "start-recovery-refused"] == [
        "UNKNOWN_RECOVERY_SNAPSHOT"
    ]


def test_a_server_that_never_synced_cannot_launch_from_a_point_in_time(
    admin: httpx.Client, emulator: Emulator
) -> None:
    reporting = make_plan(admin, "reporting", "us-west-2", ["web"])
    moment = _now(emulator) - timedelta(minutes=1)
    answer = _start(admin, reporting, pointInTime=moment.isoformat())
    assert (answer.status_code, answer.json()["code"]) == (400, "NO_RECOVERY_SNAPSHOT")
    assert "rpt-web-01" in answer.json()["detail"]
    assert "no recovery snapshot yet" in answer.json()["detail"]


def test_a_failback_launches_the_reversed_server_from_the_snapshot_chosen_for_the_plans(
    admin: httpx.Client,
    drive: Drive,
    services: Services,
    *,
    emulator: Emulator,
    make_client: Callable[..., Any],
) -> None:
    """A failback names the plan's servers; what it launches, and the snapshots it may
    launch from, are their reversed source servers' at the origin."""
    shop = make_plan(admin, "shop", "us-east-1", ["db"])
    recovery = _start(admin, shop)
    assert recovery.status_code == 202, recovery.text
    drive.until(recovery.json()["id"], lambda s: not s.status.active)
    assert admin.post(f"/recovery-plans/{shop['id']}/reprotect", json={}).status_code == 202
    services.site.settle()
    emulator.advance(2 * 3600)  # past the initial sync back, snapshots taken on the way
    listed = _snapshots(admin, shop["id"], mode="FAILBACK")
    first = sorted(listed)[0]
    reversed_id = listed[first]["launchedServerId"]
    assert reversed_id != first
    assert listed[first]["region"] == "us-west-2"
    chosen = listed[first]["snapshots"][-1]

    answer = _start(admin, shop, mode="FAILBACK", snapshots={first: chosen["snapshotId"]})

    assert answer.status_code == 202, answer.text
    state = drive.until(answer.json()["id"], lambda s: not s.status.active)
    assert state.status == "COMPLETED"
    pinned = state.servers[reversed_id]
    assert (pinned.recovery_snapshot_id, pinned.brings_home) == (chosen["snapshotId"], first)
    assert _launched_from(make_client, "us-west-2")[reversed_id] == _when(chosen["takenAt"])
