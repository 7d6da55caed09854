"""Drills and recoveries through DBOS workflows against the emulator on its manual clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from drs_orchestrator.domain.executions import ExecutionStatus, Mode, ServerStatus, WaveStatus
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.scenario import parse_faults
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.runner import Engine
from tests.integration.drive import Drive

pytestmark = pytest.mark.integration


def ended(state: ExecutionState) -> bool:
    return not state.status.active


def test_a_drill_runs_wave_by_wave_one_job_each_and_records_instances(
    shop: Callable[..., str],
    run: Callable[..., ExecutionState],
    drive: Drive,
    emulator: Emulator,
    drs: Any,
) -> None:
    plan_id = shop()

    execution = run(plan_id)
    drive.settle()

    state = drive.engine.state(execution.id)
    assert state.status == ExecutionStatus.RUNNING
    assert [w.status for w in state.waves] == [
        WaveStatus.LAUNCHING,
        WaveStatus.WAITING,
        WaveStatus.WAITING,
    ]
    assert emulator.counts["StartRecovery"] == 1
    state = drive.until(execution.id, ended)

    assert state.status == ExecutionStatus.COMPLETED, [(w.name, w.failure) for w in state.waves]
    assert emulator.counts["StartRecovery"] == 3
    jobs = sorted(drs.describe_jobs(filters={})["items"], key=lambda j: j["creationDateTime"])
    assert [j["tags"]["DRS:WaveName"] for j in jobs] == ["DB", "App", "Web"]
    for job, wave in zip(jobs, state.waves, strict=True):
        servers = {p["sourceServerID"] for p in job["participatingServers"]}
        assert servers == {s.server_id for s in state.servers_of(wave.name)}
        assert job["tags"]["DRS:ExecutionId"] == execution.id
        assert job["tags"]["ManagedBy"] == "drs-orchestrator"
    # each wave's job started only after the one before it had completed
    for before, after in itertools.pairwise(jobs):
        assert after["creationDateTime"] >= before["endDateTime"]
    for server in state.servers.values():
        assert server.status == ServerStatus.READY
        assert server.ec2_instance_id
        assert server.recovery_instance_id
        assert server.hostname.startswith("shop-")


def test_an_approval_gate_holds_the_wave_until_approved(
    shop: Callable[..., str],
    run: Callable[..., ExecutionState],
    drive: Drive,
    engine: Engine,
    emulator: Emulator,
) -> None:
    gate = {"type": "manualApproval", "message": "DB consistent?", "approverRole": "operator"}
    execution = run(shop(App={"preHooks": [gate]}))

    state = drive.until(execution.id, lambda s: s.wave("App").status == "AWAITING_APPROVAL")
    drive.advance(1800)  # nothing moves without the approval (it times out after 60 min)
    assert engine.state(execution.id).wave("App").status == WaveStatus.AWAITING_APPROVAL
    assert emulator.counts["StartRecovery"] == 1

    engine.command(
        execution.id,
        machine.Approve("App", "olivia", frozenset({Role.OPERATOR})),
    )
    drive.settle()

    assert emulator.counts["StartRecovery"] == 2
    state = drive.until(execution.id, ended)
    assert state.status == ExecutionStatus.COMPLETED
    assert state.wave("App").hooks[0].approved_by == "olivia"


def test_a_recovery_waits_for_post_launch_actions_and_fails_on_theirs(
    shop: Callable[..., str],
    run: Callable[..., ExecutionState],
    drive: Drive,
    emulator: Emulator,
) -> None:
    emulator.set_faults(
        parse_faults(
            {
                "faults": [
                    {
                        "kind": "failServer",
                        "hostname": "shop-app-02",
                        "phase": "POST_LAUNCH",
                        "rawError": "health check: orders API answered 503",
                    }
                ]
            }
        )
    )
    execution = run(shop(App={"nonCriticalServerIds": []}), Mode.RECOVERY, confirm="Shop")

    seen_post_launch = drive.until(
        execution.id, lambda s: any(x.status == "POST_LAUNCH" for x in s.servers.values())
    )
    final = drive.until(execution.id, ended)

    app = {x.hostname: x for x in final.servers_of("App")}
    assert {h for h, x in app.items() if x.expects_post_launch} == set(app)  # the app tier
    assert seen_post_launch.wave("App").status == WaveStatus.VERIFYING
    assert app["shop-app-01"].status == ServerStatus.READY
    assert app["shop-app-01"].post_launch == "SUCCEEDED"
    assert app["shop-app-02"].status == ServerStatus.FAILED
    assert "orders API answered 503" in (app["shop-app-02"].failure or "")
    assert final.wave("App").status == WaveStatus.FAILED
    assert final.status == ExecutionStatus.FAILED
    db = final.servers_of("DB")
    assert all(x.status == ServerStatus.READY and not x.expects_post_launch for x in db)


@pytest.mark.parametrize("backend", ["sqlite"])  # botocore's own backoff makes it slow
def test_executions_complete_through_a_throttling_storm(
    shop: Callable[..., str],
    run: Callable[..., ExecutionState],
    drive: Drive,
    emulator: Emulator,
) -> None:
    storm = [
        {"kind": "throttle", "operation": op, "fraction": 0.3, "retryAfterSeconds": 1}
        for op in ("StartRecovery", "DescribeJobs", "DescribeJobLogItems",
                   "DescribeRecoveryInstances", "DescribeSourceServers")
    ]  # fmt: skip
    execution = run(shop())
    emulator.set_faults(parse_faults({"faults": storm}))

    final = drive.until(execution.id, ended)

    assert final.status == ExecutionStatus.COMPLETED
    assert sum(v for k, v in emulator.error_counts.items() if "Throttling" in k) > 0
    assert (
        emulator.counts["StartRecovery"]
        - emulator.error_counts.get("StartRecovery:ThrottlingException", 0)
        == 3
    )  # throttled tries are refused; exactly one accepted per wave


@pytest.mark.parametrize("backend", ["sqlite"])
def test_independent_waves_launch_together(
    shop: Callable[..., str], run: Callable[..., ExecutionState], drive: Drive, drs: Any
) -> None:
    execution = run(shop(App={"dependsOn": ["DB"]}, Web={"dependsOn": ["DB"]}))

    final = drive.until(execution.id, ended)

    assert final.status == ExecutionStatus.COMPLETED
    jobs = {j["tags"]["DRS:WaveName"]: j for j in drs.describe_jobs(filters={})["items"]}
    assert jobs["App"]["creationDateTime"] == jobs["Web"]["creationDateTime"]  # one turn
    assert jobs["App"]["creationDateTime"] >= jobs["DB"]["endDateTime"]
    assert jobs["Web"]["creationDateTime"] < jobs["App"]["endDateTime"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_wave_past_its_timeout_asks_drs_then_times_out(
    shop: Callable[..., str], run: Callable[..., ExecutionState], drive: Drive, emulator: Emulator
) -> None:
    execution = run(shop(DB={"timeoutMinutes": 5}))
    drive.settle()
    polls_before = emulator.counts["DescribeJobs"]

    final = drive.until(execution.id, ended, step=60)

    assert final.status == ExecutionStatus.TIMED_OUT
    assert final.wave("DB").status == WaveStatus.TIMED_OUT
    assert final.wave("DB").failure == "not complete within 5 min"
    assert final.wave("DB").truth_asked_at is not None  # DRS was asked before declaring it
    assert emulator.counts["DescribeJobs"] > polls_before
    assert {s.status for s in final.servers_of("DB")} == {ServerStatus.FAILED}
    assert [w.status for w in final.waves[1:]] == [WaveStatus.CANCELLED] * 2


@pytest.mark.parametrize("backend", ["sqlite"])
def test_servers_busy_in_another_job_are_retried_until_drs_frees_them(
    shop: Callable[..., str],
    run: Callable[..., ExecutionState],
    drive: Drive,
    drs: Any,
    emulator: Emulator,
) -> None:
    db = [s["sourceServerID"] for s in drs.describe_source_servers(filters={})["items"]
          if s["tags"].get("Tier") == "db" and s["tags"].get("App") == "shop"]  # fmt: skip
    outside = drs.start_recovery(sourceServers=[{"sourceServerID": db[0]}], isDrill=True)
    execution = run(shop())
    drive.settle()

    waiting = drive.engine.state(execution.id).batches[0]
    assert waiting.job_id is None
    assert "ConflictException" in (waiting.error or "")
    final = drive.until(execution.id, ended)

    assert final.status == ExecutionStatus.COMPLETED
    ours = [
        j for j in drs.describe_jobs(filters={})["items"] if j["jobID"] != outside["job"]["jobID"]
    ]
    assert len(ours) == 3
    assert emulator.error_counts["StartRecovery:ConflictException"] >= 1


def test_a_second_drill_follows_only_its_own_instances_not_the_first_ones(
    shop: Callable[..., str], run: Callable[..., ExecutionState], drive: Drive, engine: Engine
) -> None:
    plan_id = shop()
    first = drive.until(run(plan_id).id, ended)
    engine.command(first.id, machine.Cleanup("alice"))
    drive.until(first.id, lambda s: s.cleanup == "COMPLETED")
    theirs = {s.recovery_instance_id for s in first.servers.values()}

    second = drive.until(run(plan_id).id, ended)
    events = engine_events(engine, second.id)

    ours = {s.recovery_instance_id for s in second.servers.values()}
    assert second.status == ExecutionStatus.COMPLETED
    assert ours.isdisjoint(theirs)  # DRS made new instances; the first ones linger, terminated
    recorded = {e.detail["recoveryInstanceId"] for e in events if e.kind == "instance"}
    assert recorded == ours
    assert not [e for e in events if e.new == "TERMINATED"]
    assert all(s.ec2_state == "RUNNING" for s in second.servers.values())


def engine_events(engine: Engine, execution_id: str) -> list[Any]:
    from drs_orchestrator.store import executions

    with engine.db.connect() as conn:
        return list(executions.events_after(conn, execution_id, -1, 10_000))
