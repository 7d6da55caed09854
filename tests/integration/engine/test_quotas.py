"""DRS quotas across executions: jobs of at most 100 servers, at most 20 jobs and 500 servers
in flight per account and region, queued batches admitted as capacity frees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from drs_orchestrator.api.services import Services
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.engine.core.state import ExecutionState
from tests.integration.drive import Drive

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "sqlite"


def estate(*servers: dict[str, Any]) -> dict[str, Any]:
    return {"accounts": {"111111111111": {"regions": {"us-east-1": {"servers": list(servers)}}}}}


def plan_for(services: Services, name: str, tags: dict[str, str]) -> str:
    spec = ProtectionGroupSpec.model_validate(
        {"name": name, "region": "us-east-1", "serverSelector": {"tags": tags}}
    )
    group = services.groups.create(spec, "alice")[0].id
    plan = RecoveryPlanSpec.model_validate(
        {"name": name, "waves": [{"name": "All", "protectionGroupIds": [group]}]}
    )
    return services.plans.create(plan, "alice").id


def start(services: Services, plan_id: str) -> ExecutionState:
    return services.executions.start(
        plan_id, Mode.DRILL, confirm_plan_name=None, cleanup_after_minutes=None, user=("u", "u")
    )


def test_a_250_server_wave_runs_as_three_jobs(
    load: Callable[[dict[str, Any]], Emulator], services: Services, drive: Drive, drs: Any
) -> None:
    load(estate({"count": 250, "hostnamePrefix": "big-", "tags": {"Tier": "big"}}))
    execution = start(services, plan_for(services, "Big", {"Tier": "big"}))

    final = drive.until(execution.id, lambda s: not s.status.active)

    assert final.status == "COMPLETED"
    jobs = [j for p in drs.get_paginator("describe_jobs").paginate(filters={}) for j in p["items"]]
    assert sorted(len(j["participatingServers"]) for j in jobs) == [50, 100, 100]
    assert {j["tags"]["DRS:WaveName"] for j in jobs} == {"All"}


def test_executions_beyond_twenty_concurrent_jobs_wait_their_turn(
    load: Callable[[dict[str, Any]], Emulator], services: Services, drive: Drive, drs: Any
) -> None:
    apps = [f"a{i:02d}" for i in range(23)]
    load(estate(*({"hostname": f"{a}-01", "tags": {"App": a}} for a in apps)))
    executions = [start(services, plan_for(services, a, {"App": a})) for a in apps]
    drive.settle()

    in_flight = [e for e in executions if drive.engine.state(e.id).batches[0].job_id]
    assert len(in_flight) == 20  # DRS's concurrent-jobs quota, across executions
    finals = [drive.until(e.id, lambda s: not s.status.active) for e in executions]

    assert {f.status for f in finals} == {"COMPLETED"}
    jobs = [j for p in drs.get_paginator("describe_jobs").paginate(filters={}) for j in p["items"]]
    assert len(jobs) == 23  # one each, none refused and retried
    moments = sorted(
        [(j["creationDateTime"], 1) for j in jobs] + [(j["endDateTime"], -1) for j in jobs]
    )
    running = peak = 0
    for _, step in moments:
        running += step
        peak = max(peak, running)
    assert peak == 20


def test_never_more_than_500_servers_in_flight(
    load: Callable[[dict[str, Any]], Emulator], services: Services, drive: Drive, drs: Any
) -> None:
    load(estate(*({"count": 100, "hostnamePrefix": f"g{i}-", "tags": {"G": str(i)}}
                  for i in range(6))))  # fmt: skip
    groups = [
        services.groups.create(
            ProtectionGroupSpec.model_validate(
                {"name": f"G{i}", "region": "us-east-1", "serverSelector": {"tags": {"G": str(i)}}}
            ),
            "alice",
        )[0].id
        for i in range(6)
    ]
    waves = [
        {"name": f"W{i}", "protectionGroupIds": [g], "dependsOn": []} for i, g in enumerate(groups)
    ]
    plan = services.plans.create(
        RecoveryPlanSpec.model_validate({"name": "Wide", "waves": waves}), "a"
    )
    execution = start(services, plan.id)
    drive.settle()

    assert sum(1 for b in drive.engine.state(execution.id).batches if b.job_id) == 5
    final = drive.until(execution.id, lambda s: not s.status.active)

    assert final.status == "COMPLETED"
    jobs = [j for p in drs.get_paginator("describe_jobs").paginate(filters={}) for j in p["items"]]
    moments = sorted(
        [(j["creationDateTime"], len(j["participatingServers"])) for j in jobs]
        + [(j["endDateTime"], -len(j["participatingServers"])) for j in jobs]
    )
    flying = peak = 0
    for _, change in moments:
        flying += change
        peak = max(peak, flying)
    assert peak == 500
    assert len(jobs) == 6
