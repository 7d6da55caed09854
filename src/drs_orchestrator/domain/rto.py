"""RTO prediction: how long a plan's critical path takes, from how long its waves (or, with
no history of their own, any plan's waves) took in past executions."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from drs_orchestrator.domain import graph
from drs_orchestrator.domain.plans import RecoveryPlanSpec, Wave

# Without any history: a drill launch takes about 20 minutes (docs/drs-facts.md), give or
# take.
USUAL_WAVE_MINUTES = 20.0
_DEFAULT_SPREAD = (0.6, 1.75)

Source = Literal["this plan", "all plans", "default"]


@dataclass(frozen=True)
class WaveEstimate:
    name: str
    p50_minutes: float
    low_minutes: float
    high_minutes: float
    samples: int
    source: Source


@dataclass(frozen=True)
class RtoEstimate:
    p50_minutes: float
    low_minutes: float
    high_minutes: float
    critical_path: list[str]
    waves: list[WaveEstimate]
    executions: int  # past executions of this plan the estimate learnt from


def waits_minutes(wave: Wave) -> float:
    """Fixed waits in a wave's hooks (approvals are people's time and are not predicted)."""
    waits = [h.wait() for h in [*wave.pre_hooks, *wave.post_hooks]]
    return sum(w.total_seconds() for w in waits if w is not None) / 60


def _spread(minutes: Sequence[float]) -> tuple[float, float, float]:
    if len(minutes) == 1:
        return minutes[0], minutes[0], minutes[0]
    deciles = statistics.quantiles(minutes, n=10, method="inclusive")
    return statistics.median(minutes), deciles[0], deciles[-1]


def wave_estimate(wave: Wave, own: Sequence[float], overall: Sequence[float]) -> WaveEstimate:
    """`own`: minutes this wave took before (launch to completion, hooks included);
    `overall`: the same for every wave of every plan."""
    if own:
        p50, low, high = _spread(own)
        return WaveEstimate(wave.name, p50, low, high, len(own), "this plan")
    extra = waits_minutes(wave)
    if overall:
        p50, low, high = _spread(overall)
        return WaveEstimate(wave.name, p50 + extra, low + extra, high + extra, len(overall),
                            "all plans")  # fmt: skip
    low_f, high_f = _DEFAULT_SPREAD
    base = USUAL_WAVE_MINUTES
    return WaveEstimate(wave.name, base + extra, base * low_f + extra, base * high_f + extra, 0,
                        "default")  # fmt: skip


def estimate(
    plan: RecoveryPlanSpec,
    own: Mapping[str, Sequence[float]],
    overall: Sequence[float],
    executions: int,
) -> RtoEstimate:
    waves = [wave_estimate(w, own.get(w.name, ()), overall) for w in plan.waves]
    edges = plan.edges()
    by = {w.name: w for w in waves}
    p50, path = graph.critical_path(edges, {n: w.p50_minutes for n, w in by.items()})
    low, _ = graph.critical_path(edges, {n: w.low_minutes for n, w in by.items()})
    high, _ = graph.critical_path(edges, {n: w.high_minutes for n, w in by.items()})
    return RtoEstimate(p50, low, high, path, waves, executions)
