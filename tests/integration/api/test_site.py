"""A plan's round trip over HTTP: its site state read from executions and DRS, and the
reprotect that replicates its recovered servers back, run against the emulator on its
manual clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.store import sites, workers
from tests.helpers import inject
from tests.integration.drive import Drive
from tests.integration.plans import make_plan

pytestmark = pytest.mark.integration
LONG = 2 * 3600.0  # past the demo's initial sync back


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def services(engine_services: Services) -> Services:
    return engine_services


@pytest.fixture
def plan(admin: httpx.Client) -> Callable[[str, str, list[str]], dict[str, Any]]:
    return lambda app, region, tiers: make_plan(admin, app, region, tiers)


def _site(client: httpx.Client, plan_id: str) -> dict[str, Any]:
    answer = client.get(f"/recovery-plans/{plan_id}/site-state")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _recover(client: httpx.Client, drive: Drive, shop: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(
        f"/recovery-plans/{shop['id']}/executions",
        json={"mode": "RECOVERY", "confirmPlanName": shop["name"]},
    )
    assert answer.status_code == 202, answer.text
    drive.until(answer.json()["id"], lambda s: not s.status.active)
    return dict(answer.json())


def _reprotect(client: httpx.Client, plan_id: str, **body: Any) -> httpx.Response:
    return client.post(f"/recovery-plans/{plan_id}/reprotect", json=body)


def _path(answer: httpx.Response) -> str:
    """A URL the API gave, relative to the client's base (which ends in /api/v1)."""
    return str(answer.json()["url"]).removeprefix("/api/v1")


def _lint(client: httpx.Client, plan_id: str) -> Counter[str]:
    """The plan's lint findings, counted by code."""
    answer = client.get(f"/recovery-plans/{plan_id}/lint")
    assert answer.status_code == 200, answer.text
    return Counter(f["code"] for f in answer.json()["findings"])


def _audit(client: httpx.Client, plan_id: str) -> list[dict[str, Any]]:
    found = client.get(
        "/audit", params={"resourceType": "recovery-plan", "resourceId": plan_id}
    ).json()["items"]
    return [a for a in found if a["action"].startswith("reprotect")]


