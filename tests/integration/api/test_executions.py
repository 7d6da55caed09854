"""Executions over HTTP: started, followed and steered through the API, run by the engine
(DBOS workflows) against the emulator on its manual clock."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.scenario import parse_faults
from tests.integration.drive import Drive

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def services(engine_services: Services) -> Services:
    return engine_services


@pytest.fixture
def plan(admin: httpx.Client) -> Callable[..., dict[str, Any]]:
    """Groups per tier of the demo shop and a three-wave plan over them."""

    def make(**waves: dict[str, Any]) -> dict[str, Any]:
        ids = {}
        for tier in ("db", "app", "web"):
            made = admin.post(
                "/protection-groups",
                json={
                    "name": f"Shop {tier}",
                    "region": "us-east-1",
                    "serverSelector": {"tags": {"App": "shop", "Tier": tier}},
                },
            )
            assert made.status_code == 201, made.text
            ids[tier] = made.json()["id"]
        body = {
            "name": "Shop",
            "waves": [
                {"name": n, "protectionGroupIds": [ids[t]], **waves.get(n, {})}
                for n, t in (("DB", "db"), ("App", "app"), ("Web", "web"))
            ],
        }
        made = admin.post("/recovery-plans", json=body)
        assert made.status_code == 201, made.text
        return dict(made.json())

    return make


def start(client: httpx.Client, plan_id: str, **body: Any) -> httpx.Response:
    return client.post(f"/recovery-plans/{plan_id}/executions", json={"mode": "DRILL", **body})


def test_a_drill_started_over_http_runs_to_completion(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive
) -> None:
    shop = plan()

    answer = start(admin, shop["id"])

    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert accepted["url"] == f"/api/v1/executions/{accepted['id']}"
    drive.until(accepted["id"], lambda s: not s.status.active)
    final = admin.get(f"/executions/{accepted['id']}").json()
    assert final["status"] == "COMPLETED"
    assert final["planVersion"] == shop["version"]
    assert [w["status"] for w in final["waves"]] == ["COMPLETED"] * 3
    assert all(s["ec2InstanceId"] for s in final["servers"].values())
    listed = admin.get("/executions", params={"planId": shop["id"], "active": "false"}).json()
    assert [e["id"] for e in listed["items"]] == [accepted["id"]]
    assert admin.get("/executions", params={"active": "true"}).json()["items"] == []


def test_a_recovery_needs_the_role_and_the_plan_name(
    admin: httpx.Client,
    as_role: Callable[[str], httpx.Client],
    plan: Callable[..., dict[str, Any]],
) -> None:
    shop = plan()

    operator = start(as_role("operator"), shop["id"], mode="RECOVERY", confirmPlanName="Shop")
    unconfirmed = start(admin, shop["id"], mode="RECOVERY")
    wrong_name = start(admin, shop["id"], mode="RECOVERY", confirmPlanName="shop")
    started = start(as_role("recovery-admin"), shop["id"], mode="RECOVERY", confirmPlanName="Shop")

    assert operator.status_code == 403
    assert unconfirmed.status_code == wrong_name.status_code == 400
    assert unconfirmed.json()["errors"][0]["field"] == "confirmPlanName"
    assert unconfirmed.json()["code"] == "RECOVERY_NOT_CONFIRMED"
    assert started.status_code == 202, started.text
    execution = admin.get(f"/executions/{started.json()['id']}").json()
    assert execution["mode"] == "RECOVERY"
    assert execution["initiatedBy"] == "user-recovery-admin"


def test_the_mode_table_says_who_may_start_what_and_the_start_agrees(
    as_role: Callable[[str], httpx.Client],
    plan: Callable[..., dict[str, Any]],
) -> None:
    shop = plan()
    seen = {}
    for role in ("viewer", "operator", "recovery-admin"):
        client = as_role(role)
        rows = client.get("/modes").json()["items"]
        seen[role] = {r["mode"]: r["mayStart"] for r in rows}
        for row in rows:
            asked = {"confirmPlanName": "Shop"} if row["confirmPlanName"] else {}
            answer = start(client, shop["id"], mode=row["mode"], **asked)
            # Once one has started, the others meet its servers (409): refused, but not forbidden.
            assert (answer.status_code != 403) == row["mayStart"], (role, row, answer.text)

    assert seen == {
        "viewer": {"DRILL": False, "RECOVERY": False, "FAILBACK": False, "FAILBACK_DRILL": False},
        "operator": {"DRILL": True, "RECOVERY": False, "FAILBACK": False, "FAILBACK_DRILL": True},
        "recovery-admin": {
            "DRILL": True,
            "RECOVERY": True,
            "FAILBACK": True,
            "FAILBACK_DRILL": True,
        },
    }
    rows = {r["mode"]: r for r in as_role("viewer").get("/modes").json()["items"]}
    assert (rows["RECOVERY"]["confirmPlanName"], rows["RECOVERY"]["keepsInstances"]) == (True, True)
    assert (rows["DRILL"]["confirmPlanName"], rows["DRILL"]["scheduledCleanup"]) == (False, True)
    assert (rows["FAILBACK"]["confirmPlanName"], rows["FAILBACK"]["keepsInstances"]) == (True, True)
    assert {m: r["siteAction"] for m, r in rows.items()} == {
        "DRILL": None,  # a drill moves no site state
        "RECOVERY": "recover",
        "FAILBACK": "failback",
        "FAILBACK_DRILL": "failback-drill",
    }


def test_servers_in_a_running_execution_cannot_be_started_again(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive
) -> None:
    shop = plan()
    first = start(admin, shop["id"]).json()

    second = start(admin, shop["id"])
    deleted = admin.delete(f"/recovery-plans/{shop['id']}")

    assert second.status_code == 409
    assert second.json()["code"] == "SERVERS_IN_ACTIVE_EXECUTION"
    assert second.json()["executionIds"] == [first["id"]]
    assert deleted.status_code == 409
    assert deleted.json()["code"] == "PLAN_HAS_ACTIVE_EXECUTIONS"
    assert first["id"] in deleted.json()["detail"]
    drive.until(first["id"], lambda s: not s.status.active)
    assert start(admin, shop["id"]).status_code == 202  # the servers are free again


def test_approvals_check_the_approver_role_and_the_wave(
    admin: httpx.Client,
    as_role: Callable[[str], httpx.Client],
    plan: Callable[..., dict[str, Any]],
    drive: Drive,
) -> None:
    gate = {"type": "manualApproval", "message": "DB ok?", "approverRole": "recovery-admin"}
    shop = plan(App={"preHooks": [gate]})
    execution_id = start(admin, shop["id"]).json()["id"]
    drive.until(execution_id, lambda s: s.wave("App").status == "AWAITING_APPROVAL")
    pending = admin.get(f"/executions/{execution_id}").json()["pendingApprovals"]
    assert [(p["wave"], p["approverRole"], p["message"]) for p in pending] == [
        ("App", "recovery-admin", "DB ok?")
    ]
    url = f"/executions/{execution_id}/approve"

    by_viewer = as_role("viewer").post(url, json={"wave": "App"})
    by_operator = as_role("operator").post(url, json={"wave": "App"})
    wrong_wave = admin.post(url, json={"wave": "Nope"})
    not_waiting = admin.post(url, json={"wave": "Web"})
    approved = as_role("recovery-admin").post(url, json={"wave": "App"})

    assert by_viewer.status_code == 403
    assert (by_operator.status_code, by_operator.json()["code"]) == (403, "APPROVER_ROLE_REQUIRED")
    assert (wrong_wave.status_code, wrong_wave.json()["code"]) == (404, "WAVE_NOT_FOUND")
    assert (not_waiting.status_code, not_waiting.json()["code"]) == (
        409,
        "EXECUTION_STATE_CONFLICT",
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["pendingApprovals"] == []
    final = drive.until(execution_id, lambda s: not s.status.active)
    assert final.status == "COMPLETED"


def test_pause_holds_the_next_wave_and_resume_releases_it(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive, emulator: Emulator
) -> None:
    execution_id = start(admin, plan()["id"]).json()["id"]
    drive.settle()

    paused = admin.post(f"/executions/{execution_id}/pause")
    drive.until(execution_id, lambda s: s.wave("DB").status == "COMPLETED")
    drive.advance(3600)

    assert paused.json()["status"] == "PAUSED"
    assert admin.get(f"/executions/{execution_id}").json()["waves"][1]["status"] == "WAITING"
    assert emulator.counts["StartRecovery"] == 1
    assert admin.post(f"/executions/{execution_id}/pause").status_code == 409
    resumed = admin.post(f"/executions/{execution_id}/resume")
    assert resumed.json()["status"] == "RUNNING"
    assert drive.until(execution_id, lambda s: not s.status.active).status == "COMPLETED"


def test_a_failed_server_fails_its_wave_with_drs_reason_and_retry_recovers(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive, emulator: Emulator
) -> None:
    emulator.set_faults(
        parse_faults(
            {
                "faults": [
                    {
                        "kind": "failServer",
                        "hostname": "shop-db-02",
                        "phase": "CONVERSION",
                        "rawError": "disk conversion failed",
                        "count": 1,
                    }
                ]
            }
        )
    )
    execution_id = start(admin, plan()["id"]).json()["id"]

    failed = drive.until(execution_id, lambda s: not s.status.active)

    assert failed.status == "FAILED"
    assert "disk conversion failed" in (failed.wave("DB").failure or "")
    assert [w.status for w in failed.waves] == ["FAILED", "CANCELLED", "CANCELLED"]
    retried = admin.post(f"/executions/{execution_id}/retry-wave", json={"wave": "DB"})
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "RUNNING"
    final = drive.until(execution_id, lambda s: not s.status.active)
    assert final.status == "COMPLETED"
    assert emulator.counts["StartRecovery"] == 4  # DB, DB again (one server), App, Web


def test_cancel_with_terminate_cleans_up_what_was_launched(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive, emulator: Emulator
) -> None:
    execution_id = start(admin, plan()["id"]).json()["id"]
    drive.settle()

    cancelled = admin.post(f"/executions/{execution_id}/cancel", json={"terminate": True})

    assert cancelled.json()["status"] == "CANCELLING"
    final = drive.until(execution_id, lambda s: not s.status.active and s.cleanup == "COMPLETED")
    assert final.status == "CANCELLED"
    assert [w.status for w in final.waves] == ["CANCELLED"] * 3
    db = [s for s in final.servers.values() if s.wave == "DB"]
    assert {s.status for s in db} == {"TERMINATED"}
    assert emulator.counts["StartRecovery"] == 1
    assert emulator.counts["TerminateRecoveryInstances"] == 1
    again = admin.post(f"/executions/{execution_id}/cleanup")
    assert (again.status_code, again.json()["code"]) == (409, "EXECUTION_STATE_CONFLICT")


def read_events(client: httpx.Client, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Server-sent events until `end`: [{event, id, data}]."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with client.stream("GET", url, headers=headers, timeout=60) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if not line:
                if current:
                    events.append(current)
                    if current.get("event") == "end":
                        return events
                current = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(": ")
                current[key] = json.loads(value) if key == "data" else value
    return events


def test_events_stream_every_transition_live_and_resume_after_last_event_id(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive
) -> None:
    execution_id = start(admin, plan()["id"]).json()["id"]
    url = f"/executions/{execution_id}/events"
    received: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: received.extend(read_events(admin, url, {})))
    reader.start()

    drive.until(execution_id, lambda s: not s.status.active)
    reader.join(timeout=30)

    assert not reader.is_alive()
    *events, end = received
    assert end == {"event": "end", "data": {"status": "COMPLETED"}}
    assert [int(e["id"]) for e in events] == list(range(len(events)))
    waves = [(e["data"]["subject"], e["data"]["new"]) for e in events if e["event"] == "wave"]
    assert waves.index(("DB", "COMPLETED")) < waves.index(("App", "LAUNCHING"))
    assert waves[-1] == ("Web", "COMPLETED")
    assert events[-1]["data"]["new"] == "COMPLETED"  # the execution's own last transition
    resumed = read_events(admin, url, {"Last-Event-ID": events[-3]["id"]})
    assert [e.get("id") for e in resumed] == [events[-2]["id"], events[-1]["id"], None]
    assert admin.get("/executions/nope/events").status_code == 404


def test_the_report_holds_the_evidence_in_json_and_html(
    admin: httpx.Client,
    as_role: Callable[[str], httpx.Client],
    plan: Callable[..., dict[str, Any]],
    drive: Drive,
) -> None:
    gate = {"type": "manualApproval", "message": "DB <consistent>?"}
    shop = plan(App={"preHooks": [gate]})
    admin.put(
        f"/recovery-plans/{shop['id']}",
        json={"name": "Shop", "waves": shop["waves"], "rtoTargetMinutes": 240},
        headers={"If-Match": f'"{shop["version"]}"'},
    ).raise_for_status()
    execution_id = start(admin, shop["id"]).json()["id"]
    drive.until(execution_id, lambda s: s.wave("App").status == "AWAITING_APPROVAL")
    as_role("operator").post(f"/executions/{execution_id}/approve", json={"wave": "App"})
    final = drive.until(execution_id, lambda s: not s.status.active)

    report = as_role("viewer").get(f"/executions/{execution_id}/report").json()

    assert report["status"] == "COMPLETED"
    assert report["planVersion"] == 2
    assert final.started_at is not None
    last = max(w.ended_at for w in final.waves if w.ended_at)
    assert report["measuredRtoSeconds"] == (last - final.started_at).total_seconds()
    assert report["rtoMet"] is (report["measuredRtoSeconds"] <= 240 * 60)
    assert [(a["wave"], a["approvedBy"]) for a in report["approvals"]] == [("App", "user-operator")]
    assert report["failures"] == []
    for server in report["servers"]:
        if server["hostname"] != "shop-web-04":  # stalled: launched from an earlier snapshot
            assert server["phases"]["snapshot"] is not None
        assert server["phases"]["launch"] is not None
        assert server["ec2InstanceId"]
    assert [t["seq"] for t in report["transitions"]] == list(range(len(report["transitions"])))
    page = admin.get(f"/executions/{execution_id}/report", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    # the report's own policy: its one inline style, by hash, and nothing else at all
    policy = page.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "frame-ancestors 'none'" in policy
    digest = re.search(r"'sha256-([^']+)'", policy)
    style = re.search(r"<style>(.*?)</style>", page.text, re.DOTALL)
    assert digest
    assert style
    assert base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode() == (
        digest.group(1)
    )
    assert "Drill of “Shop” (version 2)" in page.text
    assert "approved by user-operator" in page.text
    assert "DB &lt;consistent&gt;?" in page.text  # escaped, never markup
    assert "against a target of 4 h:" in page.text  # one duration format, as the console's
    # One name for each thing: DRS job IDs as DRS gives them, hooks by type, labels not codes.
    assert final.batches
    for batch in final.batches:
        assert batch.key not in page.text
        assert (batch.job_id or "").startswith("drsjob-")
        assert f"<code>{batch.job_id}</code>" in page.text
    assert "App: before launch, Manual approval" in page.text
    assert "/pre/0" not in page.text
    assert ">Ready<" in page.text
    assert ">READY<" not in page.text
    assert not re.search(r"\d min 0\d s", page.text)  # never zero-padded
    names = {t["subjectName"] for t in report["transitions"] if t["kind"] == "hook"}
    assert names == {"App: before launch, Manual approval"}
    assert [h["name"] for h in report["hooks"]] == ["Manual approval"]
    assert (
        admin.get(f"/executions/{execution_id}/report", params={"format": "pdf"}).status_code == 400
    )


def test_the_rto_estimate_learns_from_past_drills(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive
) -> None:
    shop = plan()
    before = admin.get(f"/recovery-plans/{shop['id']}/rto-estimate").json()
    assert {w["source"] for w in before["waves"]} == {"default"}
    assert before["executions"] == 0

    execution_id = start(admin, shop["id"]).json()["id"]
    final = drive.until(execution_id, lambda s: not s.status.active)
    after = admin.get(f"/recovery-plans/{shop['id']}/rto-estimate").json()

    assert after["executions"] == 1
    assert after["criticalPath"] == ["DB", "App", "Web"]
    for wave, estimate in zip(final.waves, after["waves"], strict=True):
        assert wave.launch_started_at is not None
        assert wave.ended_at is not None
        took = (wave.ended_at - wave.launch_started_at).total_seconds() / 60
        assert (estimate["source"], estimate["samples"]) == ("this plan", 1)
        assert estimate["p50Minutes"] == round(took, 1)
    assert after["p50Minutes"] == pytest.approx(
        sum(w["p50Minutes"] for w in after["waves"]), abs=0.2
    )
    assert " to " in before["text"]  # DRS's usual times: a range
    assert " to " not in after["text"]  # one past drill: no range of one value
    assert admin.get("/recovery-plans/nope/rto-estimate").status_code == 404


Active = list[tuple[str, str]]


def read_active(client: httpx.Client, done: Callable[[list[Active]], bool]) -> list[Active]:
    """What /executions/live pushes, [(plan, status)] a document, until `done` holds."""
    seen: list[Active] = []
    with client.stream("GET", "/executions/live", timeout=60) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith("data: "):
                items = json.loads(line.removeprefix("data: "))["items"]
                seen.append([(e["planName"], e["status"]) for e in items])
                if done(seen):
                    break
    return seen


def test_active_executions_are_pushed_as_they_start_and_end(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive
) -> None:
    plan_id = plan()["id"]
    received: list[Active] = []
    opened = threading.Event()

    def ended(seen: list[Active]) -> bool:
        opened.set()
        return len(seen) > 1 and seen[-1] == []

    reader = threading.Thread(target=lambda: received.extend(read_active(admin, ended)))
    reader.start()
    assert opened.wait(30)
    execution_id = start(admin, plan_id).json()["id"]
    drive.until(execution_id, lambda s: not s.status.active)
    reader.join(timeout=30)

    assert not reader.is_alive()
    assert received[0] == []  # nothing ran when the stream opened
    assert [("Shop", "RUNNING")] in received  # pushed while it ran, on the same stream
    assert received[-1] == []  # ended: no longer active


def test_every_follower_of_the_active_executions_shares_one_reader(
    admin: httpx.Client,
    plan: Callable[..., dict[str, Any]],
    drive: Drive,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve consoles showing the active executions cost the database what one does: the
    list is read once per change, and each of them receives the same documents."""
    reads: list[int] = []
    versions_page = services.executions.versions_page

    def counted(filters: Any, limit: int, cursor: str | None) -> Any:
        reads.append(1)
        return versions_page(filters, limit, cursor)

    monkeypatch.setattr(services.executions, "versions_page", counted)
    shop = plan()["id"]

    def followed_by(followers: int) -> tuple[int, list[list[Active]]]:
        reads.clear()
        received: list[list[Active]] = [[] for _ in range(followers)]
        joined = threading.Semaphore(0)

        def ended(seen: list[Active]) -> bool:
            if len(seen) == 1:
                joined.release()
            return len(seen) > 1 and seen[-1] == []

        readers = [threading.Thread(target=lambda r=r: r.extend(read_active(admin, ended)))
                   for r in received]  # fmt: skip
        for reader in readers:
            reader.start()
        for _ in readers:
            assert joined.acquire(timeout=30), "a follower did not receive the first document"
        execution_id = start(admin, shop).json()["id"]
        drive.until(execution_id, lambda s: not s.status.active)
        for reader in readers:
            reader.join(timeout=30)
        assert not any(r.is_alive() for r in readers)
        return len(reads), received

    one, _ = followed_by(1)
    many, received = followed_by(12)

    assert all(r[0] == [] and r[-1] == [] for r in received)
    assert all([("Shop", "RUNNING")] in r for r in received)
    assert many <= one + 4, f"12 followers read the list {many} times, one follower {one}"


