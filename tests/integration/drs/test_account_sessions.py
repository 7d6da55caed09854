"""Reaching DRS in other accounts by assuming a role: STS is moto's, served on loopback; DRS
is the emulator. Proves the role, session name and external ID are the configured ones and
that DRS calls are signed with the assumed credentials."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from drs_orchestrator.domain.errors import DrsUnavailable, InvalidInput
from drs_orchestrator.drs.credentials import SESSION_NAME, AccountSessions
from drs_orchestrator.drs.gateway import DrsGateway
from drs_orchestrator.drs.limits import Limiter

pytestmark = pytest.mark.integration
OWN, OTHER = "111111111111", "222222222222"
ROLE = f"arn:aws:iam::{OTHER}:role/DrsOrchestrator"


@pytest.fixture(scope="module")
def sts_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, endpoint: str, sts_endpoint: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DRS", endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", OWN)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def caller(session: boto3.session.Session) -> dict[str, str]:
    identity = session.client("sts", region_name="us-east-1").get_caller_identity()
    return {"Account": identity["Account"], "Arn": identity["Arn"]}


def test_the_own_account_uses_the_deployments_credentials(aws: None) -> None:
    sessions = AccountSessions(OWN, {OTHER: ROLE})

    own = sessions(OWN)

    assert own is not None
    assert own.get_credentials().access_key == OWN  # type: ignore[union-attr]


def test_another_account_is_reached_through_its_role(aws: None) -> None:
    sessions = AccountSessions(OWN, {OTHER: ROLE}, external_id="ext-1")

    other = sessions(OTHER)

    assert other is not None
    credentials = other.get_credentials()
    assert credentials is not None
    assert credentials.access_key != OWN
    assert credentials.token  # a session token: temporary credentials
    assert caller(other) == {
        "Account": OTHER,
        "Arn": f"arn:aws:sts::{OTHER}:assumed-role/DrsOrchestrator/{SESSION_NAME}",
    }
    assert sessions(OTHER) is other  # fetched once, refreshed by botocore


def test_drs_calls_in_the_other_account_are_signed_with_the_assumed_role(aws: None) -> None:
    sessions = AccountSessions(OWN, {OTHER: ROLE})
    gateway = DrsGateway(sessions)

    servers = gateway.source_servers(OTHER, "us-east-1")

    signer: Any = gateway.client(OTHER, "us-east-1")._request_signer  # type: ignore[attr-defined]
    assert signer._credentials is sessions(OTHER).get_credentials()  # type: ignore[union-attr]
    assert servers  # the emulator answered the signed call


def test_an_account_without_a_role_is_refused_by_name(aws: None) -> None:
    gateway = DrsGateway(AccountSessions(OWN, {OTHER: ROLE}))

    with pytest.raises(InvalidInput) as refused:
        gateway.source_servers("333333333333", "us-east-1")

    assert refused.value.code == "ACCOUNT_NOT_CONFIGURED"
    assert "DRSO_ACCOUNT_ROLES" in refused.value.message


def test_sts_out_of_reach_fails_closed(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", closed)
    gateway = DrsGateway(AccountSessions(OWN, {OTHER: ROLE}))

    with pytest.raises(DrsUnavailable) as failed:
        gateway.source_servers(OTHER, "us-east-1")

    assert failed.value.extra["accountId"] == OTHER
    assert "Could not connect" in failed.value.message


def test_every_drs_call_in_a_place_goes_through_its_limiter(aws: None) -> None:
    waits: list[float] = []
    gateway = DrsGateway(  # time stands still here, so each call owes more
        AccountSessions(OWN, {}),
        lambda: Limiter(rate=2, burst=1, clock=lambda: 0.0, sleep=waits.append),
    )

    for _ in range(5):
        gateway.source_servers_page(OWN, "us-east-1", 10, None)
    gateway.source_servers_page(OWN, "us-west-2", 10, None)  # another place, its own bucket

    assert set(gateway.limiters) == {(OWN, "us-east-1"), (OWN, "us-west-2")}
    assert waits == [0.5, 1.0, 1.5, 2.0]  # the burst, then one call per half second