def test_a_recovered_plan_is_reprotected_and_its_site_state_follows_drs(
    admin: httpx.Client,
    plan: Callable[[str, str, list[str]], dict[str, Any]],
    drive: Drive,
    services: Services,
    emulator: Emulator,
) -> None:
    shop = plan("shop", "us-east-1", ["db", "app", "web"])
    before = _site(admin, shop["id"])
    assert (before["state"], before["nextActions"], before["since"]) == (
        "PROTECTED",
        ["recover"],
        None,
    )
    assert {s["leg"] for s in before["servers"]} == {"NOT_RECOVERED"}
    too_soon = _reprotect(admin, shop["id"])
    assert (too_soon.status_code, too_soon.json()["code"]) == (409, "SITE_STATE_CONFLICT")

    recovery = _recover(admin, drive, shop)

    recovered = _site(admin, shop["id"])
    assert recovered["state"] == "RECOVERED"
    assert recovered["movedBy"] == recovery["id"]
    assert recovered["legs"] == {"RECOVERED": len(recovered["servers"])}
    assert recovered["nextActions"] == ["recover", "reprotect"]
    assert [e["event"] for e in recovered["timeline"]] == ["RECOVERY_STARTED", "RECOVERY_ENDED"]
    # Lint checks its failback now: nothing replicates back (not "clean up the drill").
    assert _lint(admin, shop["id"]) == {
        "FAILBACK_NOT_REPLICATING": len(recovered["servers"]),
        "SITE_AWAY": 1,
    }
    unknown = _reprotect(admin, shop["id"], waves=["DB", "Nope"])
    assert unknown.status_code == 400
    assert [(e["field"], e["code"]) for e in unknown.json()["errors"]] == [
        ("waves[1]", "WAVE_NOT_FOUND")
    ]
    assert _site(admin, shop["id"])["state"] == "RECOVERED"  # the refusal changed nothing

    started = _reprotect(admin, shop["id"])

    assert started.status_code == 202, started.text
    assert started.headers["Location"] == started.json()["url"]
    services.site.settle()
    done = admin.get(_path(started)).json()
    assert (done["state"], done["reversed"], done["skipped"], done["failed"]) == (
        "COMPLETED",
        len(recovered["servers"]),
        0,
        0,
    )
    assert all(c["reversedSourceServerArn"].startswith("arn:aws:drs:") for c in done["calls"])
    # Wave by wave in dependency order: every DB server before any APP server.
    waves = {s["sourceServerId"]: s["wave"] for s in recovered["servers"]}
    order = [waves[c["sourceServerId"]] for c in done["calls"]]
    assert order == sorted(order, key=["DB", "APP", "WEB"].index)
    assert emulator.counts["ReverseReplication"] == len(recovered["servers"])
    reprotecting = _site(admin, shop["id"])
    assert reprotecting["state"] == "REPROTECTING"
    assert reprotecting["blocking"], "nothing replicates back continuously yet"
    again = admin.post(
        f"/recovery-plans/{shop['id']}/executions",
        json={"mode": "RECOVERY", "confirmPlanName": shop["name"]},
    )
    assert (again.status_code, again.json()["code"]) == (409, "SITE_STATE_CONFLICT")

    emulator.advance(LONG)

    ready = _site(admin, shop["id"])
    assert ready["state"] == "REPROTECTED"
    assert ready["legs"] == {"READY": len(recovered["servers"])}
    assert ready["blocking"] == []
    assert _lint(admin, shop["id"]) == {"SITE_AWAY": 1}
    assert ready["nextActions"] == ["failback", "failback-drill"]
    assert all(s["replication"] == "CONTINUOUS" for s in ready["servers"])
    assert {s["reversedRegion"] for s in ready["servers"]} == {"us-west-2"}
    assert [e["event"] for e in ready["timeline"]][2:] == [
        "REPROTECT_STARTED",
        "REPLICATION_SYNCED",
    ]
    assert ready["timeline"][2]["actor"] == "admin"
    audited = _audit(admin, shop["id"])  # newest first
    assert [a["action"] for a in audited] == [
        "reprotect",
        "reprotect-refused",
        "reprotect-refused",
    ]
    assert audited[0]["after"]["servers"] == len(recovered["servers"])
    assert [a["after"]["code"] for a in audited[1:]] == [
        unknown.json()["code"],
        "SITE_STATE_CONFLICT",
    ]


def test_a_reprotect_of_some_waves_leaves_the_rest_for_later(
    admin: httpx.Client,
    plan: Callable[[str, str, list[str]], dict[str, Any]],
    drive: Drive,
    services: Services,
    emulator: Emulator,
) -> None:
    shop = plan("shop", "us-east-1", ["db", "app", "web"])
    _recover(admin, drive, shop)

    first = _reprotect(admin, shop["id"], waves=["DB"])
    services.site.settle()
    emulator.advance(LONG)

    partly = _site(admin, shop["id"])
    db = [s for s in partly["servers"] if s["wave"] == "DB"]
    assert admin.get(_path(first)).json()["reversed"] == len(db)
    assert {s["leg"] for s in db} == {"READY"}
    assert {s["leg"] for s in partly["servers"] if s["wave"] != "DB"} == {"RECOVERED"}
    assert partly["state"] == "REPROTECTING"  # not every server replicates back
    assert len(partly["blocking"]) == len(partly["servers"]) - len(db)

    rest = _reprotect(admin, shop["id"], waves=["APP", "WEB"])
    assert rest.status_code == 202, rest.text
    services.site.settle()
    emulator.advance(LONG)
    assert _site(admin, shop["id"])["state"] == "REPROTECTED"
    assert emulator.counts["ReverseReplication"] == len(partly["servers"])


