"""The CLI as a user runs it: real processes, real ports, real boto3."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "drs_orchestrator.cli.main"]


@pytest.fixture
def emulator_process() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    process = subprocess.Popen(
        [*CLI, "emulator", "--port", "0", "--clock", "manual", "--strict"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(4)]
    yield process, lines
    process.terminate()
    process.wait(timeout=10)


def test_emulator_command_prints_the_endpoint_and_serves_it(
    emulator_process: tuple[subprocess.Popen[str], list[str]],
) -> None:
    _, lines = emulator_process
    assert "DRS emulator listening on http://127.0.0.1:" in lines[0]
    found = re.search(r"export AWS_ENDPOINT_URL_DRS=(http://127\.0\.0\.1:\d+)", lines[1])
    assert found, lines
    endpoint = found.group(1)
    drs = boto3.client(
        "drs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="111111111111",
        aws_secret_access_key="x",
    )
    assert len(drs.describe_source_servers()["items"]) == 9
    state = httpx.get(f"{endpoint}/_emulator/state").json()
    assert state["clock"]["mode"] == "manual"
    ec2_found = re.search(r"export AWS_ENDPOINT_URL_EC2=(http://127\.0\.0\.1:\d+)", lines[3])
    assert ec2_found, lines
    ec2 = boto3.client(
        "ec2",
        endpoint_url=ec2_found.group(1),
        region_name="us-east-1",
        aws_access_key_id="111111111111",
        aws_secret_access_key="x",
    )
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    assert len(templates) == 9  # one per source server, as DRS makes them


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clock", "sometimes"], "scaled"),
        (["--speed", "-2"], "positive"),
        (["--clock", "manual", "--speed", "5"], "scaled clock"),
        (["--scenario", "missing.yaml"], "no built-in scenario"),
    ],
)
def test_emulator_command_rejects_bad_options(args: list[str], message: str) -> None:
    result = subprocess.run(
        [*CLI, "emulator", "--port", "0", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_emulator_command_loads_a_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "estate.yaml"
    scenario.write_text(
        "accounts:\n  '123456789012':\n    regions:\n      eu-central-1:\n"
        "        servers: [{count: 3, hostnamePrefix: erp-}]\n"
    )
    process = subprocess.Popen(
        [*CLI, "emulator", "--port", "0", "--scenario", str(scenario)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        endpoint = re.search(r"(http://127\.0\.0\.1:\d+)", lines[1])
        assert endpoint
        assert "AWS_ACCESS_KEY_ID=123456789012" in lines[2]
        drs = boto3.client(
            "drs",
            endpoint_url=endpoint.group(1),
            region_name="eu-central-1",
            aws_access_key_id="123456789012",
            aws_secret_access_key="x",
        )
        hosts = [
            s["sourceProperties"]["identificationHints"]["hostname"]
            for s in drs.describe_source_servers()["items"]
        ]
        assert hosts == ["erp-001", "erp-002", "erp-003"]
    finally:
        process.terminate()
        process.wait(timeout=10)
