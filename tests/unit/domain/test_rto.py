"""RTO prediction over the wave graph, from history or from DRS's usual times."""

from __future__ import annotations

import pytest

from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.domain.rto import USUAL_WAVE_MINUTES, estimate

WAIT = {"type": "wait", "durationSeconds": 600}


def plan(*waves: tuple[str, list[str]], waits: str = "") -> RecoveryPlanSpec:
    return RecoveryPlanSpec.model_validate(
        {
            "name": "P",
            "waves": [
                {
                    "name": n,
                    "protectionGroupIds": ["g"],
                    "dependsOn": deps,
                    "postHooks": [WAIT] if n == waits else [],
                }
                for n, deps in waves
            ],
        }
    )


def test_without_history_each_wave_takes_drs_usual_time_plus_its_waits() -> None:
    spec = plan(("A", []), ("B", ["A"]), ("C", ["B"]), waits="B")

    found = estimate(spec, {}, [], 0)

    assert found.p50_minutes == pytest.approx(3 * USUAL_WAVE_MINUTES + 10)
    assert found.low_minutes < found.p50_minutes < found.high_minutes
    assert found.critical_path == ["A", "B", "C"]
    assert {w.source for w in found.waves} == {"default"}


def test_the_plans_own_history_comes_first_then_every_plans() -> None:
    spec = plan(("A", []), ("B", ["A"]), ("C", ["A"]))

    found = estimate(spec, {"A": [10, 12, 14], "B": [30]}, [5, 6, 7], 3)

    waves = {w.name: w for w in found.waves}
    assert (waves["A"].p50_minutes, waves["A"].source, waves["A"].samples) == (12, "this plan", 3)
    assert (waves["B"].p50_minutes, waves["B"].source) == (30, "this plan")
    assert (waves["C"].p50_minutes, waves["C"].source) == (6, "all plans")
    assert found.critical_path == ["A", "B"]  # the parallel branch C is shorter
    assert found.p50_minutes == 42
    assert found.low_minutes == pytest.approx(10.4 + 30)  # first deciles along the path
    assert found.executions == 3
