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
import sqlalchemy as sa

from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.scenario import LatencyFault
from drs_orchestrator.engine import records
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState
from tests.store_backends import POSTGRES_URL, drop, drop_schema, fresh_database_url

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
def database(tmp_path: Path, aws: None) -> Iterator[str]:
    url = fresh_database_url("sqlite", tmp_path)
    yield url
    drop(url)


def waiting_executions(services: Services, emulator: Emulator, plans: list[str]) -> list[str]:
    """Drills of `plans`, stored for a worker to pick up when it starts (none runs here)."""
    now = datetime.fromtimestamp(emulator.clock.now(), UTC)
    ids = []
    for plan_id in plans:
        state = services.executions.prepare(
            plan_id, Mode.DRILL, confirm_plan_name=None, cleanup_after_minutes=None,
            user=("u-chaos", "chaos"), now=now,
        )  # fmt: skip
        with services.ctx.write() as conn:
            records.insert_new(conn, state)
        ids.append(state.id)
    return ids


def shop_and_reports(services: Services) -> list[str]:
    return [
        plan_over(services, "Shop", "us-east-1", ["db", "app", "web"]),
        plan_over(services, "Reports", "us-west-2", ["db", "app"]),
    ]


def launch_jobs(make_client: Callable[..., Any], regions: tuple[str, ...]) -> list[Any]:
    return [
        j
        for region in regions
        for page in make_client(region).get_paginator("describe_jobs").paginate(filters={})
        for j in page["items"]
        if j["type"] == "LAUNCH"
    ]


def assert_one_job_per_batch(jobs: list[Any], finished: list[ExecutionState]) -> None:
    per_batch = Counter((j["tags"]["DRS:ExecutionId"], j["tags"]["DRS:Batch"]) for j in jobs)
    assert set(per_batch) == {(s.id, b.key) for s in finished for b in s.batches}
    assert set(per_batch.values()) == {1}  # exactly one job per wave batch


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
    ids = waiting_executions(services, emulator, shop_and_reports(services))
    rng = random.Random(20261122)
    kills = 0

    for round_ in range(ROUNDS):
        due = any(  # a StartRecovery is still to come
            w.status in {"PENDING", "WAITING"} or b.state in {"QUEUED", "ADMITTED", "STARTING"}
            for st in states(services, ids)
            for w in st.waves
            for b in st.batches
        ) or any(not st.batches for st in states(services, ids))
        if round_ % 3 == 0 and due:  # dies the moment DRS accepts its next StartRecovery
            worker = start_worker(database, endpoint, "--die-after-start")
            deadline = time.monotonic() + 60
            while worker.poll() is None:
                assert time.monotonic() < deadline, "no StartRecovery came"
                emulator.advance(30)
                time.sleep(0.05)
            assert worker.returncode == -signal.SIGKILL
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
    assert_one_job_per_batch(launch_jobs(make_client, ("us-east-1", "us-west-2")), finished)
    services.ctx.engine.dispose()


def test_a_surviving_postgresql_worker_takes_over_a_dead_ones_executions(
    tmp_path: Path,
    aws: None,
    endpoint: str,
    emulator: Emulator,
    make_client: Callable[..., Any],
) -> None:
    url = fresh_database_url("postgresql", tmp_path)
    dbos = f"--dbos={POSTGRES_URL},{url.rsplit('%3D', 1)[1]}_dbos"
    services = Services.build(Settings.model_validate({"database_url": url}))
    ids = waiting_executions(services, emulator, shop_and_reports(services))
    first = start_worker(url, endpoint, dbos, "--worker=first", "--lease=3")
    second = None
    try:
        deadline = time.monotonic() + 60
        while not all(s.batches for s in states(services, ids)):  # the first took them on
            assert time.monotonic() < deadline
            emulator.advance(15)
            time.sleep(0.05)
        second = start_worker(url, endpoint, dbos, "--worker=second", "--lease=3")
        first.send_signal(signal.SIGKILL)
        first.wait()
        deadline = time.monotonic() + 120
        while any(s.status.active for s in states(services, ids)):
            assert time.monotonic() < deadline, [s.status for s in states(services, ids)]
            emulator.advance(60)
            time.sleep(0.1)
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait()

    finished = states(services, ids)
    assert [s.status for s in finished] == ["COMPLETED", "COMPLETED"]
    assert_one_job_per_batch(launch_jobs(make_client, ("us-east-1", "us-west-2")), finished)
    with services.ctx.read() as conn:
        alive = conn.execute(sa.text("SELECT executor_id FROM workers")).scalars().all()
    assert alive == ["second"]  # the first was declared dead and its work claimed
    services.ctx.engine.dispose()
    drop(url)
    drop_schema(f"{url.rsplit('%3D', 1)[1]}_dbos")


