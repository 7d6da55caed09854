"""Crash safety of the way home: a worker is killed with SIGKILL while its ReverseReplication
or its failback's StartRecovery is in flight, and the next worker calls DRS no second time."""

from __future__ import annotations

import signal
import time
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
from drs_orchestrator.domain.site import SiteEvent, SiteState, advance
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.engine import records
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.store import sites
from tests.integration.engine.test_crash import (
    assert_one_job_per_batch,
    kill_during_call,
    launch_jobs,
    run_until,
    start_worker,
    states,
)
from tests.store_backends import drop, fresh_database_url

pytestmark = pytest.mark.integration
LONG = 2 * 3600.0  # past the demo's initial sync in either direction


@pytest.fixture
def database(tmp_path: Path, aws: None) -> Iterator[str]:
    url = fresh_database_url("sqlite", tmp_path)
    yield url
    drop(url)


def shop(services: Services, app: str = "shop", region: str = "us-east-1") -> str:
    """The demo's shop (AWS origins in us-west-2, recovered into us-east-1), or another of
    its applications, in two waves."""
    ids = []
    for tier in ("db", "app"):
        spec = ProtectionGroupSpec.model_validate(
            {
                "name": f"{app} {tier}",
                "region": region,
                "serverSelector": {"tags": {"App": app, "Tier": tier}},
            }
        )
        ids.append(services.groups.create(spec, "chaos")[0].id)
    waves = [
        {"name": "db", "protectionGroupIds": [ids[0]]},
        {"name": "app", "protectionGroupIds": [ids[1]], "dependsOn": ["db"]},
    ]
    return services.plans.create(
        RecoveryPlanSpec.model_validate({"name": app.title(), "waves": waves}), "chaos"
    ).id


def stored(services: Services, emulator: Emulator, plan_id: str, mode: Mode) -> str:
    """An execution stored for a worker to pick up, as the API stores it."""
    now = datetime.fromtimestamp(emulator.clock.now(), UTC)
    name = services.plans.get(plan_id).spec().name
    state = services.executions.prepare(
        plan_id, mode, confirm_plan_name=name, cleanup_after_minutes=None,
        user=("u-chaos", "chaos"), now=now,
    )  # fmt: skip
    with services.ctx.write() as conn:
        records.insert_new(conn, state)
    return state.id


def run_to_end(
    services: Services, emulator: Emulator, database: str, endpoint: str, execution_id: str
) -> None:
    worker = start_worker(database, endpoint)
    try:
        run_until(services, emulator, execution_id, lambda s: not s.status.active)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()


def reprotect_left_for_a_worker(services: Services, emulator: Emulator, plan_id: str) -> str:
    """A reprotect as the API starts one, not yet run: the next worker's start runs it."""
    held = services.site.refresh(plan_id)
    now = datetime.fromtimestamp(emulator.clock.now(), UTC)
    reprotect_id = f"reprotect-{held.version}"
    servers = len(services.site.legs(services.plans.get(plan_id)).servers)
    with services.ctx.write() as conn:
        sites.insert_reprotect(
            conn, reprotect_id=reprotect_id, plan_id=plan_id, waves=None, servers=servers,
            actor="chaos", now=now, owner="local",
        )  # fmt: skip
        assert sites.move(
            conn, plan_id, held, event=SiteEvent.REPROTECT_STARTED,
            new=advance(SiteState(held.state), SiteEvent.REPROTECT_STARTED), at=now,
            actor="chaos", moved_by=reprotect_id,
        )  # fmt: skip
    return reprotect_id


def reprotect_through_a_kill(
    services: Services, emulator: Emulator, database: str, endpoint: str, plan_id: str
) -> list[sites.CallRow]:
    """The worker dies while its first ReverseReplication is in flight; the next finishes."""
    reprotect_id = reprotect_left_for_a_worker(services, emulator, plan_id)

    def intent() -> bool:
        with services.ctx.read() as conn:
            return bool(sites.calls(conn, reprotect_id))

    kill_during_call(database, endpoint, emulator, "ReverseReplication", intent)
    survivor = start_worker(database, endpoint)
    try:
        deadline = time.monotonic() + 60
        while not ended(services, reprotect_id):
            assert time.monotonic() < deadline, "the reprotect did not end"
            time.sleep(0.05)
    finally:
        survivor.send_signal(signal.SIGKILL)
        survivor.wait()
    with services.ctx.read() as conn:
        row = sites.reprotect(conn, reprotect_id)
        calls = list(sites.calls(conn, reprotect_id).values())
    assert row is not None
    assert row.state == sites.COMPLETED, [(c.outcome, c.detail) for c in calls]
    return calls


