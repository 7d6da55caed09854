"""The way home over time: replication back from a recovery instance, and failback launches.

Two paths, as DRS has them. An AWS origin's recovery instance replicates back through
ReverseReplication into a source server in the origin region (made on first use, reused
after), which moves INITIATING -> INITIAL_SYNC -> CONTINUOUS like any replication. An
on-premises origin's recovery instance waits for the DRS Failback Client to boot on the
target machine; its `failback.state` then moves FAILBACK_IN_PROGRESS ->
FAILBACK_READY_FOR_LAUNCH, and StartFailbackLaunch ends at FAILBACK_COMPLETED.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .estate import Job, LogItem, RecoveryInstance, SourceServer
from .faults import FaultSet
from .ids import IdFactory
from .scenario import Timing
from .scheduler import Scheduler

INITIATING_SECONDS = 60.0  # replication server launch and pairing, before the initial sync
# The errors a source server's dataReplicationError may carry (a smaller set than failback's).
_SOURCE_SERVER_ERRORS = {"AGENT_NOT_SEEN", "NOT_CONVERGING", "UNSTABLE_NETWORK"}
# Replication back that is under way (not yet, or no longer, ended or failed).
ACTIVE_BACK = {"INITIATING", "INITIAL_SYNC", "CONTINUOUS", "STALLED"}

SettleJob = Callable[[Job], None]


@dataclass
class FailbackPlanner:
    scheduler: Scheduler
    timing: Timing
    faults: FaultSet
    ids: IdFactory
    seed: int

    def _jitter(self, *parts: str) -> float:
        spread = self.timing.jitter
        return random.Random("/".join(("failback", str(self.seed), *parts))).uniform(
            1 - spread, 1 + spread
        )

    # -- replication back ------------------------------------------------------------------

    def replicate_back(
        self, instance: RecoveryInstance, target: SourceServer | None, now: float
    ) -> None:
        """Start the replication back of `instance`: into `target` (AWS) or its client."""
        back = instance.failback
        back.generation += 1
        back.replication, back.replication_started, back.error = "INITIATING", now, None
        mine = back.generation
        theirs = 0
        back.target = target
        if target is not None:
            target.generation += 1
            theirs = target.generation
            target.replicating_from = instance
            target.replication_state = "INITIATING"
            target.unhealthy_since = target.replication_error = target.synced_at = None

        def current() -> bool:
            return back.generation == mine and (target is None or target.generation == theirs)

        def to(state: str) -> None:
            back.replication = state
            if target is not None:
                target.replication_state = state

        synced = now + INITIATING_SECONDS
        took = self.timing.reverseSyncSeconds * self._jitter(instance.id, str(mine))
        failure = self.faults.failback_failure(instance.server.id, instance.server.hostname)

        def initial_sync() -> None:
            if current():
                to("INITIAL_SYNC")

        def stall() -> None:
            if not current() or failure is None:
                return
            to("STALLED")
            back.error = failure
            if target is None:
                back.state = "FAILBACK_ERROR"
            else:
                error = failure[0] if failure[0] in _SOURCE_SERVER_ERRORS else "NOT_CONVERGING"
                target.replication_error = (error, failure[1])
                target.unhealthy_since = self.scheduler.current

        def continuous() -> None:
            if not current():
                return
            to("CONTINUOUS")
            if target is None:
                back.state = "FAILBACK_READY_FOR_LAUNCH"
                back.client_seen = self.scheduler.current
            else:
                target.synced_at = self.scheduler.current

        self.scheduler.at(synced, initial_sync)
        if failure is not None:
            self.scheduler.at(synced + took * 0.5, stall)
        else:
            self.scheduler.at(synced + took, continuous)

    def stop_back(self, instance: RecoveryInstance, *, lost: bool = False) -> None:
        """End the replication back (StopFailback; `lost`: its source instance is gone)."""
        back = instance.failback
        back.generation += 1
        back.replication, back.error, back.replication_started = None, None, None
        if instance.origin_environment == "ON_PREMISES" and back.state != "FAILBACK_COMPLETED":
            back.state = "FAILBACK_NOT_STARTED"
            back.client_id = back.client_seen = back.launch_type = None
        target, back.target = back.target, None
        if target is not None and target.replicating_from is instance:
            stop_replicating(target, "DISCONNECTED" if lost else "STOPPED", self.scheduler.current)

    def boot_client(self, instance: RecoveryInstance, launch_type: str, now: float) -> None:
        """The DRS Failback Client pairs with `instance` from the on-premises machine."""
        back = instance.failback
        back.client_id = "fbc-" + instance.id[2:]
        back.client_seen = now
        back.launch_type = launch_type
        back.state = "FAILBACK_IN_PROGRESS"
        back.job_id = back.initiated = None
        self.replicate_back(instance, None, now)

    # -- on-premises failback launch -------------------------------------------------------

    def plan_launch(
        self,
        job: Job,
        instances: list[RecoveryInstance],
        failing: dict[str, str],
        now: float,
        settle: SettleJob,
    ) -> None:
        """StartFailbackLaunch's job: each machine boots from the replicated data."""
        job.log.append(LogItem(now, "JOB_START", {}))
        for instance in instances:
            back, sid = instance.failback, instance.server_id
            back.state, back.job_id, back.initiated = "FAILBACK_IN_PROGRESS", job.id, now
            start = now + 5
            took = self.timing.failbackLaunchSeconds * self._jitter(job.id, instance.id)
            raw = failing.get(sid)

            def started(sid: str = sid) -> None:
                job.status = "STARTED"
                job.participants[sid].launch_status = "IN_PROGRESS"
                job.log.append(
                    LogItem(self.scheduler.current, "LAUNCH_START", {"sourceServerID": sid})
                )

            def ended(instance: RecoveryInstance = instance, raw: str | None = raw) -> None:
                sid, back = instance.server_id, instance.failback
                at = self.scheduler.current
                if raw is None and back.launch_type == "DRILL":
                    # a rehearsal: the machine booted, the workload stays in the recovery
                    # region and its replication back goes on (assumed; DRS does not say)
                    job.participants[sid].launch_status = "LAUNCHED"
                    back.state = "FAILBACK_READY_FOR_LAUNCH"
                elif raw is None:
                    job.participants[sid].launch_status = "LAUNCHED"
                    back.state, back.replication = "FAILBACK_COMPLETED", "STOPPED"
                    back.generation += 1
                else:
                    job.participants[sid].launch_status = "FAILED"
                    job.log.append(
                        LogItem(at, "LAUNCH_FAILED", {"sourceServerID": sid, "rawError": raw})
                    )
                    back.state = "FAILBACK_READY_FOR_LAUNCH"
                settle(job)

            self.scheduler.at(start, started)
            self.scheduler.at(start + (took * 0.6 if raw is not None else took), ended)


def stop_replicating(server: SourceServer, state: str, now: float) -> None:
    """`server` no longer replicates anything: its scheduled steps lapse."""
    source = server.replicating_from
    if source is not None and source.failback.replication is not None:
        source.failback.generation += 1
        source.failback.replication = None
        source.failback.target = None
    server.replicating_from = None
    server.generation += 1
    server.replication_state = state
    server.replication_error = None
    server.unhealthy_since = now
