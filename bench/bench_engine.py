"""The engine against the emulator at 120x: drills of 1, 10 and 50 plans at once.

Prints, side by side:
- DRS calls per emulated minute in the region: DescribeJobs (the poller, which must not grow
  with the number of executions) and all calls (which grow with the work itself: one
  StartRecovery per wave batch, job logs of changed jobs, recovery instances once);
- wave-transition latency: DRS ends the first wave's job -> the second wave's StartRecovery;
- total time of an execution against its critical-path lower bound (the DRS jobs of its
  waves, back to back).

Run: `make bench` (or `python bench/bench_engine.py`).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.emulator import Emulator, EmulatorThread, ScaledClock, parse_scenario
from drs_orchestrator.engine.clock import Clock
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.runner import Engine

SPEED = 120.0
APPS = 50
REGION = "us-east-1"


def scenario() -> dict[str, Any]:
    servers = [
        {
            "count": 2,
            "hostnamePrefix": f"a{i:02d}-{tier}-",
            "tags": {"App": f"a{i:02d}", "Tier": tier},
        }
        for i in range(APPS)
        for tier in ("db", "web")
    ]
    return {"accounts": {"111111111111": {"regions": {REGION: {"servers": servers}}}}}


def run(concurrent: int, tmp: Path) -> dict[str, float]:
    emulator = Emulator(parse_scenario(scenario()), clock=ScaledClock(SPEED))
    thread = EmulatorThread(emulator)
    endpoint = thread.start()
    os.environ |= {
        "AWS_ENDPOINT_URL_DRS": endpoint,
        "AWS_ACCESS_KEY_ID": "111111111111",
        "AWS_SECRET_ACCESS_KEY": "emulator",
    }
    settings = Settings.model_validate(
        {
            "database_url": f"sqlite:///{tmp / f'bench-{concurrent}.db'}",
            "regions": [REGION],
            "data_dir": str(tmp),
        }
    )
    services = Services.build(settings)
    clock = Clock(lambda: datetime.fromtimestamp(emulator.clock.now(), UTC), speed=SPEED)
    engine = services.start_engine(clock)
    try:
        plans = []
        for i in range(concurrent):
            ids = []
            for tier in ("db", "web"):
                spec = ProtectionGroupSpec.model_validate(
                    {
                        "name": f"a{i:02d} {tier}",
                        "region": REGION,
                        "serverSelector": {"tags": {"App": f"a{i:02d}", "Tier": tier}},
                    }
                )
                ids.append(services.groups.create(spec, "bench")[0].id)
            plan = RecoveryPlanSpec.model_validate(
                {
                    "name": f"app {i:02d}",
                    "waves": [
                        {"name": "DB", "protectionGroupIds": [ids[0]]},
                        {"name": "Web", "protectionGroupIds": [ids[1]]},
                    ],
                }
            )
            plans.append(services.plans.create(plan, "bench").id)
        emulator.clear_calls()
        started = emulator.clock.now()
        executions = [
            services.executions.start(
                p, Mode.DRILL, confirm_plan_name=None, cleanup_after_minutes=None,
                user=("u-bench", "bench"),
            ).id
            for p in plans
        ]  # fmt: skip
        finals = [ended(engine, e, timeout=600) for e in executions]
        minutes = (emulator.clock.now() - started) / 60
        counts = dict(emulator.counts)
    finally:
        services.stop_engine()
        services.ctx.engine.dispose()
        thread.stop()
    failed = [
        (f.id, [(w.name, w.failure) for w in f.waves]) for f in finals if f.status != "COMPLETED"
    ]
    assert not failed, failed
    seen, react, queued, transitions, ratios = [], [], [], [], []
    for final in finals:
        db_wave, _ = final.waves
        db_batch = next(b for b in final.batches if b.wave == "DB")
        web_batch = next(b for b in final.batches if b.wave == "Web")
        assert final.started_at
        assert final.ended_at
        assert db_wave.ended_at
        assert db_batch.ended_at
        assert db_batch.started_at
        assert web_batch.ended_at
        assert web_batch.started_at
        assert web_batch.admitted_at
        # DRS ends the first wave's job -> the engine has seen it and verified the wave
        seen.append((db_wave.ended_at - db_batch.ended_at).total_seconds())
        # -> the second wave's StartRecovery, less any wait for DRS capacity
        wait = (web_batch.admitted_at - web_batch.requested_at).total_seconds()
        queued.append(wait)
        react.append((web_batch.started_at - db_wave.ended_at).total_seconds() - wait)
        transitions.append((web_batch.started_at - db_batch.ended_at).total_seconds())
        bound = (db_batch.ended_at - db_batch.started_at) + (
            web_batch.ended_at - web_batch.started_at
        )
        ratios.append((final.ended_at - final.started_at) / bound)
    return {
        "describe_jobs_per_min": counts.get("DescribeJobs", 0) / minutes,
        "calls_per_min": sum(counts.values()) / minutes,
        "start_recovery": counts.get("StartRecovery", 0),
        "seen_p50_s": statistics.median(seen),
        "react_p50_ms": statistics.median(react) / SPEED * 1000,
        "queued_p50_s": statistics.median(queued),
        "transition_p50_s": statistics.median(transitions),
        "total_over_bound": statistics.median(ratios),
        "emulated_minutes": minutes,
    }


def ended(engine: Engine, execution_id: str, timeout: float) -> ExecutionState:
    """The execution once it has ended, waiting on the engine's change notifications."""
    deadline = time.monotonic() + timeout
    while (state := engine.state(execution_id)).status.active:
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {execution_id} is still {state.status}")
        engine.notifier.wait(1.0)
    return state


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = {n: run(n, Path(tmp)) for n in (1, 10, 50)}
    print(f"Engine vs emulator at {SPEED:g}x, drills of 2-wave plans (2 servers per wave)")
    print(f"{'':42}" + "".join(f"{n:>10} exec" for n in results))
    rows = [
        ("DescribeJobs per emulated minute", "describe_jobs_per_min", "{:>15.1f}"),
        ("all DRS calls per emulated minute", "calls_per_min", "{:>15.1f}"),
        ("StartRecovery calls", "start_recovery", "{:>15.0f}"),
        ("job end -> wave seen done, p50 (s)", "seen_p50_s", "{:>15.1f}"),
        ("wave done -> next StartRecovery (wall ms)", "react_p50_ms", "{:>15.1f}"),
        ("wait for DRS capacity, p50 (s)", "queued_p50_s", "{:>15.1f}"),
        ("job end -> next StartRecovery, p50 (s)", "transition_p50_s", "{:>15.1f}"),
        ("total / critical-path bound (p50)", "total_over_bound", "{:>15.2f}"),
        ("run length (emulated minutes)", "emulated_minutes", "{:>15.1f}"),
    ]
    for label, key, fmt in rows:
        print(f"{label:42}" + "".join(fmt.format(r[key]) for r in results.values()))
    one, fifty = results[1], results[50]
    growth = fifty["describe_jobs_per_min"] / one["describe_jobs_per_min"]
    print(
        f"DescribeJobs/min with 50 executions is {growth:.2f}x that with 1 "
        "(one poller per region, whatever the number of executions)"
    )
    print("Times in emulated seconds unless marked; at 120x, 1 emulated s is 8.3 wall ms.")
    print("With 50 executions the 20-concurrent-jobs quota queues waves: the lower bound")
    print("ignores it, the engine cannot.")


if __name__ == "__main__":
    main()
