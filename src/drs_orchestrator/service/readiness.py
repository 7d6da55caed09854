"""Readiness at a glance: how well the estate and the plans are prepared for a disaster."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

from drs_orchestrator.domain.errors import DomainError, DrsNotInitialized
from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.servers import ServerFacts
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.reports.evidence import measured_rto
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.executions import ExecutionService
from drs_orchestrator.service.lint import LintService
from drs_orchestrator.service.plans import PlanService
from drs_orchestrator.store.executions import Filters
from drs_orchestrator.store.plans import PlanRecord

# Lag buckets an operator reads at a glance; RPO targets are usually minutes.
LAG_BUCKETS: list[tuple[str, int | None]] = [
    ("under 1 min", 60),
    ("1-15 min", 15 * 60),
    ("15-60 min", 60 * 60),
    ("over 1 h", None),
]
ATTENTION_MAX = 20
# Replication that has stopped loses data now; a stale drill only loses confidence.
BROKEN_REPLICATION = frozenset({"STALLED", "DISCONNECTED", "STOPPED"})


class Severity(IntEnum):
    """How urgently a server needs an operator, most urgent first."""

    REPLICATION_BROKEN = 0
    REPLICATION_NOT_CONTINUOUS = 1
    NEVER_DRILLED = 2
    NOT_DRILLED_RECENTLY = 3


@dataclass(frozen=True)
class Attention:
    region: str
    server: ServerFacts
    severity: Severity
    reason: str


@dataclass
class RegionServers:
    region: str
    servers: list[ServerFacts] = field(default_factory=list)
    error: str | None = None


@dataclass
class ServerReadiness:
    account_id: str
    stale_days: int
    regions: list[RegionServers]
    by_replication_state: dict[str, int]
    by_lag: dict[str, int]
    never_drilled: int
    stale: int  # drilled, but before the cut-off; the never drilled are counted apart
    attention: list[Attention]  # most urgent first, at most ATTENTION_MAX


@dataclass
class PlanReadiness:
    plan: PlanRecord
    lint_errors: int | None
    lint_warnings: int | None
    lint_failure: str | None
    last_execution: ExecutionState | None
    last_drill: ExecutionState | None
    last_drill_rto_seconds: float | None


def _attention(
    region: str, server: ServerFacts, cutoff: datetime, stale_days: int
) -> Attention | None:
    """The most urgent thing wrong with a server, if anything is."""
    state = server.replication_state
    if state in BROKEN_REPLICATION:
        why = "replication " + state.lower().replace("_", " ")
        return Attention(region, server, Severity.REPLICATION_BROKEN, why)
    if state != "CONTINUOUS":
        why = "replication " + state.lower().replace("_", " ")
        return Attention(region, server, Severity.REPLICATION_NOT_CONTINUOUS, why)
    if server.last_drill_at is None:
        return Attention(region, server, Severity.NEVER_DRILLED, "never drilled")
    if server.last_drill_at < cutoff:
        why = f"not drilled in {stale_days} days"
        return Attention(region, server, Severity.NOT_DRILLED_RECENTLY, why)
    return None


def lag_bucket(lag_seconds: int | None) -> str:
    if lag_seconds is None:
        return "unknown"
    for name, limit in LAG_BUCKETS:
        if limit is None or lag_seconds < limit:
            return name
    raise AssertionError("the last bucket has no limit")


class ReadinessService:
    def __init__(
        self,
        ctx: Context,
        plans: PlanService,
        lint: LintService,
        executions: ExecutionService,
        now: Callable[[], datetime],
    ) -> None:
        self.ctx = ctx
        self.plans = plans
        self.lint = lint
        self.executions = executions
        self.now = now

    def servers(self, account_id: str | None, stale_days: int) -> ServerReadiness:
        """Every initialised region's servers, counted; a region DRS cannot answer for is
        reported as such instead of failing the whole page. One listing per region, asked of
        every region at once: a region where DRS was never initialised answers that itself."""
        account = account_id or self.ctx.settings.account_id
        regions = self.ctx.settings.regions or self.ctx.drs.known_regions()

        def listing(region: str) -> RegionServers | None:
            try:
                return RegionServers(region, self.ctx.drs.source_servers(account, region))
            except DrsNotInitialized:
                return None
            except DomainError as error:
                return RegionServers(region, error=error.message)

        with ThreadPoolExecutor(max_workers=8) as pool:
            found = [r for r in pool.map(listing, regions) if r is not None]
        return self._count(account, stale_days, found)

    def _count(
        self, account: str, stale_days: int, regions: list[RegionServers]
    ) -> ServerReadiness:
        cutoff = self.now() - timedelta(days=stale_days)
        states: Counter[str] = Counter()
        lags: Counter[str] = Counter({name: 0 for name, _ in LAG_BUCKETS} | {"unknown": 0})
        never = stale = 0
        attention: list[Attention] = []
        for region in regions:
            for server in region.servers:
                states[server.replication_state] += 1
                lags[lag_bucket(server.lag_seconds)] += 1
                if server.last_drill_at is None:
                    never += 1
                elif server.last_drill_at < cutoff:
                    stale += 1
                found = _attention(region.region, server, cutoff, stale_days)
                if found is not None:
                    attention.append(found)
        attention.sort(key=lambda a: (a.severity, a.server.hostname, a.server.source_server_id))
        return ServerReadiness(
            account,
            stale_days,
            regions,
            dict(states),
            dict(lags),
            never,
            stale,
            attention[:ATTENTION_MAX],
        )

    def plans_readiness(self) -> list[PlanReadiness]:
        out = []
        cursor = None
        while True:
            page = self.plans.list(100, cursor)
            out += [self._plan(record) for record in page.items]
            cursor = page.next_cursor
            if cursor is None:
                return out

    def _plan(self, record: PlanRecord) -> PlanReadiness:
        errors = warnings = None
        failure = None
        try:
            findings = self.lint.lint(record.spec(), record.id)
            errors = sum(f.severity == "error" for f in findings)
            warnings = sum(f.severity == "warning" for f in findings)
        except DomainError as error:
            failure = error.message
        last = self._latest(Filters(plan_id=record.id))
        drill = self._latest(Filters(plan_id=record.id, mode=Mode.DRILL.value, active=False))
        return PlanReadiness(
            record,
            errors,
            warnings,
            failure,
            last,
            drill,
            measured_rto(drill) if drill else None,
        )

    def _latest(self, filters: Filters) -> ExecutionState | None:
        items = self.executions.page(filters, 1, None).items
        return items[0] if items else None
