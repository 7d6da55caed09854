"""Shared fixtures: one emulator HTTP server per session, reloaded fresh for every test.

The emulator runs in strict mode, so every response any test receives has been checked
against botocore's output shape, and on the manual clock, so no test sleeps.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from drs_orchestrator.emulator import Emulator, EmulatorThread, load_scenario, parse_scenario

ACCOUNT = "111111111111"
# Seals the JWT signing keys of every server the tests build (PostgreSQL requires one), and
# of the worker processes they start, which inherit it.
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
os.environ.setdefault("DRSO_SECRET_KEY", TEST_SECRET_KEY)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test has a node ID of its own: tests that share one (as schemathesis's generated
    cases once did) are counted once, and pytest's progress then stops short of 100%."""
    shared = sorted(n for n, count in Counter(i.nodeid for i in items).items() if count > 1)
    if shared:
        raise pytest.UsageError(f"tests share node IDs: {', '.join(shared[:5])}")


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(load_scenario("demo"), strict=True)
    with EmulatorThread(emulator) as endpoint:
        yield emulator, endpoint


@pytest.fixture
def emulator(_emulator_server: tuple[Emulator, str]) -> Emulator:
    """The served emulator, with the demo estate loaded afresh on the manual clock."""
    emu = _emulator_server[0]
    emu.load(load_scenario("demo"))
    return emu


@pytest.fixture
def endpoint(_emulator_server: tuple[Emulator, str], emulator: Emulator) -> str:
    return _emulator_server[1]


@pytest.fixture
def make_client(endpoint: str) -> Callable[..., Any]:
    """DRS clients for any region/account; `validate=False` lets bad input reach the server."""

    def make(
        region: str = "us-east-1", account: str = ACCOUNT, validate: bool = True, retries: int = 0
    ) -> Any:
        return boto3.client(
            "drs",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=account,
            aws_secret_access_key="emulator",
            config=Config(
                parameter_validation=validate,
                retries={"mode": "standard", "total_max_attempts": retries + 1},
            ),
        )

    return make


@pytest.fixture
def drs(make_client: Callable[..., Any]) -> Any:
    return make_client()


@pytest.fixture
def load(emulator: Emulator) -> Callable[[dict[str, Any]], Emulator]:
    """Load a scenario document (as a dict) into the served emulator."""

    def _load(document: dict[str, Any]) -> Emulator:
        emulator.load(parse_scenario(document))
        return emulator

    return _load
