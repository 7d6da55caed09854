"""The CLI as real processes against a real API server (the engine on the emulator's manual
clock, moved by the test): with a terminal (a pseudo-terminal) and without one (a pipe, as
`run Shop --wait > file` has)."""

from __future__ import annotations

import json
import os
import pty
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import httpx
import pytest

from drs_orchestrator.api.services import Services
from tests.integration.conftest import ADMIN_PASSWORD
from tests.integration.drive import Drive

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "drs_orchestrator.cli.main"]
Cli = Callable[..., subprocess.CompletedProcess[str]]
Start = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def services(engine_services: Services) -> Services:
    return engine_services


@pytest.fixture
def env(tmp_path: Path, api_url: str) -> dict[str, str]:
    values = {**os.environ, "DRSO_CONFIG_DIR": str(tmp_path / "config"), "COLUMNS": "200"}
    values.pop("DRSO_TOKEN", None)
    values["DRSO_API_URL"] = api_url
    return values


@pytest.fixture
def cli(env: dict[str, str], tmp_path: Path) -> Cli:
    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=env, cwd=tmp_path, input=input, capture_output=True,
            text=True, timeout=120, check=False,
        )  # fmt: skip

    signed = run("login", "--username", "admin", "--password", ADMIN_PASSWORD)
    assert signed.returncode == 0, signed.stderr
    shop = tmp_path / "shop.yaml"
    shop.write_text(resources.files("drs_orchestrator.cli").joinpath("shop-plan.yaml").read_text())
    applied = run("plan", "apply", "-f", str(shop), "--yes")
    assert applied.returncode == 0, applied.stderr
    return run