def test_a_second_reprotect_while_one_runs_is_refused(
    admin: httpx.Client,
    plan: Callable[[str, str, list[str]], dict[str, Any]],
    drive: Drive,
    services: Services,
) -> None:
    shop = plan("shop", "us-east-1", ["db"])
    _recover(admin, drive, shop)
    with services.ctx.write() as conn:  # one a stopped process left running
        sites.insert_reprotect(
            conn,
            reprotect_id="left-running",
            plan_id=shop["id"],
            waves=None,
            servers=2,
            actor="admin",
            now=services.executions.now(),
            owner=services.site.owner,
        )

    refused = _reprotect(admin, shop["id"])

    assert (refused.status_code, refused.json()["code"]) == (409, "REPROTECT_IN_PROGRESS")
    assert refused.json()["reprotectId"] == "left-running"
    site = _site(admin, shop["id"])
    assert site["state"] == "RECOVERED"  # nothing moved
    assert site["reprotect"]["id"] == "left-running"
    audited = _audit(admin, shop["id"])
    assert [(a["action"], a["after"]["code"]) for a in audited] == [
        ("reprotect-refused", "REPROTECT_IN_PROGRESS")
    ]


def test_a_reprotect_resumed_after_a_crash_calls_drs_once_per_server(
    admin: httpx.Client,
    plan: Callable[[str, str, list[str]], dict[str, Any]],
    *,
    drive: Drive,
    services: Services,
    emulator: Emulator,
    make_client: Callable[..., Any],
) -> None:
    shop = plan("shop", "us-east-1", ["db"])
    _recover(admin, drive, shop)
    first, second = _site(admin, shop["id"])["servers"]
    held = services.site.refresh(shop["id"])
    now = services.executions.now()
    # What a process killed mid-way leaves: the reprotect started, both intents stored, the
    # first server's ReverseReplication made, the second's not yet.
    with services.ctx.write() as conn:
        sites.insert_reprotect(
            conn,
            reprotect_id="crashed",
            plan_id=shop["id"],
            waves=None,
            servers=2,
            actor="admin",
            now=now,
            owner="worker-b",
        )
        sites.move(
            conn,
            shop["id"],
            held,
            event="REPROTECT_STARTED",
            new="REPROTECTING",
            at=now,
            actor="admin",
            moved_by="crashed",
        )
        for server in (first, second):
            sites.record_intent(
                conn,
                "crashed",
                server_id=server["sourceServerId"],
                recovery_instance_id=server["recoveryInstanceId"],
                place=(server["accountId"], server["region"]),
                now=now,
            )
    make_client("us-east-1").reverse_replication(recoveryInstanceID=first["recoveryInstanceId"])
    beat = datetime.now(UTC)
    with services.ctx.write() as conn:
        workers.beat(conn, "worker-b", beat)  # the worker that started it is alive
    assert services.site.resume() == []  # so it is left to that worker
    with services.ctx.write() as conn:
        workers.beat(conn, "worker-b", beat - timedelta(minutes=5))  # its heart stopped

    assert services.site.resume() == ["crashed"]
    services.site.settle()

    done = admin.get(f"/recovery-plans/{shop['id']}/reprotects/crashed").json()
    outcomes = {c["sourceServerId"]: (c["outcome"], c["detail"]) for c in done["calls"]}
    assert outcomes == {
        first["sourceServerId"]: ("REVERSED", "found after a restart"),
        second["sourceServerId"]: ("REVERSED", None),
    }
    assert done["state"] == "COMPLETED"
    assert emulator.counts["ReverseReplication"] == 2  # one each: none repeated
    emulator.advance(LONG)
    assert _site(admin, shop["id"])["state"] == "REPROTECTED"


