"""`run`, `executions ...` and `report` as an operator types them, with the engine running
against the emulator on its manual clock (the test moves time)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from starlette.types import Receive, Scope, Send
from typer.testing import CliRunner, Result

from drs_orchestrator.api.app import create_app
from drs_orchestrator.api.services import Services
from drs_orchestrator.cli.main import app
from drs_orchestrator.cli.main import app as app_cli
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.emulator.server import ServerThread
from drs_orchestrator.engine.core import machine
from tests.integration.conftest import ADMIN_PASSWORD
from tests.integration.drive import Drive

pytestmark = pytest.mark.integration
Run = Callable[..., Result]
ADMIN = frozenset({Role.ADMIN})


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def services(engine_services: Services) -> Services:
    return engine_services


@pytest.fixture
def cli(api_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("DRSO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("DRSO_TOKEN", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    signed = invoke("login", "--username", "admin", "--password", ADMIN_PASSWORD, "--api", api_url)
    assert signed.exit_code == 0, signed.output
    shop = tmp_path / "shop.yaml"
    shop.write_text(resources.files("drs_orchestrator.cli").joinpath("shop-plan.yaml").read_text())
    applied = invoke("plan", "apply", "-f", str(shop), "--yes")
    assert applied.exit_code == 0, applied.output
    return invoke


def test_run_approve_and_report_a_drill(cli: Run, drive: Drive, tmp_path: Path) -> None:
    started = cli("run", "Shop", "--json")
    assert started.exit_code == 0, started.output
    execution_id = json.loads(started.stdout)["id"]

    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    shown = cli("executions", "show", execution_id)
    assert "awaits operator: Databases are up and consistent?" in shown.stdout
    approved = cli("executions", "approve", execution_id, "--wave", "Application")
    assert approved.exit_code == 0, approved.output
    drive.until(execution_id, lambda s: not s.status.active)

    listed = json.loads(cli("executions", "list", "--json").stdout)
    assert [(e["id"], e["status"]) for e in listed] == [(execution_id, "COMPLETED")]
    page = tmp_path / "report.html"
    written = cli("report", execution_id, "-o", str(page))
    assert written.exit_code == 0, written.output
    assert "Drill of “Shop”" in page.read_text()
    assert "approved by admin" in page.read_text()


def test_run_wait_follows_live_and_exits_by_the_outcome(cli: Run, drive: Drive) -> None:
    result: list[Result] = []
    follower = threading.Thread(
        target=lambda: result.append(cli("run", "Shop", "--wait", "--cleanup-after", "30"))
    )
    follower.start()
    execution_id = drive.probe.wait_for_any_execution(drive.engine, timeout=30)
    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    cli("executions", "approve", execution_id, "--wave", "Application")
    drive.until(execution_id, lambda s: not s.status.active)
    follower.join(timeout=30)

    assert not follower.is_alive()
    (done,) = result
    assert done.exit_code == 0, done.output
    assert "ended: Completed" in done.stdout


def test_steering_errors_are_reported_with_their_code(cli: Run, drive: Drive) -> None:
    execution_id = json.loads(cli("run", "Shop", "--json").stdout)["id"]
    drive.settle()

    wrong = cli("executions", "approve", execution_id, "--wave", "Web")
    recovery = cli("run", "Shop", "--mode", "recovery")

    assert wrong.exit_code == 1
    assert "EXECUTION_STATE_CONFLICT (409)" in wrong.stderr
    assert recovery.exit_code == 1
    assert "RECOVERY_NOT_CONFIRMED (400)" in recovery.stderr
    assert cli("run", "Shop", "--mode", "sideways").exit_code == 2


def test_run_wait_survives_a_server_restart(
    services: Services, drive: Drive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resumed_after: list[str] = []
    app = create_app(services)

    async def watching(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/events"):
            headers = dict(scope["headers"])
            if b"last-event-id" in headers:
                resumed_after.append(headers[b"last-event-id"].decode())
        await app(scope, receive, send)

    first = ServerThread(watching, graceful_seconds=1)
    url = first.start() + "/api/v1"
    port = int(url.split(":")[2].split("/")[0])
    monkeypatch.setenv("DRSO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()
    signed = runner.invoke(app_cli, ["login", "--username", "admin", "--password",
                                     ADMIN_PASSWORD, "--api", url])  # fmt: skip
    assert signed.exit_code == 0, signed.output
    shop = tmp_path / "shop.yaml"
    shop.write_text(resources.files("drs_orchestrator.cli").joinpath("shop-plan.yaml").read_text())
    assert runner.invoke(app_cli, ["plan", "apply", "-f", str(shop), "--yes"]).exit_code == 0
    result: list[Result] = []
    follower = threading.Thread(
        target=lambda: result.append(runner.invoke(app_cli, ["run", "Shop", "--wait"]))
    )
    follower.start()
    execution_id = drive.probe.wait_for_any_execution(drive.engine, timeout=30)
    drive.until(execution_id, lambda s: s.wave("Databases").status == "COMPLETED")

    first.stop()  # the server goes away mid-drill; the drill goes on
    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    second = ServerThread(watching, port=port, graceful_seconds=1)
    second.start()
    try:
        drive.engine.command(execution_id, machine.Approve("Application", "admin", ADMIN))
        drive.until(execution_id, lambda s: not s.status.active)
        follower.join(timeout=60)
    finally:
        second.stop()

    assert not follower.is_alive()
    (done,) = result
    assert done.exit_code == 0, done.output
    assert "ended: Completed" in done.stdout
    assert any(int(after) > 0 for after in resumed_after)  # resumed, not started over


def test_a_recovery_is_reprotected_from_the_cli(cli: Run, drive: Drive) -> None:
    before = cli("plan", "site-state", "shop")
    assert before.exit_code == 0, before.output
    assert "Shop: Protected (PROTECTED)" in before.stdout
    assert "Next: recover" in before.stdout
    too_soon = cli("plan", "reprotect", "Shop")
    assert too_soon.exit_code == 1
    assert "SITE_STATE_CONFLICT (409)" in too_soon.stderr

    started = cli("run", "Shop", "--mode", "recovery", "--confirm", "Shop", "--json")
    execution_id = json.loads(started.stdout)["id"]
    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    cli("executions", "approve", execution_id)
    drive.until(execution_id, lambda s: not s.status.active)
    unknown = cli("plan", "reprotect", "Shop", "--wave", "Nope")
    assert unknown.exit_code == 1
    assert "waves[0]: The plan has no wave 'Nope'" in unknown.stderr

    reprotected = cli("plan", "reprotect", "Shop", "--wave", "databases", "--wait", "--json")

    assert reprotected.exit_code == 0, reprotected.output
    done = json.loads(reprotected.stdout)
    assert done["waves"] == ["Databases"]  # the wave's name as the plan spells it
    assert (done["state"], done["reversed"]) == ("COMPLETED", done["servers"])
    assert {c["outcome"] for c in done["calls"]} == {"REVERSED"}
    shown = cli("plan", "site-state", "Shop")
    assert "Shop: Reprotecting (REPROTECTING)" in shown.stdout
    assert f"Reprotect {done['id']} (COMPLETED)" in shown.stdout
    site = json.loads(cli("plan", "site-state", "Shop", "--json").stdout)
    assert {s["leg"] for s in site["servers"] if s["wave"] == "Databases"} == {"REPLICATING_BACK"}


def test_a_reprotected_plan_fails_back_from_the_cli(cli: Run, drive: Drive) -> None:
    started = cli("run", "Shop", "--mode", "recovery", "--confirm", "Shop", "--json")
    recovery_id = json.loads(started.stdout)["id"]
    drive.until(recovery_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    cli("executions", "approve", recovery_id)
    drive.until(recovery_id, lambda s: not s.status.active)
    assert cli("plan", "reprotect", "Shop", "--wait").exit_code == 0
    drive.advance(2 * 3600)
    assert (
        "Shop: Reprotected, ready to fail back (REPROTECTED)"
        in cli("plan", "site-state", "Shop").stdout
    )
    unconfirmed = cli("run", "Shop", "--mode", "failback")
    assert unconfirmed.exit_code == 1
    assert "RECOVERY_NOT_CONFIRMED (400)" in unconfirmed.stderr

    failback = cli("run", "Shop", "--mode", "failback", "--confirm", "Shop", "--json")

    assert failback.exit_code == 0, failback.output
    failback_id = json.loads(failback.stdout)["id"]
    final = drive.until(failback_id, lambda s: not s.status.active)
    assert final.status == "COMPLETED"  # the recovery's approval does not hold a failback
    assert all(s.brings_home for s in final.servers.values())
    shown = cli("executions", "show", failback_id)
    assert "Failback" in shown.stdout
    home = cli("plan", "site-state", "Shop")
    assert "Shop: Failed back, not protected (FAILED_BACK)" in home.stdout
    early = cli("plan", "release", "Shop")
    assert early.exit_code == 1
    assert "SITE_STATE_CONFLICT (409)" in early.stderr

    assert cli("plan", "reprotect", "Shop", "--wait").exit_code == 0
    drive.advance(2 * 3600)
    released = cli("plan", "release", "shop")
    assert released.exit_code == 0, released.output
    assert f"{len(final.servers)} recovery instances released, 0 skipped" in released.stdout
    assert "(DisconnectRecoveryInstance)" in released.stdout
    again = json.loads(cli("plan", "release", "Shop", "--json").stdout)
    assert (again["released"], again["skipped"]) == (0, len(final.servers))


def test_a_recovery_from_a_point_in_time_from_the_cli(cli: Run, drive: Drive) -> None:
    listed = json.loads(cli("plan", "snapshots", "Shop", "--json").stdout)["items"]
    db = next(i for i in listed if i["wave"] == "Databases" and len(i["snapshots"]) > 1)
    older = db["snapshots"][1]  # not the newest: the one an operator picks by hand
    shown = cli("plan", "snapshots", "shop", "--limit", "2")
    assert shown.exit_code == 0, shown.output
    assert "Recovery snapshots of Shop" in shown.stdout
    assert older["snapshotId"] in shown.stdout
    moment = datetime.fromtimestamp(drive.emulator.clock.now() - 3600, UTC)
    pit = moment.strftime("%Y-%m-%dT%H:%MZ")
    recover = ("run", "Shop", "--mode", "recovery", "--confirm", "Shop", "--point-in-time", pit)
    unknown = cli(*recover, "--snapshot", f"nohost={older['snapshotId']}")
    malformed = cli(*recover, "--snapshot", db["hostname"])
    assert (unknown.exit_code, malformed.exit_code) == (2, 2)
    assert "UNKNOWN_SERVER" in unknown.stderr
    assert "INVALID_SNAPSHOT" in malformed.stderr

    started = cli(
        *recover, "--snapshot", f"{db['hostname'].upper()}={older['snapshotId']}", "--json"
    )

    assert started.exit_code == 0, started.output
    execution_id = json.loads(started.stdout)["id"]
    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    cli("executions", "approve", execution_id)
    final = drive.until(execution_id, lambda s: not s.status.active)
    pinned = final.servers[db["sourceServerId"]]
    assert (pinned.recovery_snapshot_id, pinned.snapshot_pinned) == (older["snapshotId"], True)
    others = [s for sid, s in final.servers.items() if sid != db["sourceServerId"]]
    assert others
    assert all(s.snapshot_taken_at is not None and s.snapshot_taken_at <= moment for s in others)
    header = cli("executions", "show", execution_id).stdout
    assert f"point in time {moment.astimezone():%Y-%m-%d %H:%M}" in header
    assert "1 server from a chosen snapshot" in header
