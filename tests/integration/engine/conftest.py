"""The engine for real: DBOS workflows on a SQLite file, boto3 to the emulator over HTTP, the
engine's clock being the emulator's manual clock (tests move time; nothing sleeps)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.runner import Engine
from tests.integration.drive import manual_clock
from tests.integration.probe import Settling
from tests.store_backends import POSTGRES_URL, drop, drop_schema, fresh_database_url


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DRS", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "111111111111")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def services(aws: None, emulator: Emulator, tmp_path: Path, backend: str) -> Iterator[Services]:
    url = fresh_database_url(backend, tmp_path)
    values: dict[str, Any] = {"database_url": url, "regions": ["us-east-1"]}
    if backend == "postgresql":  # DBOS's tables in a schema of their own, dropped after
        schema = url.rsplit("%3D", 1)[1]
        values |= {"dbos_database_url": POSTGRES_URL, "dbos_schema": f"{schema}_dbos"}
    svc = Services.build(Settings.model_validate(values))
    svc.start_engine(manual_clock(emulator), poll=False, probe=Settling())
    yield svc
    svc.stop_engine()
    svc.ctx.engine.dispose()
    drop(url)
    if backend == "postgresql":
        drop_schema(values["dbos_schema"])


@pytest.fixture
def engine(services: Services) -> Engine:
    assert services.engine is not None
    return services.engine


@pytest.fixture
def shop(services: Services) -> Callable[..., str]:
    """Groups per tier (by tag) and a plan over them; its ID. Waves may be customised."""

    def make(**waves: dict[str, Any]) -> str:
        ids = {}
        for tier in ("db", "app", "web"):
            spec = ProtectionGroupSpec.model_validate(
                {
                    "name": f"Shop {tier}",
                    "region": "us-east-1",
                    "serverSelector": {"tags": {"App": "shop", "Tier": tier}},
                }
            )
            ids[tier] = services.groups.create(spec, "alice")[0].id
        plan = RecoveryPlanSpec.model_validate(
            {
                "name": "Shop",
                "waves": [
                    {"name": "DB", "protectionGroupIds": [ids["db"]], **waves.get("DB", {})},
                    {"name": "App", "protectionGroupIds": [ids["app"]], **waves.get("App", {})},
                    {"name": "Web", "protectionGroupIds": [ids["web"]], **waves.get("Web", {})},
                ],
            }
        )
        return services.plans.create(plan, "alice").id

    return make


@pytest.fixture
def run(services: Services) -> Callable[..., ExecutionState]:
    def start(plan_id: str, mode: Mode = Mode.DRILL, **extra: Any) -> ExecutionState:
        assert services.executions is not None
        return services.executions.start(
            plan_id,
            mode,
            confirm_plan_name=extra.get("confirm"),
            cleanup_after_minutes=extra.get("cleanup_after"),
            user=("u-alice", "alice"),
        )

    return start
