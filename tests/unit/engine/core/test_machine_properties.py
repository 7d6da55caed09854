"""Properties over random plan graphs and random DRS outcomes, with no operator involved."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from drs_orchestrator.domain.executions import ExecutionStatus, ServerStatus, WaveStatus
from tests.unit.engine.core.test_machine import Drs, group, new, plan, sid


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[Any], set[str], set[str]]:
    count = draw(st.integers(1, 6))
    waves, groups, first = [], [], 0
    for i in range(count):
        deps = draw(st.lists(st.integers(0, i - 1), unique=True, max_size=i)) if i else []
        size = draw(st.integers(1, 4))
        groups.append(group(f"g{i}", first, size))
        waves.append(
            {
                "name": f"W{i}",
                "protectionGroupIds": [f"g{i}"],
                "dependsOn": [f"W{d}" for d in deps],
                "onFailure": draw(st.sampled_from(["stop", "continue"])),
                "nonCriticalServerIds": [sid(first)] if draw(st.booleans()) else [],
            }
        )
        first += size
    every = {sid(n) for n in range(first)}
    failing = draw(st.sets(st.sampled_from(sorted(every)), max_size=3))
    return waves, groups, failing, every


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_any_plan_ends_in_an_outcome_with_dependencies_respected(
    scenario: tuple[list[dict[str, Any]], list[Any], set[str], set[str]],
) -> None:
    waves, groups, failing, every = scenario
    drs = Drs(new(plan(*waves), groups))

    while jobs := drs.admit_and_start():
        for job in jobs:
            drs.finish(job, failed={s: "boom" for s in drs.jobs[job] if s in failing})

    state = drs.state
    assert not state.status.active
    assert all(w.status.ended for w in state.waves)
    assert all(s.status.ended for s in state.servers.values())
    # One StartRecovery per wave (one region, no quota split), never one per server.
    launched = [b.wave for b in state.batches]
    assert len(launched) == len(set(launched))
    # A wave launched only after each dependency ended in a way that lets it run.
    events = [e for step in drs.history for e in step.events]
    ended_at = {
        e.subject: e.seq for e in events if e.kind == "wave" and e.new in {"COMPLETED", "FAILED"}
    }
    for e in events:
        if e.kind == "wave" and e.new == "LAUNCHING":
            wave = state.wave(e.subject)
            for dep in wave.spec.dependencies:
                assert ended_at[dep] < e.seq
                d = state.wave(dep)
                assert d.status == WaveStatus.COMPLETED or d.spec.on_failure == "continue"
    # The outcome follows from what happened.
    ready = all(s.status == ServerStatus.READY for s in state.servers.values())
    assert (state.status == ExecutionStatus.COMPLETED) == ready
    stopped = any(
        w.status == WaveStatus.FAILED and w.spec.on_failure == "stop" for w in state.waves
    )
    assert (state.status == ExecutionStatus.FAILED) == stopped
    critical_failed = {
        s.server_id
        for s in state.servers.values()
        if s.critical and s.status == ServerStatus.FAILED
    }
    assert critical_failed <= failing
    assert {s.server_id for s in state.servers.values()} == every