class Reader:
    """What a process writes, line by line or as a growing text, read on a thread (a read
    blocks until the process writes: that is the synchronisation, no sleeping)."""

    def __init__(self, read: Callable[[], bytes]) -> None:
        self.chunks: queue.Queue[bytes] = queue.Queue()
        self.text = ""
        self.thread = threading.Thread(target=self._pump, args=(read,), daemon=True)
        self.thread.start()

    def _pump(self, read: Callable[[], bytes]) -> None:
        while True:
            try:
                chunk = read()
            except OSError:  # the pseudo-terminal closes with the process
                chunk = b""
            self.chunks.put(chunk)
            if not chunk:
                return

    def until(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        while not (found := re.search(pattern, self.text)):
            chunk = self.chunks.get(timeout=timeout)
            if not chunk:
                raise AssertionError(f"ended without {pattern!r}:\n{self.text}")
            self.text += chunk.decode(errors="replace")
        return found


@pytest.fixture
def follower(env: dict[str, str], tmp_path: Path) -> Iterator[Start]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, **streams: object) -> subprocess.Popen[bytes]:
        process: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
            [*CLI, *args], env=env, cwd=tmp_path, **streams
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_without_a_terminal_run_wait_prints_the_id_at_once_and_a_line_per_transition(
    cli: Cli, drive: Drive, follower: Start
) -> None:
    process = follower("run", "Shop", "--wait", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    out = Reader(process.stdout.readline)
    started = out.until(r"Started drill (\S+) of Shop")  # before the drill has moved at all
    execution_id = started.group(1)

    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    hint = out.until(r"to approve: .*executions approve (\S+) --wave Application")
    assert hint.group(1) == execution_id
    approved = cli("executions", "approve", execution_id)  # the only gate waiting: no --wave
    assert approved.returncode == 0, approved.stderr
    final = drive.until(execution_id, lambda s: not s.status.active)
    out.until(r"ended: Completed")
    out.until(rf"Next: .*report {execution_id}")
    assert process.wait(timeout=60) == 0

    text = out.text
    assert "Wave Databases: Not started -> Waiting" in text
    assert re.search(r"Wave Application: [A-Za-z -]+ -> Awaiting approval", text)
    for batch in final.batches:
        assert batch.job_id
        assert batch.job_id in text  # DRS jobs as DRS names them ...
        assert batch.key not in text  # ... never by the internal batch key
    assert "Server shop-db-01: " in text  # servers by hostname
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+  ", text, re.M)  # zone named
    assert f"executions cleanup {execution_id}" in text  # what to type next
    assert "\x1b[" not in text  # no terminal codes in a file


def test_on_a_terminal_run_wait_shows_the_live_table_and_the_command_to_type(
    cli: Cli, drive: Drive, follower: Start
) -> None:
    master, slave = pty.openpty()
    process = follower("run", "Shop", "--wait", stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    screen = Reader(lambda: os.read(master, 65536))
    try:
        execution_id = screen.until(r"Started drill (\S+) of Shop").group(1)
        drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
        screen.until(rf"Next: .*executions approve {execution_id} --wave Application")
        screen.until(r"Awaiting approval")  # the table, in words
        approved = cli("executions", "approve", execution_id, "--wave", "application")
        assert approved.returncode == 0, approved.stderr  # wave names in any case
        drive.until(execution_id, lambda s: not s.status.active)
        screen.until(r"ended: Completed")
        assert process.wait(timeout=60) == 0
    finally:
        os.close(master)
    assert "\x1b[" in screen.text  # it was drawn live, as a terminal shows it


def test_steering_and_reporting_say_what_they_did(cli: Cli, drive: Drive, tmp_path: Path) -> None:
    execution_id = json.loads(cli("run", "Shop", "--json").stdout)["id"]
    drive.settle()
    none_waiting = cli("executions", "approve", execution_id)
    assert none_waiting.returncode == 1
    assert "NO_PENDING_APPROVAL" in none_waiting.stderr
    no_wave = cli("executions", "approve", execution_id, "--wave", "Nope")
    assert "WAVE_NOT_FOUND" in no_wave.stderr
    assert "Databases, Application, Web" in no_wave.stderr
    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    assert cli("executions", "approve", execution_id).returncode == 0
    final = drive.until(execution_id, lambda s: not s.status.active)

    reported = cli("report", execution_id)
    assert reported.returncode == 0, reported.stderr
    assert "<html" not in reported.stdout  # a summary, not the page
    assert "Drill of Shop (version 1): Completed" in reported.stdout
    assert "Clean-up: Not cleaned up — 9 recovery instances still running" in reported.stdout
    assert "Drill of “Shop”" in (tmp_path / f"report-{execution_id}.html").read_text()

    cleaned = cli("executions", "cleanup", execution_id)
    assert cleaned.returncode == 0, cleaned.stderr
    instances = sorted(s.ec2_instance_id or "" for s in final.servers.values())
    assert all(i.startswith("i-") for i in instances)
    assert f"terminates 9 recovery instances: {', '.join(instances)}" in cleaned.stdout


def test_errors_have_codes_and_print_as_written(cli: Cli) -> None:
    missing = cli("run", "NoSuchPlan")
    assert missing.returncode == 1
    assert "PLAN_NOT_FOUND: No recovery plan named 'NoSuchPlan'" in missing.stderr
    region = cli("servers", "--region", "Mars-1")
    assert region.returncode == 1
    assert "[a-z]" in region.stderr  # the region pattern's brackets are not eaten as markup
    assert "Traceback" not in missing.stderr + region.stderr
    version = cli("--version")
    assert re.fullmatch(r"drs-orchestrator \d+\.\d+\.\d+\S*\n", version.stdout)


def test_the_rto_estimate_reads_as_the_api_and_lint_say_it(cli: Cli, admin: httpx.Client) -> None:
    (plan,) = admin.get("/recovery-plans").json()["items"]
    estimate = admin.get(f"/recovery-plans/{plan['id']}/rto-estimate").json()

    shown = cli("plan", "rto-estimate", "shop")

    assert shown.returncode == 0, shown.stderr
    assert f"Shop: {estimate['text']} along Databases -> Application -> Web" in shown.stdout
    assert " to " in estimate["text"]  # DRS's usual times: a range, in durations
    assert not re.search(r"\d\.\d", shown.stdout)  # never "66.8 min (66.8-66.8)"
    assert "the target is 1 h 30 min" in shown.stdout


def test_a_table_printed_to_a_pipe_keeps_words_and_ids_whole(
    cli: Cli, env: dict[str, str], tmp_path: Path, admin: httpx.Client
) -> None:
    """Without COLUMNS, rich would fold a pipe's tables to 80 columns ("CONTINUOU S")."""
    narrow = {k: v for k, v in env.items() if k != "COLUMNS"}
    listed = subprocess.run(
        [*CLI, "servers", "--region", "us-east-1"], env=narrow, cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    ids = [
        s["sourceServerId"]
        for s in admin.get("/drs/source-servers?region=us-east-1").json()["items"]
    ]
    assert ids
    for server_id in ids:
        assert server_id in listed.stdout
    assert "continuous" in listed.stdout  # the state in words, as the console says it
    assert "CONTINUOUS" not in listed.stdout
