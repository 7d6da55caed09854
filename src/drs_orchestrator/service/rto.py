"""RTO estimates from the history of executions."""

from __future__ import annotations

from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.domain.rto import RtoEstimate, estimate
from drs_orchestrator.engine.core.state import load_state
from drs_orchestrator.reports.analytics import wave_minutes
from drs_orchestrator.service.context import Context
from drs_orchestrator.store import executions

# How much history to learn from: recent runs reflect today's DRS and today's servers.
OWN_HISTORY = 50
OVERALL_HISTORY = 200


class RtoService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def estimate(self, plan_id: str | None, spec: RecoveryPlanSpec) -> RtoEstimate:
        with self.ctx.read() as conn:
            own = executions.ended_states(conn, plan_id, OWN_HISTORY) if plan_id is not None else []
            overall = executions.ended_states(conn, None, OVERALL_HISTORY)
        own_states = [load_state(s) for s in own]
        everyone = wave_minutes(load_state(s) for s in overall)
        return estimate(
            spec,
            wave_minutes(own_states),
            [m for minutes in everyone.values() for m in minutes],
            len(own_states),
        )
