"""An estate whose emulator serves EC2 too (moto's), for launch settings tests: the API's
services on it, boto3 DRS and EC2 clients on it, and its recovery network. Import the
fixtures into a test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator import Emulator, EmulatorThread, parse_scenario
from drs_orchestrator.emulator.ec2 import Network
from tests.integration.conftest import build_services
from tests.integration.drive import Drive, manual_clock
from tests.integration.probe import Settling

ACCOUNT, REGION = "111111111111", "us-east-1"
SCENARIO = {
    "accounts": {
        ACCOUNT: {
            "regions": {
                REGION: {
                    "servers": [
                        {
                            "count": 3,
                            "hostnamePrefix": "db-",
                            "tags": {"App": "shop", "Tier": "db"},
                        },
                        {"hostname": "web-001", "tags": {"App": "shop", "Tier": "web"}},
                    ]
                }
            }
        }
    }
}


def served(scenario: dict[str, Any]) -> Iterator[tuple[Emulator, EmulatorThread]]:
    """An emulator of `scenario` that serves EC2 too, over HTTP until the generator ends (a
    module's own `estate` fixture yields from it)."""
    emulator = Emulator(parse_scenario(scenario), strict=True, ec2=True)
    thread = EmulatorThread(emulator)
    thread.start()
    yield emulator, thread
    thread.stop()


@pytest.fixture(scope="module")
def estate() -> Iterator[tuple[Emulator, EmulatorThread]]:
    yield from served(SCENARIO)


def client(service: str, endpoint: str | None) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCOUNT,
        aws_secret_access_key="emulator",
    )


@pytest.fixture
def aws(
    _api: tuple[Any, str],
    estate: tuple[Emulator, EmulatorThread],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Services, Any, Any]]:
    """The API's services on this module's emulator, and boto3 DRS and EC2 clients on it."""
    emulator, thread = estate
    emulator.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DRS", thread.endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", thread.ec2_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", thread.ec2_endpoint)
    svc = build_services(f"sqlite:///{tmp_path / 'drso.db'}", regions=[REGION])
    svc.users.bootstrap_admin()
    _api[0].state.services = svc
    yield svc, client("drs", thread.endpoint), client("ec2", thread.ec2_endpoint)
    svc.launch_sync.close()
    svc.ctx.engine.dispose()


@pytest.fixture
def network(estate: tuple[Emulator, EmulatorThread], aws: Any) -> Network:
    ec2 = estate[0].ec2
    assert ec2 is not None
    found = ec2.region(ACCOUNT, REGION).network
    assert found is not None
    return found


@pytest.fixture
def engine_on_ec2(
    aws: tuple[Services, Any, Any], estate: tuple[Emulator, EmulatorThread]
) -> Iterator[Drive]:
    """The engine running for `aws`'s services on the emulator's manual clock."""
    svc = aws[0]
    engine = svc.start_engine(manual_clock(estate[0]), poll=False, probe=Settling())
    yield Drive(estate[0], engine)
    svc.stop_engine()


def edit_default(drs: Any, ec2: Any, server_id: str, **changes: Any) -> None:
    """A person changes the server's launch template by hand, in EC2's console: a new
    default version with `changes` (`Groups` is interface 0's security groups)."""
    template = drs.get_launch_configuration(sourceServerID=server_id)["ec2LaunchTemplateID"]
    data = ec2.describe_launch_template_versions(LaunchTemplateId=template, Versions=["$Default"])[
        "LaunchTemplateVersions"
    ][0]["LaunchTemplateData"]
    for name, value in changes.items():
        if name == "Groups":
            data["NetworkInterfaces"][0]["Groups"] = value
        else:
            data[name] = value
    made = ec2.create_launch_template_version(LaunchTemplateId=template, LaunchTemplateData=data)
    number = made["LaunchTemplateVersion"]["VersionNumber"]
    ec2.modify_launch_template(LaunchTemplateId=template, DefaultVersion=str(number))