def test_plan_readiness_shows_the_last_drill_and_its_measured_rto(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive
) -> None:
    made = plan()
    admin.put(
        f"/recovery-plans/{made['id']}",
        json={"name": "Shop", "rtoTargetMinutes": 240, "waves": made["waves"]},
        headers={"If-Match": '"1"'},
    )
    before = admin.get("/readiness/plans").json()["items"]
    assert [(p["name"], p["lastDrill"], p["lintErrors"]) for p in before] == [("Shop", None, 0)]
    execution_id = start(admin, made["id"]).json()["id"]
    drive.until(execution_id, lambda s: not s.status.active)
    (after,) = admin.get("/readiness/plans").json()["items"]
    report = admin.get(f"/executions/{execution_id}/report").json()
    assert after["lastDrill"]["id"] == after["lastExecution"]["id"] == execution_id
    assert after["lastDrill"]["active"] is False
    assert after["lastDrill"]["wavesDone"] == 3
    assert after["lastDrillRtoSeconds"] == report["measuredRtoSeconds"] > 0
    assert after["lastDrillRtoMet"] is True
    assert after["rtoTargetMinutes"] == 240


def test_every_start_command_and_refusal_is_audited_with_who_and_why(
    admin: httpx.Client,
    as_role: Callable[[str], httpx.Client],
    plan: Callable[..., dict[str, Any]],
    drive: Drive,
) -> None:
    shop = plan(App={"pauseBefore": True})
    operator = as_role("operator")

    refused = operator.post(
        f"/recovery-plans/{shop['id']}/executions",
        json={"mode": "RECOVERY", "confirmPlanName": "Shop", "reason": "region down"},
    )
    assert refused.status_code == 403
    unconfirmed = admin.post(
        f"/recovery-plans/{shop['id']}/executions", json={"mode": "RECOVERY", "reason": "test"}
    )
    assert unconfirmed.json()["code"] == "RECOVERY_NOT_CONFIRMED"
    drill = start(operator, shop["id"], reason="quarterly drill").json()["id"]
    drive.until(drill, lambda s: s.wave("App").status == "WAITING" and s.status == "PAUSED")
    assert operator.post(f"/executions/{drill}/pause").json()["code"] == "EXECUTION_STATE_CONFLICT"
    resumed = operator.post(f"/executions/{drill}/resume", json={"reason": "DB checked"})
    assert resumed.status_code == 200, resumed.text

    entries = admin.get("/audit", params={"limit": 20}).json()["items"]
    seen = [(e["actor"], e["action"], e["resourceId"]) for e in reversed(entries)]
    assert seen[-5:] == [
        ("user-operator", "start-recovery-refused", shop["id"]),
        ("admin", "start-recovery-refused", shop["id"]),
        ("user-operator", "start-drill", drill),
        ("user-operator", "pause-refused", drill),
        ("user-operator", "resume", drill),
    ]
    by_action = {e["action"]: e for e in entries}
    assert by_action["start-drill"]["after"]["reason"] == "quarterly drill"
    assert by_action["start-drill"]["after"]["planVersion"] == shop["version"]
    assert by_action["start-recovery-refused"]["after"]["code"] in {
        "FORBIDDEN",
        "RECOVERY_NOT_CONFIRMED",
    }
    assert by_action["pause-refused"]["after"]["code"] == "EXECUTION_STATE_CONFLICT"
    assert by_action["resume"]["after"] == {"reason": "DB checked"}
    assert by_action["resume"]["before"]["status"] == "PAUSED"