def test_on_premises_origins_are_skipped_until_the_failback_client_replicates_them(
    admin: httpx.Client,
    plan: Callable[[str, str, list[str]], dict[str, Any]],
    *,
    drive: Drive,
    services: Services,
    emulator: Emulator,
    endpoint: str,
) -> None:
    emulator.scenario.timing.failbackClientBootSeconds = None  # nobody boots the client
    inject(emulator, {"kind": "failFailback", "hostname": "rpt-db-01"})
    report = plan("reporting", "us-west-2", ["db"])
    _recover(admin, drive, report)

    started = _reprotect(admin, report["id"])
    services.site.settle()

    done = admin.get(_path(started)).json()
    assert done["reversed"] == 0
    assert done["skipped"] == len(done["calls"]) > 0
    assert all("Failback Client" in c["detail"] for c in done["calls"])
    assert emulator.counts["ReverseReplication"] == 0
    waiting = _site(admin, report["id"])
    assert waiting["state"] == "REPROTECTING"
    assert {s["origin"] for s in waiting["servers"]} == {"ON_PREMISES"}
    assert {s["leg"] for s in waiting["servers"]} == {"AWAITING_CLIENT"}
    assert _lint(admin, report["id"])["FAILBACK_CLIENT_NOT_SEEN"] == len(waiting["servers"])

    booted = httpx.post(
        f"{endpoint}/_emulator/failback-clients",
        json={
            "region": "us-west-2",
            "recoveryInstanceIDs": [s["recoveryInstanceId"] for s in waiting["servers"]],
        },
    )
    assert booted.status_code == 200, booted.text
    emulator.advance(LONG)

    after = _site(admin, report["id"])
    by_host = {s["hostname"]: s for s in after["servers"]}
    assert by_host["rpt-db-01"]["error"], "DRS's FailbackReplicationError is shown"
    assert after["state"] == "REPROTECTING"
    assert [b for b in after["blocking"] if b.startswith("rpt-db-01")]
    assert not [b for b in after["blocking"] if not b.startswith("rpt-db-01")]
    stalled = [
        f
        for f in admin.get(f"/recovery-plans/{report['id']}/lint").json()["findings"]
        if f["severity"] == "error"
    ]
    assert [f["code"] for f in stalled] == ["FAILBACK_REPLICATION_STALLED"]
    assert stalled[0]["message"].startswith("rpt-db-01")
    assert by_host["rpt-db-01"]["error"] in stalled[0]["message"]


def _hooked_plan(admin: httpx.Client, app: str, region: str, tiers: list[str]) -> dict[str, Any]:
    """A plan whose first wave waits for an approval during a failback only, and has a hook
    of the failover's (no `modes`) that a failback must not run."""
    hooks: list[dict[str, Any]] = [
        {"type": "wait", "durationSeconds": 600},  # the failover's: DRILL and RECOVERY
        {
            "type": "manualApproval",
            "message": "Is the primary site back?",
            "approverRole": "recovery-admin",
            "modes": ["FAILBACK"],
        },
    ]
    return make_plan(admin, app, region, tiers, {0: hooks})


def _fail_back(client: httpx.Client, shop: dict[str, Any], **body: Any) -> httpx.Response:
    return client.post(
        f"/recovery-plans/{shop['id']}/executions", json={"mode": "FAILBACK", **body}
    )


def test_a_reprotected_plan_rehearses_and_fails_back_home_wave_by_wave(
    admin: httpx.Client,
    as_role: Callable[[str], httpx.Client],
    drive: Drive,
    *,
    services: Services,
    emulator: Emulator,
) -> None:
    """The round trip: recovery, reprotect, a failback drill, the failback with its
    approval, and protection in the original direction again."""
    shop = _hooked_plan(admin, "shop", "us-east-1", ["db", "app", "web"])
    not_yet = _fail_back(admin, shop, confirmPlanName=shop["name"])
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "SITE_STATE_CONFLICT")
    homes = _reprotected(admin, drive, services, emulator, shop)
    operator = as_role("operator")
    _rehearse(operator, admin, drive, shop, homes)
    final = _fail_home(admin, operator, drive=drive, emulator=emulator, shop=shop, homes=homes)
    _protect_again(admin, services, emulator=emulator, shop=shop, homes=homes, final=final)