def test_without_tags_a_started_job_is_found_by_its_servers(
    database: str, endpoint: str, emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    services = Services.build(Settings.model_validate({"database_url": database}))
    (execution_id,) = waiting_executions(
        services, emulator, [plan_over(services, "Shop", "us-east-1", ["db", "app", "web"])]
    )
    dying = start_worker(database, endpoint, "--no-tags", "--die-after-start")
    assert dying.wait(timeout=60) == -signal.SIGKILL  # DRS took the job; nothing was recorded
    worker = start_worker(database, endpoint, "--no-tags")
    try:
        deadline = time.monotonic() + 120
        while states(services, [execution_id])[0].status.active:
            assert time.monotonic() < deadline
            emulator.advance(120)
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    (final,) = states(services, [execution_id])
    assert final.status == "COMPLETED"
    jobs = launch_jobs(make_client, ("us-east-1",))
    assert len(jobs) == len(final.batches) == 3
    assert all(not j.get("tags") for j in jobs)
    services.ctx.engine.dispose()


def run_until(services: Services, emulator: Emulator, execution_id: str, done: Any) -> None:
    """Move emulated time while a worker runs, until `done(state)` (at most a minute)."""
    deadline = time.monotonic() + 60
    while not done(states(services, [execution_id])[0]):
        assert time.monotonic() < deadline, states(services, [execution_id])[0].cleanup
        emulator.advance(60)
        time.sleep(0.05)


def intent_recorded(services: Services, execution_id: str, prefix: str) -> bool:
    with services.ctx.read() as conn:
        keys = conn.execute(
            sa.text("SELECT call_key FROM call_intents WHERE execution_id = :e"),
            {"e": execution_id},
        ).scalars()
        return any(k.startswith(prefix) for k in keys)


def kill_during_call(
    database: str, endpoint: str, emulator: Emulator, operation: str, ready: Callable[[], bool]
) -> None:
    """A worker is killed with SIGKILL half a second into a call it made, which the emulator
    holds for 4 s: DRS acts on the call after the worker is gone."""
    emulator.set_faults([LatencyFault(kind="latency", operation=operation, milliseconds=4000)])
    emulator.clear_calls()
    worker = start_worker(database, endpoint)
    deadline = time.monotonic() + 30
    while not ready():
        assert time.monotonic() < deadline, "the call was never made"
        time.sleep(0.02)
    time.sleep(0.5)  # the scenario itself: the worker dies while its call is in flight
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    while emulator.counts[operation] == 0:  # the dead worker's call lands
        assert time.monotonic() < deadline, "the dead worker's call never reached DRS"
        time.sleep(0.02)
    emulator.set_faults([])


def test_a_worker_killed_during_clean_up_never_starts_a_second_terminate_job(
    database: str, endpoint: str, emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    services = Services.build(Settings.model_validate({"database_url": database}))
    (execution_id,) = waiting_executions(
        services, emulator, [plan_over(services, "Shop", "us-east-1", ["db", "app", "web"])]
    )
    worker = start_worker(database, endpoint)
    run_until(services, emulator, execution_id, lambda s: not s.status.active)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    with services.ctx.write() as conn:  # `executions cleanup ID`, as the API stores it
        state, version = records.load(conn, execution_id)
        now = datetime.fromtimestamp(emulator.clock.now(), UTC)
        step = machine.command(state, machine.Cleanup("chaos"), now)
        records.save(conn, step.state, version=version, events=step.events, now=now)

    kill_during_call(
        database,
        endpoint,
        emulator,
        "TerminateRecoveryInstances",
        lambda: intent_recorded(services, execution_id, "terminate/"),
    )
    survivor = start_worker(database, endpoint)
    try:
        run_until(services, emulator, execution_id, lambda s: s.cleanup == "COMPLETED")
    finally:
        survivor.send_signal(signal.SIGKILL)
        survivor.wait()

    terminations = [
        j
        for page in make_client().get_paginator("describe_jobs").paginate(filters={})
        for j in page["items"]
        if j["type"] == "TERMINATE"
    ]
    (final,) = states(services, [execution_id])
    assert [j["jobID"] for j in terminations] == final.cleanup_job_ids  # exactly one
    # the dead worker's call made the job; the next worker found it instead of calling again
    assert emulator.counts["TerminateRecoveryInstances"] == 1
    assert all(s.status == "TERMINATED" for s in final.servers.values())
    events = services.executions.events_after(execution_id, -1, limit=10_000)
    terminated = {e.subject for e in events if e.kind == "server" and e.new == "TERMINATED"}
    assert terminated == set(final.servers)  # each of its 9 instances, recorded
    services.ctx.engine.dispose()


def test_a_worker_killed_while_starting_a_recovery_never_starts_a_second_job(
    database: str, endpoint: str, emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    services = Services.build(Settings.model_validate({"database_url": database}))
    (execution_id,) = waiting_executions(
        services, emulator, [plan_over(services, "Shop", "us-east-1", ["db", "app", "web"])]
    )

    def intent() -> bool:
        return any(b.state == "STARTING" for b in states(services, [execution_id])[0].batches)

    kill_during_call(database, endpoint, emulator, "StartRecovery", intent)
    survivor = start_worker(database, endpoint)
    try:
        run_until(services, emulator, execution_id, lambda s: not s.status.active)
    finally:
        survivor.send_signal(signal.SIGKILL)
        survivor.wait()

    (final,) = states(services, [execution_id])
    assert final.status == "COMPLETED"
    jobs = launch_jobs(make_client, ("us-east-1",))
    assert_one_job_per_batch(jobs, [final])
    first = final.batches[0]
    assert first.job_id == min(jobs, key=lambda j: j["creationDateTime"])["jobID"]
    services.ctx.engine.dispose()