def test_allowed_commands_follow_the_state_and_the_caller_s_roles(
    admin: httpx.Client,
    as_role: Callable[[str], httpx.Client],
    plan: Callable[..., dict[str, Any]],
    drive: Drive,
) -> None:
    gate = {"type": "manualApproval", "message": "DB ok?", "approverRole": "recovery-admin"}
    execution_id = start(admin, plan(App={"preHooks": [gate]})["id"]).json()["id"]
    drive.until(execution_id, lambda s: s.wave("App").status == "AWAITING_APPROVAL")
    url = f"/executions/{execution_id}"

    def offered(client: httpx.Client) -> tuple[list[str], dict[str, list[str]], bool]:
        e = client.get(url).json()
        waves = {w["name"]: w["allowedCommands"] for w in e["waves"]}
        return e["allowedCommands"], waves, e["mayTerminate"]

    assert offered(admin) == (
        ["pause", "cancel"], {"DB": [], "App": ["approve", "skip-wave"], "Web": ["skip-wave"]}, True
    )  # fmt: skip
    assert offered(as_role("operator")) == (
        ["pause", "cancel"], {"DB": [], "App": ["skip-wave"], "Web": ["skip-wave"]}, True
    )  # fmt: skip
    assert offered(as_role("viewer")) == ([], {"DB": [], "App": [], "Web": []}, False)

    assert admin.post(f"{url}/pause").json()["allowedCommands"] == ["resume", "cancel"]
    cancelled = admin.post(f"{url}/cancel", json={"terminate": False}).json()
    drive.until(execution_id, lambda s: not s.status.active)
    final = admin.get(url).json()

    assert cancelled["allowedCommands"] == ["cleanup"]  # DB's instances run
    assert final["status"] == "CANCELLED"
    assert final["pausedReason"] is None
    assert "pauseRequested" not in final
    assert final["allowedCommands"] == ["cleanup"]
    refused = admin.post(f"{url}/resume")
    assert (refused.status_code, refused.json()["code"]) == (409, "EXECUTION_STATE_CONFLICT")