def _reprotected(
    admin: httpx.Client,
    drive: Drive,
    services: Services,
    emulator: Emulator,
    shop: dict[str, Any],
) -> dict[str, str]:
    """Recovered and replicating back continuously: each server's reversed source server."""
    recovery = _recover(admin, drive, shop)
    waited = admin.get(f"/executions/{recovery['id']}").json()["waves"][0]["hooks"]
    assert [h["hook"]["type"] for h in waited] == ["wait"]  # not the failback's approval
    _reprotect(admin, shop["id"])
    services.site.settle()
    emulator.advance(LONG)
    ready = _site(admin, shop["id"])
    assert ready["state"] == "REPROTECTED"
    return {s["sourceServerId"]: s["reversedSourceServerId"] for s in ready["servers"]}


def _rehearse(
    operator: httpx.Client,
    admin: httpx.Client,
    drive: Drive,
    shop: dict[str, Any],
    homes: dict[str, str],
) -> None:
    rehearsal = operator.post(
        f"/recovery-plans/{shop['id']}/executions", json={"mode": "FAILBACK_DRILL"}
    )
    assert rehearsal.status_code == 202, rehearsal.text
    drilled = drive.until(rehearsal.json()["id"], lambda s: not s.status.active)
    assert drilled.status == "COMPLETED"
    assert {s.region for s in drilled.servers.values()} == {"us-west-2"}
    assert {s.brings_home for s in drilled.servers.values()} == set(homes)
    assert [h.hook.type for h in drilled.waves[0].hooks] == []  # neither hook names the drill
    cleaned = admin.post(f"/executions/{rehearsal.json()['id']}/cleanup")
    assert cleaned.status_code == 200, cleaned.text
    drive.until(rehearsal.json()["id"], lambda s: s.cleanup == "COMPLETED")
    assert _site(admin, shop["id"])["state"] == "REPROTECTED"  # a drill moves nothing


def _fail_home(
    admin: httpx.Client,
    operator: httpx.Client,
    *,
    drive: Drive,
    emulator: Emulator,
    shop: dict[str, Any],
    homes: dict[str, str],
) -> ExecutionState:
    launches = emulator.counts["StartRecovery"]

    refused = _fail_back(operator, shop, confirmPlanName=shop["name"])
    unconfirmed = _fail_back(admin, shop)
    started = _fail_back(admin, shop, confirmPlanName=shop["name"])

    assert refused.status_code == 403
    assert (unconfirmed.status_code, unconfirmed.json()["code"]) == (400, "RECOVERY_NOT_CONFIRMED")
    assert "failback" in unconfirmed.json()["detail"]
    assert started.status_code == 202, started.text
    failback_id = started.json()["id"]
    failing = _site(admin, shop["id"])
    assert (failing["state"], failing["movedBy"]) == ("FAILING_BACK", failback_id)
    execution = admin.get(f"/executions/{failback_id}").json()
    assert execution["mode"] == "FAILBACK"
    assert [h["hook"]["type"] for h in execution["waves"][0]["hooks"]] == ["manualApproval"]
    launched = execution["servers"]
    assert set(launched) == set(homes.values())  # the reversed servers, not the plan's
    assert {s["region"] for s in launched.values()} == {"us-west-2"}
    assert emulator.counts["StartRecovery"] == launches  # nothing before the approval

    drive.until(failback_id, lambda s: s.wave("DB").status == "AWAITING_APPROVAL")
    approved = admin.post(f"/executions/{failback_id}/approve", json={"wave": "DB"})
    assert approved.status_code == 200, approved.text
    final = drive.until(failback_id, lambda s: not s.status.active)

    assert final.status == "COMPLETED"
    assert {s.brings_home: s.server_id for s in final.servers.values()} == homes
    assert emulator.counts["StartRecovery"] == launches + 3  # one per wave, at the origin
    home = _site(admin, shop["id"])
    assert home["state"] == "FAILED_BACK"
    assert home["legs"] == {"FAILED_BACK": len(homes)}
    assert [e["event"] for e in home["timeline"]][-2:] == ["FAILBACK_STARTED", "FAILBACK_ENDED"]
    assert home["timeline"][-1]["movedBy"] == failback_id
    report = admin.get(f"/executions/{failback_id}/report", params={"format": "json"})
    assert report.status_code == 200
    assert report.json()["mode"] == "FAILBACK"
    trip = report.json()["roundTrip"]  # under way: home, not yet protected again
    assert (trip["complete"], trip["endedAt"]) == (False, None)
    assert [s["new"] for s in trip["steps"]][-2:] == ["FAILING_BACK", "FAILED_BACK"]
    assert trip["steps"][-1]["heldSeconds"] is None
    again = _fail_back(admin, shop, confirmPlanName=shop["name"])
    assert (again.status_code, again.json()["code"]) == (409, "SITE_STATE_CONFLICT")
    assert home["nextActions"] == ["reprotect"]
    early = admin.post(f"/recovery-plans/{shop['id']}/release-recovery-instances")
    assert (early.status_code, early.json()["code"]) == (409, "SITE_STATE_CONFLICT")
    assert emulator.counts["StopFailback"] == 0
    return final


