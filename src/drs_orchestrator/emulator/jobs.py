"""How DRS jobs unfold over time.

A job's whole timeline is planned when it starts (seeded jitter, injected failures) and
scheduled as events; the emulator applies them as its clock passes. A launch runs, per server:
snapshot (or an earlier snapshot) -> conversion (skipped in FAST mode) -> launch -> optional
post-launch actions. The job is PENDING through the snapshot phase, STARTED once a server is
being converted or launched, COMPLETED when every server launched or failed. DRS has no failed
job status: failures are per server.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .estate import (
    NEVER_SYNCED,
    SNAPSHOT_CAPABLE,
    Job,
    LaunchRun,
    LogItem,
    Participant,
    RecoveryInstance,
    Region,
    Snapshot,
    SourceServer,
)
from .faults import ServerFailure
from .ids import IdFactory
from .protocol import service_model
from .scenario import Timing
from .scheduler import Scheduler

if TYPE_CHECKING:
    from .ec2 import RegionEc2
    from .failback import FailbackPlanner


@dataclass
class ServerLaunch:
    """One server of a launch job: what it launches from and any failure injected for it."""

    server: SourceServer
    snapshot: Snapshot | None
    failure: ServerFailure | None

    def fails_at(self, phase: str) -> bool:
        return self.failure is not None and self.failure.phase == phase

    @property
    def raw_error(self) -> str:
        return self.failure.raw_error if self.failure else ""


@dataclass
class JobPlanner:
    region: Region
    scheduler: Scheduler
    timing: Timing
    ids: IdFactory
    seed: int
    ec2: RegionEc2 | None = None  # recovered instances are EC2's too, when it is kept
    failback: FailbackPlanner | None = None  # a recovery's instances may go home later

    def _rng(self, job: Job) -> random.Random:
        return random.Random(f"timing/{self.seed}/{job.id}")

    def _duration(self, rng: random.Random, base: float, server: SourceServer | None) -> float:
        factor = self.timing.windowsFactor if server is not None and server.is_windows else 1.0
        spread = self.timing.jitter
        return base * factor * rng.uniform(1 - spread, 1 + spread)

    # -- launch ------------------------------------------------------------------------------

    def plan_launch(self, job: Job, launches: list[ServerLaunch], now: float) -> None:
        rng = self._rng(job)
        job.log.append(LogItem(now, "JOB_START", {}))
        for launch in launches:
            t = now + 1 + rng.uniform(0, 3)
            started = self._plan_snapshot(job, launch, t, now, rng)
            if started is None:
                continue
            t, pit = started
            if launch.server.launch_config.get("recoveryMode") != "FAST":
                converted = self._plan_conversion(job, launch, t, rng)
                if converted is None:
                    continue
                t = converted
            self._plan_instance(job, launch, t, pit, rng)

    def _plan_snapshot(
        self, job: Job, launch: ServerLaunch, t: float, now: float, rng: random.Random
    ) -> tuple[float, float] | None:
        """The data to launch from: the chosen PIT, an on-demand snapshot, or the last PIT.

        Returns when the next phase may start and the snapshot's time, or None on failure.
        """
        server, at = launch.server, self.scheduler.at
        if launch.snapshot is not None:
            return t, launch.snapshot.taken
        if server.replication_state in SNAPSHOT_CAPABLE:
            at(t, self._logger(job, "SNAPSHOT_START", server.id))
            took = self._duration(rng, self.timing.snapshotSeconds, None)
            if launch.fails_at("SNAPSHOT"):
                self._fail(job, server, t + took * 0.5, "SNAPSHOT_FAIL", launch.raw_error)
                return None
            at(t + took, self._logger(job, "SNAPSHOT_END", server.id))
            at(t + took, self._take_snapshot(server, t + took))
            return t + took, t + took
        previous = [] if server.replication_state in NEVER_SYNCED else server.pit_snapshots(now)
        if not previous:
            reason = "No point-in-time snapshot available: initial sync has not completed"
            self._fail(job, server, t, "USING_PREVIOUS_SNAPSHOT_FAILED", reason)
            return None
        at(t, self._logger(job, "USING_PREVIOUS_SNAPSHOT", server.id))
        return t + 5, previous[-1].taken

    def _plan_conversion(
        self, job: Job, launch: ServerLaunch, t: float, rng: random.Random
    ) -> float | None:
        server, at = launch.server, self.scheduler.at
        conversion_server = self.ids.instance()
        t += 2
        at(
            t,
            self._logger(job, "CONVERSION_START", server.id, conversionServerID=conversion_server),
        )
        at(t, self._in_progress(job, server))
        took = self._duration(rng, self.timing.conversionSeconds, server)
        if launch.fails_at("CONVERSION"):
            self._fail(job, server, t + took * 0.5, "CONVERSION_FAIL", launch.raw_error)
            return None
        t += took
        at(t, self._logger(job, "CONVERSION_END", server.id, conversionServerID=conversion_server))
        return t

    def _plan_instance(
        self, job: Job, launch: ServerLaunch, t: float, pit: float, rng: random.Random
    ) -> None:
        server, at = launch.server, self.scheduler.at
        instance_id = self.ids.instance()
        t += 2
        at(t, self._in_progress(job, server))
        at(t, self._logger(job, "LAUNCH_START", server.id, targetInstanceID=instance_id))
        at(t, self._create_instance(job, server, instance_id, pit, launch.fails_at("LAUNCH")))
        took = self._duration(rng, self.timing.launchSeconds, server)
        if launch.fails_at("LAUNCH"):
            t += took * 0.6
            self._fail(job, server, t, "LAUNCH_FAILED", launch.raw_error)
            at(t + 1, self._logger(job, "CLEANUP_START", server.id, targetInstanceID=instance_id))
            at(t + 20, self._discard_instance(server, instance_id))
            at(t + 20, self._logger(job, "CLEANUP_END", server.id, targetInstanceID=instance_id))
            return
        t += took
        at(t, self._launched(job, server, instance_id))
        if server.launch_config.get("postLaunchEnabled"):
            failure = launch.raw_error if launch.fails_at("POST_LAUNCH") else None
            self._plan_post_launch(job, server, t, rng, failure)

    def _plan_post_launch(
        self, job: Job, server: SourceServer, t: float, rng: random.Random, raw: str | None
    ) -> None:
        participant = job.participants[server.id]
        run = LaunchRun(
            run_id=self.ids.uuid(),
            action={
                "actionId": self.ids.uuid(),
                "actionCode": "AWS-RunPowerShellScript"
                if server.is_windows
                else "AWS-RunShellScript",
                "type": "SSM_COMMAND",
                "name": "Application health check",
                "active": True,
                "order": 2,
                "actionVersion": "$DEFAULT",
                "optional": False,
                "category": "VALIDATION",
                "description": "Checks that the recovered application answers",
            },
        )
        discovered = t + self._duration(rng, self.timing.ssmDiscoverySeconds, server)
        finished = discovered + self._duration(rng, self.timing.postLaunchSeconds, None)

        def discover() -> None:
            participant.ssm_discovered_at = discovered
            participant.runs.append(run)

        def finish() -> None:
            if raw is None:
                run.status = "SUCCEEDED"
            else:
                run.status = "FAILED"
                run.failure_reason = _failure_reason(raw)

        self.scheduler.at(discovered, discover)
        self.scheduler.at(finished, finish)

    # -- transitions ---------------------------------------------------------------------------

    def _logger(self, job: Job, event: str, server_id: str, **extra: Any) -> Callable[[], None]:
        data = {"sourceServerID": server_id, **extra}

        def log() -> None:
            job.log.append(LogItem(self.scheduler.current, event, data))

        return log

    def _take_snapshot(self, server: SourceServer, t: float) -> Callable[[], None]:
        def take() -> None:
            server.on_demand_snapshots.append(
                Snapshot(
                    id=self.ids.snapshot(),
                    server_id=server.id,
                    expected=t,
                    taken=t,
                    ebs=[self.ids.ebs_snapshot() for _ in server.spec.disksGiB],
                )
            )

        return take

    def _in_progress(self, job: Job, server: SourceServer) -> Callable[[], None]:
        def move() -> None:
            participant = job.participants[server.id]
            if participant.launch_status == "PENDING":
                participant.launch_status = "IN_PROGRESS"
            if job.status == "PENDING":
                job.status = "STARTED"
            if server.last_launch is not None and server.last_launch.job_id == job.id:
                server.last_launch.status = "IN_PROGRESS"

        return move

    def _create_instance(
        self, job: Job, server: SourceServer, instance_id: str, pit_time: float, failing: bool
    ) -> Callable[[], None]:
        def create() -> None:
            copy = server.launch_config.get("copyTags", False)
            if self.ec2 is not None and not failing:
                tags = dict(server.tags) if copy else {}  # over the template's own
                self.ec2.run(
                    server.launch_config["ec2LaunchTemplateID"],
                    copied_ip(server),
                    instance_id,
                    tags,
                )
            self.region.instances[instance_id] = RecoveryInstance(
                id=instance_id,
                arn=self.region.arn("recovery-instance", instance_id),
                server_id=server.id,
                job_id=job.id,
                is_drill=job.is_drill,
                pit_time=pit_time,
                tags=dict(server.tags) if copy else {},
                server=server,
            )
            job.participants[server.id].instance_id = instance_id
            server.recovery_instance_id = instance_id

        return create

    def _discard_instance(self, server: SourceServer, instance_id: str) -> Callable[[], None]:
        def discard() -> None:
            if self.ec2 is not None:
                self.ec2.terminate(instance_id)
            self.region.instances.pop(instance_id, None)
            if server.recovery_instance_id == instance_id:
                server.recovery_instance_id = None

        return discard

    def _launched(self, job: Job, server: SourceServer, instance_id: str) -> Callable[[], None]:
        def done() -> None:
            instance = self.region.instances.get(instance_id)
            if instance is not None and instance.state == "PENDING":
                instance.state = "RUNNING"
                self._plan_client_boot(instance)
            job.participants[server.id].launch_status = "LAUNCHED"
            self._settle_server(job, server, "SUCCEEDED", "LAUNCHED")

        return done

    def _plan_client_boot(self, instance: RecoveryInstance) -> None:
        """The scenario's operator boots the failback client on premises after a recovery."""
        delay = self.timing.failbackClientBootSeconds
        if delay is None or self.failback is None or instance.is_drill:
            return
        if instance.origin_environment != "ON_PREMISES":
            return
        planner = self.failback

        def boot() -> None:
            waiting = instance.failback.state == "FAILBACK_NOT_STARTED"
            known = self.region.instances.get(instance.id) is instance
            if instance.state == "RUNNING" and waiting and known:
                planner.boot_client(instance, "RECOVERY", self.scheduler.current)

        self.scheduler.at(self.scheduler.current + delay, boot)

    def _fail(self, job: Job, server: SourceServer, t: float, event: str, raw: str) -> None:
        def fail() -> None:
            job.log.append(LogItem(t, event, {"sourceServerID": server.id, "rawError": raw}))
            job.participants[server.id].launch_status = "FAILED"
            self._settle_server(job, server, "FAILED", "FAILED")

        self.scheduler.at(t, fail)

    def _settle_server(self, job: Job, server: SourceServer, result: str, status: str) -> None:
        if server.last_launch is not None and server.last_launch.job_id == job.id:
            server.last_launch.status = status
            server.last_launch_result = result
        self.complete_if_done(job)

    def complete_if_done(self, job: Job) -> None:
        if not job.active:
            return
        terminal = {"LAUNCHED", "FAILED", "TERMINATED"}
        if all(p.launch_status in terminal for p in job.participants.values()):
            now = self.scheduler.current
            job.status = "COMPLETED"
            job.ended = now
            job.log.append(LogItem(now, "JOB_END", {}))
            self.region.active_jobs.pop(job.id, None)
            for server_id in job.participants:  # a job holds its servers until it ends
                self.region.busy_servers.pop(server_id, None)

    # -- terminate -----------------------------------------------------------------------------

    def plan_terminate(self, job: Job, instances: list[RecoveryInstance], now: float) -> None:
        rng = self._rng(job)
        job.log.append(LogItem(now, "JOB_START", {}))
        started = now + 2
        ended = started + self._duration(rng, self.timing.terminateSeconds, None)

        def shutting_down() -> None:
            job.status = "STARTED"
            for instance in instances:
                job.participants[instance.server_id].launch_status = "IN_PROGRESS"
                if instance.state != "TERMINATED":
                    instance.state = "SHUTTING-DOWN"

        def terminated() -> None:
            for instance in instances:
                if self.ec2 is not None:
                    self.ec2.terminate(instance.id)
                instance.state = "TERMINATED"
                instance.terminating_job = None
                if self.failback is not None and instance.failback.replication is not None:
                    self.failback.stop_back(instance, lost=True)
                job.participants[instance.server_id].launch_status = "TERMINATED"
                self._mark_launch_terminated(instance)
            self.complete_if_done(job)

        self.scheduler.at(started, shutting_down)
        self.scheduler.at(ended, terminated)

    def _mark_launch_terminated(self, instance: RecoveryInstance) -> None:
        launch = self.region.jobs.get(instance.job_id)
        if launch is not None:
            participant = launch.participants.get(instance.server_id)
            if participant is not None and participant.instance_id == instance.id:
                participant.launch_status = "TERMINATED"
        server = instance.server
        if server.recovery_instance_id == instance.id:
            server.recovery_instance_id = None
            if server.last_launch is not None and server.last_launch.job_id == instance.job_id:
                server.last_launch.status = "TERMINATED"


@cache
def _reason_shape() -> tuple[re.Pattern[str], int]:
    shape = service_model().shape_for("FailureReason")
    character = shape.metadata["pattern"].rstrip("*")  # the model's "[...]*" alphabet
    return re.compile(character), int(shape.metadata["max"])


def _failure_reason(raw: str) -> str:
    """DRS limits failure reasons to the model's alphabet and length."""
    allowed, limit = _reason_shape()
    return "".join(c if allowed.fullmatch(c) else " " for c in raw)[:limit]


def copied_ip(server: SourceServer) -> str | None:
    """The source's address when DRS copies it (copyPrivateIp), else None."""
    if not server.launch_config.get("copyPrivateIp"):
        return None
    return server.primary_ip


def new_participants(server_ids: list[str]) -> dict[str, Participant]:
    return {sid: Participant(sid) for sid in server_ids}