def test_every_follower_of_an_execution_shares_one_reader_of_its_events(
    admin: httpx.Client,
    plan: Callable[..., dict[str, Any]],
    drive: Drive,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve followers cost the database what one does: one events query per change."""
    reads: list[str] = []
    events_after = services.executions.events_after

    def counted(execution_id: str, after: int, limit: int = 500) -> list[Any]:
        reads.append(execution_id)
        return events_after(execution_id, after, limit)

    monkeypatch.setattr(services.executions, "events_after", counted)
    shop = plan()["id"]

    def followed_by(followers: int) -> tuple[int, list[list[dict[str, Any]]]]:
        execution_id = start(admin, shop).json()["id"]
        url = f"/executions/{execution_id}/events"
        received: list[list[dict[str, Any]]] = [[] for _ in range(followers)]
        readers = [threading.Thread(target=lambda r=r: r.extend(read_events(admin, url, {})))
                   for r in received]  # fmt: skip
        for reader in readers:
            reader.start()
        polled = threading.Event()  # never set: each wait is a 10 ms pause between checks
        while services.feeds.following(execution_id) < followers:
            assert any(r.is_alive() for r in readers), "a follower ended before it joined"
            polled.wait(0.01)
        drive.until(execution_id, lambda s: not s.status.active)
        for reader in readers:
            reader.join(timeout=30)
        assert services.feeds.following(execution_id) == 0  # the reader left with them
        return reads.count(execution_id), received

    one, _ = followed_by(1)
    many, received = followed_by(12)

    assert all(r == received[0] for r in received)
    assert received[0][-1] == {"event": "end", "data": {"status": "COMPLETED"}}
    assert many <= one + 4, f"12 followers read the events {many} times, one follower {one}"


def test_a_kept_detail_is_read_again_once_the_execution_changes(
    admin: httpx.Client, plan: Callable[..., dict[str, Any]], drive: Drive
) -> None:
    execution_id = start(admin, plan()["id"]).json()["id"]
    drive.settle()
    url = f"/executions/{execution_id}"
    first, again = admin.get(url), admin.get(url)
    assert first.content == again.content  # kept: the same bytes
    assert first.json()["status"] == "RUNNING"
    admin.post(f"{url}/pause")
    assert admin.get(url).json()["status"] == "PAUSED"
    wrong = admin.get(url, params={"serverCursor": "s-00000000000000000"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "serverCursor"
    assert admin.get(url).json()["serversNextCursor"] is None  # 6 servers: one page