def _protect_again(
    admin: httpx.Client,
    services: Services,
    *,
    emulator: Emulator,
    shop: dict[str, Any],
    homes: dict[str, str],
    final: ExecutionState,
) -> None:
    restore = _reprotect(admin, shop["id"])  # in the original direction now

    assert restore.status_code == 202, restore.text
    services.site.settle()
    calls = admin.get(_path(restore)).json()["calls"]
    assert {c["region"] for c in calls} == {"us-west-2"}  # called at the origin
    assert {c["recoveryInstanceId"] for c in calls} == {
        s.recovery_instance_id for s in final.servers.values()
    }
    plan_arns = {f"arn:aws:drs:us-east-1:{c['accountId']}:source-server/" for c in calls}
    assert all(any(c["reversedSourceServerArn"].startswith(p) for p in plan_arns) for c in calls)
    assert {c["reversedSourceServerArn"].rpartition("/")[2] for c in calls} == set(homes)
    restoring = _site(admin, shop["id"])
    assert restoring["state"] == "RESTORING"
    assert set(restoring["legs"]) == {"PROTECTING"}
    emulator.advance(LONG)
    protected = _site(admin, shop["id"])
    assert protected["state"] == "PROTECTED"
    assert protected["legs"] == {"PROTECTED": len(homes)}
    assert [e["event"] for e in protected["timeline"]] == [
        "RECOVERY_STARTED",
        "RECOVERY_ENDED",
        "REPROTECT_STARTED",
        "REPLICATION_SYNCED",
        "FAILBACK_STARTED",
        "FAILBACK_ENDED",
        "REPROTECT_STARTED",
        "REPLICATION_SYNCED",
    ]
    assert emulator.counts["ReverseReplication"] == 2 * len(homes)
    _round_trip_reported(admin, protected, failback_id=final.id)
    _release(admin, emulator, protected)


def _release(admin: httpx.Client, emulator: Emulator, protected: dict[str, Any]) -> None:
    """Home and protected: the recovery-region instances leave DRS (their replication back
    stopped with the re-protect); asking again calls nothing."""
    path = f"/recovery-plans/{protected['planId']}/release-recovery-instances"
    instances = {s["recoveryInstanceId"] for s in protected["servers"]}
    assert None not in instances
    gone = admin.post(path)
    assert gone.status_code == 200, gone.text
    assert (gone.json()["released"], gone.json()["failed"]) == (len(instances), 0)
    assert {s["recoveryInstanceId"] for s in gone.json()["servers"]} == instances
    assert {tuple(s["calls"]) for s in gone.json()["servers"]} == {("DisconnectRecoveryInstance",)}
    assert emulator.counts["DisconnectRecoveryInstance"] == len(instances)
    assert emulator.counts["StopFailback"] == 0  # the re-protect stopped it already

    after = _site(admin, protected["planId"])
    assert after["state"] == "PROTECTED"
    assert {s["recoveryInstanceId"] for s in after["servers"]} == {None}
    assert after["legs"] == {"PROTECTED": len(instances)}  # home, as before
    again = admin.post(path).json()
    assert (again["released"], again["skipped"]) == (0, len(instances))
    assert emulator.counts["DisconnectRecoveryInstance"] == len(instances)
    logged = admin.get("/audit", params={"resourceId": protected["planId"]}).json()["items"]
    ended = [e["after"] for e in logged if e["action"] == "release-recovery-instances-ended"]
    assert [e["RELEASED"] for e in ended] == [0, len(instances)]  # newest first


