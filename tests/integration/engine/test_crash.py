"""Crash safety: the worker is killed with SIGKILL at random moments of running executions,
restarted, and every execution still completes with exactly one DRS job per wave batch."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.engine import records
from drs_orchestrator.engine.core.state import ExecutionState
from tests.store_backends import drop, fresh_database_url

pytestmark = pytest.mark.integration
ROUNDS = 12


def plan_over(services: Services, name: str, region: str, tiers: list[str]) -> str:
    ids = []
    for tier in tiers:
        spec = ProtectionGroupSpec.model_validate(
            {"name": f"{name} {tier}", "region": region, "serverSelector": {"tags": {"Tier": tier}}}
        )
        ids.append(services.groups.create(spec, "chaos")[0].id)
    waves = [{"name": t, "protectionGroupIds": [g]} for t, g in zip(tiers, ids, strict=True)]
    plan = RecoveryPlanSpec.model_validate({"name": name, "waves": waves})
    return services.plans.create(plan, "chaos").id


@pytest.fixture
def database(tmp_path: Path, aws_env: None) -> Iterator[str]:
    url = fresh_database_url("sqlite", tmp_path)
    yield url
    drop(url)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DRS", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "111111111111")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def start_worker(database: str, endpoint: str, *flags: str) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.engine.crash_worker", database, endpoint, *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ.copy(),
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "ready"
    return worker


def states(services: Services, ids: list[str]) -> list[ExecutionState]:
    with services.ctx.read() as conn:
        return [records.load(conn, i)[0] for i in ids]


def test_killed_workers_lose_no_execution_and_start_no_job_twice(
    database: str, endpoint: str, emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    services = Services.build(Settings.model_validate({"database_url": database}))
    now = datetime.fromtimestamp(emulator.clock.now(), UTC)
    plans = [
        plan_over(services, "Shop", "us-east-1", ["db", "app", "web"]),
        plan_over(services, "Reports", "us-west-2", ["db", "app"]),
    ]
    ids = []
    for plan_id in plans:
        state = services.executions.prepare(
            plan_id, Mode.DRILL, confirm_plan_name=None, cleanup_after_minutes=None,
            user=("u-chaos", "chaos"), now=now,
        )  # fmt: skip
        with services.ctx.write() as conn:
            records.insert_new(conn, state)
        ids.append(state.id)
    rng = random.Random(20261122)
    kills = 0

    for round_ in range(ROUNDS):
        due = any(
            b.state in {"QUEUED", "ADMITTED", "STARTING"} or w.status in {"PENDING", "WAITING"}
            for st in states(services, ids)
            for w in st.waves
            for b in st.batches
        ) or any(st.status == "PENDING" for st in states(services, ids))
        if round_ % 3 == 0 and due:  # dies right after DRS accepted a StartRecovery
            worker = start_worker(database, endpoint, "--die-after-start")
            emulator.advance(15)
            assert worker.wait(timeout=60) == -signal.SIGKILL
            kills += 1
            continue
        worker = start_worker(database, endpoint)
        for _ in range(rng.randint(1, 4)):
            emulator.advance(rng.choice([15, 45, 90, 240]))
            time.sleep(rng.uniform(0.02, 0.4))  # the worker gets somewhere, then it dies
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
        if all(not s.status.active for s in states(services, ids)):
            break
    worker = start_worker(database, endpoint)  # the last one is left to finish
    try:
        deadline = time.monotonic() + 120
        while any(s.status.active for s in states(services, ids)):
            assert time.monotonic() < deadline, [s.status for s in states(services, ids)]
            emulator.advance(120)
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    finished = states(services, ids)
    assert [s.status for s in finished] == ["COMPLETED", "COMPLETED"], [
        [(w.name, w.status, w.failure) for w in s.waves] for s in finished
    ]
    assert kills >= 3
    jobs = [
        j
        for region in ("us-east-1", "us-west-2")
        for page in make_client(region).get_paginator("describe_jobs").paginate(filters={})
        for j in page["items"]
        if j["type"] == "LAUNCH"
    ]
    per_batch = Counter((j["tags"]["DRS:ExecutionId"], j["tags"]["DRS:Batch"]) for j in jobs)
    batches = {(s.id, b.key) for s in finished for b in s.batches}
    assert set(per_batch) == batches
    assert set(per_batch.values()) == {1}  # exactly one job per wave batch
    services.ctx.engine.dispose()