def ended(services: Services, reprotect_id: str) -> bool:
    with services.ctx.read() as conn:
        row = sites.reprotect(conn, reprotect_id)
    return row is not None and row.state != sites.RUNNING


def test_kills_in_each_phase_of_the_round_trip_call_drs_once_each(
    database: str, endpoint: str, emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    services = Services.build(Settings.model_validate({"database_url": database}))
    # this process keeps the emulator's time, as a server's engine does
    services.ctx.now = lambda: datetime.fromtimestamp(emulator.clock.now(), UTC)
    plan_id = shop(services)
    recovery = stored(services, emulator, plan_id, Mode.RECOVERY)
    run_to_end(services, emulator, database, endpoint, recovery)
    (recovered,) = states(services, [recovery])
    count = len(recovered.servers)

    back = reprotect_through_a_kill(services, emulator, database, endpoint, plan_id)

    assert emulator.counts["ReverseReplication"] == count  # the dead worker's not repeated
    assert sorted(c.outcome or "" for c in back) == [sites.REVERSED] * count
    assert "found after a restart" in [c.detail for c in back]
    emulator.advance(LONG)
    assert services.site.refresh(plan_id).state == SiteState.REPROTECTED

    home = fail_back_through_a_kill(
        services,
        emulator,
        database=database,
        endpoint=endpoint,
        plan_id=plan_id,
        call="StartRecovery",
        make_client=make_client,
    )
    assert emulator.counts["StartRecovery"] == len(home.batches)  # the dead worker's kept

    again = reprotect_through_a_kill(services, emulator, database, endpoint, plan_id)

    assert emulator.counts["ReverseReplication"] == count
    assert "found after a restart" in [c.detail for c in again]
    assert {c.region for c in again} == {"us-west-2"}  # from the instances at the origin
    emulator.advance(LONG)
    assert services.site.refresh(plan_id).state == SiteState.PROTECTED
    services.ctx.engine.dispose()


def test_a_kill_during_an_on_premises_failback_launch_starts_no_second_job(
    database: str, endpoint: str, emulator: Emulator, make_client: Callable[..., Any]
) -> None:
    services = Services.build(Settings.model_validate({"database_url": database}))
    services.ctx.now = lambda: datetime.fromtimestamp(emulator.clock.now(), UTC)
    plan_id = shop(services, "reporting", "us-west-2")  # on premises, recovered into us-west-2
    run_to_end(
        services, emulator, database, endpoint, stored(services, emulator, plan_id, Mode.RECOVERY)
    )
    services.site.reprotect(plan_id, "chaos")  # nothing to reverse: their clients replicate
    services.site.settle()
    emulator.advance(LONG)  # the demo's operator boots each Failback Client first
    assert services.site.refresh(plan_id).state == SiteState.REPROTECTED
    home = fail_back_through_a_kill(
        services,
        emulator,
        database=database,
        endpoint=endpoint,
        plan_id=plan_id,
        call="StartFailbackLaunch",
        make_client=make_client,
    )
    assert all(b.failback_launch for b in home.batches)
    assert emulator.counts["StartFailbackLaunch"] == len(home.batches)  # the dead one's kept
    assert emulator.counts["StartRecovery"] == 0  # counted from the failback's start
    services.site.close()
    services.ctx.engine.dispose()


def fail_back_through_a_kill(
    services: Services,
    emulator: Emulator,
    *,
    database: str,
    endpoint: str,
    plan_id: str,
    call: str,
    make_client: Callable[..., Any],
) -> ExecutionState:
    """A failback whose worker is killed while `call` starts a wave's job, run to its end by
    the next worker: one tagged job per batch, the plan home."""
    failback = stored(services, emulator, plan_id, Mode.FAILBACK)

    def starting() -> bool:
        return any(b.state == "STARTING" for b in states(services, [failback])[0].batches)

    kill_during_call(database, endpoint, emulator, call, starting)
    run_to_end(services, emulator, database, endpoint, failback)
    (home,) = states(services, [failback])
    assert home.status == "COMPLETED"
    assert_one_job_per_batch(
        [
            j
            for j in launch_jobs(make_client, ("us-west-2",))
            if j["tags"].get("DRS:ExecutionId") == failback
        ],
        [home],
    )
    assert services.site.refresh(plan_id).state == SiteState.FAILED_BACK
    return home