def _round_trip_reported(admin: httpx.Client, protected: dict[str, Any], failback_id: str) -> None:
    """The recovery's report and the failback's tell the same incident, end to end."""
    recovery_id = protected["timeline"][0]["movedBy"]
    trips = [
        admin.get(f"/executions/{e}/report", params={"format": "json"}).json()["roundTrip"]
        for e in (recovery_id, failback_id)
    ]
    assert trips[0] == trips[1]
    trip = trips[0]
    assert trip["complete"] is True
    assert [s["event"] for s in trip["steps"]] == [e["event"] for e in protected["timeline"]]
    assert (trip["startedAt"], trip["endedAt"]) == (
        protected["timeline"][0]["at"],
        protected["timeline"][-1]["at"],
    )
    held = [s["heldSeconds"] for s in trip["steps"]]
    assert held[-1] is None
    assert sum(held[:-1]) == trip["durationSeconds"]
    page = admin.get(f"/executions/{failback_id}/report", params={"format": "html"}).text
    assert "Round trip" in page
    assert "From the recovery to protected again" in page
    assert page.count('class="this"') == 2  # the failback's start and its end


def _restart_clients(
    make_client: Callable[..., Any], endpoint: str, site: dict[str, Any], launch_type: str
) -> None:
    """The operator on premises stops each machine's failback (in DRS's console) and boots
    its DRS Failback Client again for another kind of launch."""
    west = make_client("us-west-2")
    for server in site["servers"]:
        west.stop_failback(recoveryInstanceID=server["recoveryInstanceId"])
    booted = httpx.post(
        f"{endpoint}/_emulator/failback-clients",
        json={
            "region": "us-west-2",
            "recoveryInstanceIDs": [s["recoveryInstanceId"] for s in site["servers"]],
            "launchType": launch_type,
        },
    )
    assert booted.status_code == 200, booted.text


def test_an_on_premises_plan_fails_back_through_its_failback_clients(
    admin: httpx.Client,
    drive: Drive,
    *,
    services: Services,
    emulator: Emulator,
    endpoint: str,
    make_client: Callable[..., Any],
) -> None:
    """The round trip on premises: the clients replicate back, a drill of the failback, the
    failback with its approval (StartFailbackLaunch, once per wave), protected again."""
    report = _hooked_plan(admin, "reporting", "us-west-2", ["db", "app"])
    _recover(admin, drive, report)
    _reprotect(admin, report["id"])
    services.site.settle()
    emulator.advance(LONG)  # the demo's operator boots each client (for a RECOVERY) first
    ready = _site(admin, report["id"])
    assert ready["state"] == "REPROTECTED"
    assert emulator.counts["ReverseReplication"] == 0

    restart = lambda kind: _restart_clients(make_client, endpoint, ready, kind)  # noqa: E731
    _rehearse_on_premises(admin, drive, emulator=emulator, restart=restart, report=report)
    restart("RECOVERY")
    emulator.advance(LONG)
    final = _fail_home_on_premises(admin, drive, emulator=emulator, report=report)

    restore = _reprotect(admin, report["id"])
    assert restore.status_code == 202, restore.text
    services.site.settle()
    protected = _site(admin, report["id"])
    assert protected["state"] == "PROTECTED"
    assert protected["legs"] == {"PROTECTED": len(final.servers)}
    assert [e["event"] for e in protected["timeline"]][-4:] == [
        "FAILBACK_STARTED",
        "FAILBACK_ENDED",
        "REPROTECT_STARTED",
        "REPLICATION_SYNCED",
    ]
    assert emulator.counts["ReverseReplication"] == 0  # on premises, DRS's agent protects
    released = admin.post(f"/recovery-plans/{report['id']}/release-recovery-instances").json()
    assert released["released"] == len(final.servers)
    assert emulator.counts["DisconnectRecoveryInstance"] == len(final.servers)
    assert _site(admin, report["id"])["state"] == "PROTECTED"


def _rehearse_on_premises(
    admin: httpx.Client,
    drive: Drive,
    *,
    emulator: Emulator,
    restart: Callable[[str], None],
    report: dict[str, Any],
) -> None:
    """A drill needs clients started for a DRILL launch; it moves nothing."""
    refused = admin.post(
        f"/recovery-plans/{report['id']}/executions", json={"mode": "FAILBACK_DRILL"}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "FAILBACK_NOT_READY")
    assert "this needs DRILL" in refused.json()["detail"]
    restart("DRILL")
    emulator.advance(LONG)
    linted = admin.get(f"/recovery-plans/{report['id']}/lint").json()
    assert linted["ok"], "a drill may run, not a failback"
    assert linted["warnings"] == len(_site(admin, report["id"])["servers"])
    assert {f["code"] for f in linted["findings"]} == {"FAILBACK_CLIENT_LAUNCH_TYPE", "SITE_AWAY"}

    rehearsal = admin.post(
        f"/recovery-plans/{report['id']}/executions", json={"mode": "FAILBACK_DRILL"}
    )
    assert rehearsal.status_code == 202, rehearsal.text
    drilled = drive.until(rehearsal.json()["id"], lambda s: not s.status.active)

    assert drilled.status == "COMPLETED"
    assert emulator.counts["StartFailbackLaunch"] == 2  # one per wave
    assert all(s.landed and s.recovery_instance_id is None for s in drilled.servers.values())
    still = _site(admin, report["id"])
    assert still["state"] == "REPROTECTED"
    assert "this needs RECOVERY" in " ".join(still["blocking"])
    assert {s["failbackLaunchType"] for s in still["servers"]} == {"DRILL"}


def _fail_home_on_premises(
    admin: httpx.Client, drive: Drive, *, emulator: Emulator, report: dict[str, Any]
) -> ExecutionState:
    recoveries = emulator.counts["StartRecovery"]
    moment = datetime.fromtimestamp(emulator.clock.now(), UTC) - timedelta(hours=1)
    pinned = _fail_back(
        admin, report, confirmPlanName=report["name"], pointInTime=moment.isoformat()
    )
    assert (pinned.status_code, pinned.json()["code"]) == (400, "SNAPSHOT_NOT_ON_PREMISES")
    assert pinned.json()["errors"][0]["field"] == "pointInTime"

    started = _fail_back(admin, report, confirmPlanName=report["name"])
    assert started.status_code == 202, started.text
    failback_id = started.json()["id"]
    drive.until(failback_id, lambda s: s.wave("DB").status == "AWAITING_APPROVAL")
    assert emulator.counts["StartFailbackLaunch"] == 2  # the drill's: nothing before approval
    approved = admin.post(f"/executions/{failback_id}/approve", json={"wave": "DB"})
    assert approved.status_code == 200, approved.text
    final = drive.until(failback_id, lambda s: not s.status.active)

    assert final.status == "COMPLETED"
    assert emulator.counts["StartFailbackLaunch"] == 4
    assert emulator.counts["StartRecovery"] == recoveries
    assert {s.brings_home for s in final.servers.values()} == set(final.servers)
    assert all(s.failback_instance_id for s in final.servers.values())
    home = _site(admin, report["id"])
    assert home["state"] == "FAILED_BACK"
    assert home["legs"] == {"PROTECTED": len(final.servers)}  # their agents replicate again
    assert home["nextActions"] == ["reprotect"]
    evidence = admin.get(f"/executions/{failback_id}/report", params={"format": "json"})
    assert evidence.json()["mode"] == "FAILBACK"
    return final
