"""The execution state machine, driven by hand: no DBOS, no HTTP, no clock but the one passed in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from drs_orchestrator.domain.errors import Conflict, Forbidden
from drs_orchestrator.domain.executions import (
    CleanupStatus,
    ExecutionStatus,
    Mode,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.observations import InstanceView, JobView, ServerView
from drs_orchestrator.domain.plans import GroupMembers, RecoveryPlanSpec
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.freeze import Launch, freeze
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.core.step import (
    AskDrs,
    DescribeInstances,
    RunHook,
    StartJob,
    Step,
    Terminate,
)

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ACCOUNT, REGION = "111111111111", "us-east-1"


def sid(n: int) -> str:
    return f"s-{n:017d}"


def group(name: str, first: int, count: int, region: str = REGION) -> GroupMembers:
    return GroupMembers(
        name, name, ACCOUNT, region, tuple(sid(n) for n in range(first, first + count))
    )


def plan(*waves: dict[str, Any], **extra: Any) -> RecoveryPlanSpec:
    return RecoveryPlanSpec.model_validate({"name": "Shop", "waves": list(waves), **extra})


def wave(name: str, *groups: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "protectionGroupIds": list(groups), **extra}


def new(
    spec: RecoveryPlanSpec,
    groups: Iterable[GroupMembers],
    mode: Mode = Mode.DRILL,
    post_launch: Iterable[str] = (),
) -> ExecutionState:
    members = {g.id: g for g in groups}
    launch = Launch("ex-1", "plan-1", 1, spec, mode, "alice", "u-alice", {}, frozenset(post_launch))
    return freeze(launch, members, T0)


class Drs:
    """Plays DRS for the state machine: admits batches, starts jobs, reports them."""

    def __init__(self, state: ExecutionState) -> None:
        self.now = T0
        self.jobs: dict[str, list[str]] = {}  # job ID -> servers
        self.step = machine.start(state, self.now)
        self.history: list[Step] = [self.step]

    @property
    def state(self) -> ExecutionState:
        return self.step.state

    def apply(self, step: Step) -> Step:
        self.step = step
        self.history.append(step)
        return step

    def later(self, **delta: float) -> Step:
        self.now += timedelta(**delta)
        return self.apply(machine.advance(self.state, self.now))

    def admit_and_start(self) -> list[str]:
        """Admit every queued batch and start its job; the new job IDs."""
        queued = [b.key for b in self.state.batches if b.state == "QUEUED"]
        if queued:
            self.apply(machine.admitted(self.state, queued, self.now))
        started = []
        for action in list(self.step.actions):
            if isinstance(action, StartJob):
                job = f"drsjob-{len(self.jobs) + 1:017d}"
                self.jobs[job] = self.state.batch(action.batch_key).server_ids
                self.apply(machine.job_started(self.state, action.batch_key, job, self.now))
                started.append(job)
        return started

    def finish(
        self,
        job: str,
        failed: dict[str, str] | None = None,
        post_launch: str | None = None,
    ) -> None:
        """The job completes: servers launched (or failed with a raw error), instances recorded."""
        failed = failed or {}
        views = tuple(
            ServerView(
                s,
                "FAILED" if s in failed else "LAUNCHED",
                None if s in failed else f"i-{s[2:]}",
                post_launch=post_launch,
            )
            for s in self.jobs[job]
        )
        self.apply(
            machine.job_observed(self.state, JobView(job, "COMPLETED", views, failed), self.now)
        )
        self.describe_instances()

    def describe_instances(self) -> None:
        for action in list(self.step.actions):
            if isinstance(action, DescribeInstances):
                views = [
                    InstanceView(s, f"i-{s[2:]}", f"i-ec2{s[-8:]}", "RUNNING")
                    for s in action.server_ids
                ]
                self.apply(machine.instances_observed(self.state, views, self.now))

    def run_all(self) -> None:
        while jobs := self.admit_and_start():
            for job in jobs:
                self.finish(job)

    def statuses(self) -> dict[str, WaveStatus]:
        return {w.name: w.status for w in self.state.waves}


# --- order ---


def test_waves_run_in_dependency_order_and_branches_in_parallel() -> None:
    spec = plan(
        wave("DB", "db", dependsOn=[]),
        wave("App", "app", dependsOn=["DB"]),
        wave("Batch", "batch", dependsOn=["DB"]),
        wave("Web", "web", dependsOn=["App", "Batch"]),
    )
    drs = Drs(
        new(spec, [group("db", 0, 2), group("app", 2, 2), group("batch", 4, 1), group("web", 5, 3)])
    )

    assert drs.statuses() == {
        "DB": WaveStatus.LAUNCHING,
        "App": WaveStatus.WAITING,
        "Batch": WaveStatus.WAITING,
        "Web": WaveStatus.WAITING,
    }
    (db_job,) = drs.admit_and_start()
    drs.finish(db_job)
    assert drs.statuses()["App"] == drs.statuses()["Batch"] == WaveStatus.LAUNCHING
    app_job, batch_job = drs.admit_and_start()  # both branches at once
    drs.finish(app_job)
    assert drs.statuses()["Web"] == WaveStatus.WAITING  # Batch is still running
    drs.finish(batch_job)
    (web_job,) = drs.admit_and_start()
    drs.finish(web_job)

    assert drs.state.status == ExecutionStatus.COMPLETED
    assert all(s.status == ServerStatus.READY for s in drs.state.servers.values())
    assert drs.state.ended_at == drs.now


def test_one_job_per_wave_and_region_split_only_by_the_100_server_quota() -> None:
    spec = plan(wave("Big", "a", "b"))
    drs = Drs(new(spec, [group("a", 0, 250), group("b", 250, 30, region="us-west-2")]))

    sizes = sorted((b.region, len(b.server_ids)) for b in drs.state.batches)

    assert sizes == [("us-east-1", 50), ("us-east-1", 100), ("us-east-1", 100), ("us-west-2", 30)]
    assert len(drs.admit_and_start()) == 4


def test_input_state_is_never_changed() -> None:
    state = new(plan(wave("DB", "db")), [group("db", 0, 2)])
    before = state.model_dump()

    step = machine.start(state, T0)

    assert state.model_dump() == before
    assert step.state.status == ExecutionStatus.RUNNING
    assert [e.seq for e in step.events] == list(range(len(step.events)))


# --- failures ---


def test_a_critical_failure_fails_the_wave_with_drs_reason_and_stops_dependants() -> None:
    spec = plan(wave("DB", "db"), wave("App", "app"))
    drs = Drs(new(spec, [group("db", 0, 2), group("app", 2, 1)]))
    (job,) = drs.admit_and_start()

    drs.finish(job, failed={sid(1): "InsufficientInstanceCapacity in us-east-1a"})

    db = drs.state.wave("DB")
    assert db.status == WaveStatus.FAILED
    assert "InsufficientInstanceCapacity" in (db.failure or "")
    assert drs.state.servers[sid(0)].status == ServerStatus.READY
    assert drs.statuses()["App"] == WaveStatus.CANCELLED
    assert drs.state.servers[sid(2)].status == ServerStatus.NOT_RUN
    assert drs.state.status == ExecutionStatus.FAILED


def test_non_critical_failures_never_fail_a_wave() -> None:
    spec = plan(wave("DB", "db", nonCriticalServerIds=[sid(1)]), wave("App", "app"))
    drs = Drs(new(spec, [group("db", 0, 2), group("app", 2, 1)]))
    (job,) = drs.admit_and_start()

    drs.finish(job, failed={sid(1): "boom"})
    drs.run_all()

    assert drs.statuses() == {"DB": WaveStatus.COMPLETED, "App": WaveStatus.COMPLETED}
    assert drs.state.status == ExecutionStatus.PARTIAL


def test_on_failure_continue_lets_dependants_run() -> None:
    spec = plan(wave("DB", "db", onFailure="continue"), wave("App", "app"))
    drs = Drs(new(spec, [group("db", 0, 1), group("app", 1, 1)]))
    (job,) = drs.admit_and_start()

    drs.finish(job, failed={sid(0): "boom"})
    drs.run_all()

    assert drs.statuses() == {"DB": WaveStatus.FAILED, "App": WaveStatus.COMPLETED}
    assert drs.state.status == ExecutionStatus.PARTIAL


def test_retry_relaunches_only_the_failed_servers_and_revives_dependants() -> None:
    spec = plan(wave("DB", "db"), wave("App", "app"))
    drs = Drs(new(spec, [group("db", 0, 3), group("app", 3, 1)]))
    (job,) = drs.admit_and_start()
    drs.finish(job, failed={sid(2): "boom"})
    assert drs.state.status == ExecutionStatus.FAILED

    drs.apply(machine.command(drs.state, machine.RetryWave("DB", "bob"), drs.now))

    assert drs.state.status == ExecutionStatus.RUNNING
    assert drs.statuses() == {"DB": WaveStatus.LAUNCHING, "App": WaveStatus.WAITING}
    retry = [b for b in drs.state.batches if b.attempt == 2]
    assert [b.server_ids for b in retry] == [[sid(2)]]
    drs.run_all()
    assert drs.state.status == ExecutionStatus.COMPLETED


def test_skip_lets_dependants_run_and_the_outcome_is_partial() -> None:
    spec = plan(wave("DB", "db"), wave("App", "app"))
    drs = Drs(new(spec, [group("db", 0, 1), group("app", 1, 1)]))
    (job,) = drs.admit_and_start()
    drs.finish(job, failed={sid(0): "boom"})

    drs.apply(machine.command(drs.state, machine.SkipWave("DB", "bob"), drs.now))
    drs.run_all()

    assert drs.statuses() == {"DB": WaveStatus.SKIPPED, "App": WaveStatus.COMPLETED}
    assert drs.state.status == ExecutionStatus.PARTIAL


def test_a_launching_wave_cannot_be_skipped_or_retried() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 1)]))

    with pytest.raises(Conflict) as skipped:
        machine.command(drs.state, machine.SkipWave("DB", "bob"), drs.now)
    with pytest.raises(Conflict):
        machine.command(drs.state, machine.RetryWave("DB", "bob"), drs.now)

    assert skipped.value.code == "EXECUTION_STATE_CONFLICT"


# --- timeouts ---


def test_a_timeout_asks_drs_first_then_fails_the_wave() -> None:
    spec = plan(wave("DB", "db", timeoutMinutes=30), wave("App", "app"))
    drs = Drs(new(spec, [group("db", 0, 1), group("app", 1, 1)]))
    (job,) = drs.admit_and_start()
    assert drs.step.wake_at == T0 + timedelta(minutes=30)

    step = drs.later(minutes=30)

    assert step.actions == [AskDrs("DB", (job,))]
    assert drs.statuses()["DB"] == WaveStatus.LAUNCHING
    drs.apply(machine.drs_asked(drs.state, "DB", drs.now))
    assert drs.statuses()["DB"] == WaveStatus.TIMED_OUT
    assert drs.state.servers[sid(0)].status == ServerStatus.FAILED
    assert drs.state.status == ExecutionStatus.TIMED_OUT


def test_drs_finishing_at_the_deadline_is_not_a_timeout() -> None:
    drs = Drs(new(plan(wave("DB", "db", timeoutMinutes=30)), [group("db", 0, 1)]))
    (job,) = drs.admit_and_start()
    drs.later(minutes=31)

    drs.finish(job)  # what AskDrs found
    drs.apply(machine.drs_asked(drs.state, "DB", drs.now))

    assert drs.state.status == ExecutionStatus.COMPLETED


# --- gates and hooks ---


def test_approval_gate_needs_the_approver_role() -> None:
    gate = {"type": "manualApproval", "message": "DB ok?", "approverRole": "recovery-admin"}
    spec = plan(wave("DB", "db"), wave("App", "app", preHooks=[gate]))
    drs = Drs(new(spec, [group("db", 0, 1), group("app", 1, 1)]))
    drs.run_all()
    assert drs.statuses()["App"] == WaveStatus.AWAITING_APPROVAL

    with pytest.raises(Forbidden) as refused:
        machine.command(
            drs.state, machine.Approve("App", "olivia", frozenset({Role.OPERATOR})), drs.now
        )
    assert refused.value.code == "APPROVER_ROLE_REQUIRED"
    drs.apply(
        machine.command(drs.state, machine.Approve("App", "root", frozenset({Role.ADMIN})), drs.now)
    )

    assert drs.statuses()["App"] == WaveStatus.LAUNCHING
    assert drs.state.wave("App").hooks[0].approved_by == "root"
    drs.run_all()
    assert drs.state.status == ExecutionStatus.COMPLETED


def test_an_approval_not_given_in_time_fails_the_wave() -> None:
    gate = {"type": "manualApproval", "message": "ok?", "timeoutMinutes": 10}
    drs = Drs(new(plan(wave("DB", "db", preHooks=[gate])), [group("db", 0, 1)]))
    assert drs.step.wake_at == T0 + timedelta(minutes=10)

    drs.later(minutes=10)

    assert drs.statuses()["DB"] == WaveStatus.FAILED
    assert "no approval within 10 min" in (drs.state.wave("DB").failure or "")
    assert drs.state.servers[sid(0)].status == ServerStatus.NOT_RUN
    assert drs.state.batches == []  # nothing was sent to DRS

    drs.apply(
        machine.command(drs.state, machine.RetryWave("DB", "bob"), drs.now)
    )  # asks for approval again
    assert drs.statuses()["DB"] == WaveStatus.AWAITING_APPROVAL
    assert drs.state.servers[sid(0)].status == ServerStatus.WAITING


def test_wait_and_external_hooks_run_in_order_before_and_after_launch() -> None:
    pre = [{"type": "wait", "durationSeconds": 60}]
    post = [{"type": "httpCheck", "url": "http://127.0.0.1:9/health"}]
    drs = Drs(new(plan(wave("Web", "web", preHooks=pre, postHooks=post)), [group("web", 0, 1)]))
    assert drs.statuses()["Web"] == WaveStatus.PRE_HOOKS
    assert drs.step.wake_at == T0 + timedelta(seconds=60)

    drs.later(seconds=60)
    (job,) = drs.admit_and_start()
    drs.finish(job)

    assert drs.statuses()["Web"] == WaveStatus.POST_HOOKS
    assert drs.step.actions == [RunHook("Web", 1)]
    for attempt in range(4):  # the first try and its 3 retries, 15 s apart
        if attempt:
            assert drs.step.actions == []
            assert drs.step.wake_at == drs.now + timedelta(seconds=15)
            assert drs.later(seconds=15).actions == [RunHook("Web", 1)]
        drs.apply(
            machine.hook_finished(drs.state, "Web", 1, ok=False, detail="HTTP 503", now=drs.now)
        )
    assert drs.state.status == ExecutionStatus.FAILED
    assert "HTTP 503" in (drs.state.wave("Web").failure or "")
    assert drs.state.wave("Web").hooks[1].attempts == 4


# --- pause and cancel ---


def test_pause_holds_at_the_next_wave_boundary() -> None:
    drs = Drs(
        new(plan(wave("DB", "db"), wave("App", "app")), [group("db", 0, 1), group("app", 1, 1)])
    )
    (job,) = drs.admit_and_start()

    drs.apply(machine.command(drs.state, machine.Pause("bob"), drs.now))
    drs.finish(job)  # the running wave still completes

    assert drs.statuses() == {"DB": WaveStatus.COMPLETED, "App": WaveStatus.WAITING}
    assert drs.state.status == ExecutionStatus.PAUSED
    drs.apply(machine.command(drs.state, machine.Resume("bob"), drs.now))
    assert drs.statuses()["App"] == WaveStatus.LAUNCHING


def test_pause_before_a_wave_pauses_the_execution_there() -> None:
    spec = plan(wave("DB", "db"), wave("App", "app", pauseBefore=True))
    drs = Drs(new(spec, [group("db", 0, 1), group("app", 1, 1)]))
    drs.run_all()

    assert drs.state.status == ExecutionStatus.PAUSED
    assert drs.state.paused_reason == "Before wave App"
    drs.apply(machine.command(drs.state, machine.Resume("bob"), drs.now))
    drs.run_all()
    assert drs.state.status == ExecutionStatus.COMPLETED


def test_cancel_starts_nothing_new_lets_jobs_finish_and_can_clean_up() -> None:
    spec = plan(wave("DB", "db"), wave("App", "app"))
    drs = Drs(new(spec, [group("db", 0, 2), group("app", 2, 1)]))
    (job,) = drs.admit_and_start()

    drs.apply(machine.command(drs.state, machine.Cancel("bob", terminate=True), drs.now))
    assert drs.state.status == ExecutionStatus.CANCELLING
    assert drs.statuses()["App"] == WaveStatus.CANCELLED
    drs.finish(job)

    assert drs.state.status == ExecutionStatus.CANCELLED
    assert drs.statuses()["DB"] == WaveStatus.CANCELLED
    assert drs.state.cleanup == CleanupStatus.RUNNING
    assert drs.step.actions == [
        Terminate(ACCOUNT, REGION, (f"i-{sid(0)[2:]}", f"i-{sid(1)[2:]}"), round=1)
    ]
    instances = (f"i-{sid(0)[2:]}", f"i-{sid(1)[2:]}")
    drs.apply(machine.cleanup_started(drs.state, "drsjob-terminate", instances, drs.now))
    assert drs.step.actions == []  # every instance is covered: nothing is asked twice
    views = tuple(ServerView(s, "TERMINATED", f"i-{s[2:]}") for s in (sid(0), sid(1)))
    drs.apply(
        machine.job_observed(drs.state, JobView("drsjob-terminate", "COMPLETED", views), drs.now)
    )
    assert drs.state.cleanup == CleanupStatus.COMPLETED
    assert drs.state.servers[sid(0)].status == ServerStatus.TERMINATED


def test_a_queued_batch_is_dropped_on_cancel() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 1)]))

    drs.apply(machine.command(drs.state, machine.Cancel("bob", terminate=False), drs.now))

    assert [b.state for b in drs.state.batches] == ["DROPPED"]
    assert drs.state.status == ExecutionStatus.CANCELLED
    with pytest.raises(Conflict):
        machine.command(drs.state, machine.Cancel("bob", terminate=False), drs.now)


# --- recovery ---


def test_a_recovery_wave_waits_for_post_launch_actions() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 1)], Mode.RECOVERY, [sid(0)]))
    (job,) = drs.admit_and_start()

    drs.finish(job, post_launch="IN_PROGRESS")
    assert drs.state.servers[sid(0)].status == ServerStatus.POST_LAUNCH
    assert drs.statuses()["DB"] == WaveStatus.VERIFYING

    views = (ServerView(sid(0), "LAUNCHED", f"i-{sid(0)[2:]}", post_launch="SUCCEEDED"),)
    drs.apply(machine.job_observed(drs.state, JobView(job, "COMPLETED", views), drs.now))
    assert drs.state.status == ExecutionStatus.COMPLETED


def test_a_failed_post_launch_action_fails_a_recovery_wave() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 1)], Mode.RECOVERY, [sid(0)]))
    (job,) = drs.admit_and_start()
    drs.finish(job, post_launch="IN_PROGRESS")

    views = (ServerView(sid(0), "LAUNCHED", f"i-{sid(0)[2:]}", "FAILED", "health check exit 2"),)
    drs.apply(machine.job_observed(drs.state, JobView(job, "COMPLETED", views), drs.now))

    assert drs.state.status == ExecutionStatus.FAILED
    assert "health check exit 2" in (drs.state.wave("DB").failure or "")


def test_a_drill_cleans_itself_up_after_the_plans_delay() -> None:
    spec = plan(wave("DB", "db"), cleanupAfterMinutes=30)
    state = new(spec, [group("db", 0, 1)]).model_copy(update={"cleanup_after_minutes": 30})
    drs = Drs(state)
    drs.run_all()
    assert drs.state.status == ExecutionStatus.COMPLETED
    assert drs.step.wake_at == drs.now + timedelta(minutes=30)

    assert drs.later(minutes=29).actions == []
    step = drs.later(minutes=1)

    assert drs.state.cleanup == CleanupStatus.RUNNING
    assert step.actions == [Terminate(ACCOUNT, REGION, (f"i-{sid(0)[2:]}",), round=1)]


def test_a_deferred_start_is_recorded_when_drs_answer_changes_not_at_every_try() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 1)]))
    key = drs.state.batches[0].key
    drs.apply(machine.admitted(drs.state, [key], drs.now))

    tries = [
        machine.job_deferred(drs.state, key, "ConflictException: busy", drs.now),
    ]
    drs.apply(tries[0])
    tries.append(machine.job_deferred(drs.state, key, "ConflictException: busy", drs.now))
    drs.apply(tries[1])
    tries.append(machine.job_deferred(drs.state, key, "ThrottlingException: slow down", drs.now))

    assert [len(t.events) for t in tries] == [1, 0, 1]
    assert tries[-1].state.batch(key).state == "STARTING"  # still due: tried again later


def test_a_wave_that_drs_never_accepted_times_out_with_drs_answer() -> None:
    drs = Drs(new(plan(wave("DB", "db", timeoutMinutes=10)), [group("db", 0, 1)]))
    key = drs.state.batches[0].key
    drs.apply(machine.admitted(drs.state, [key], drs.now))
    drs.apply(machine.job_deferred(drs.state, key, "ConflictException: s-0 is busy", drs.now))

    drs.later(minutes=10)

    assert drs.state.status == ExecutionStatus.TIMED_OUT
    assert drs.state.wave("DB").failure == (
        "not complete within 10 min (DRS kept answering: ConflictException: s-0 is busy)"
    )


def test_clean_up_asks_again_only_for_instances_no_terminate_job_covers() -> None:
    """A crash after the first of two TERMINATE calls leaves the second to the next turn."""
    drs = Drs(new(plan(wave("Big", "a")), [group("a", 0, 250)]))
    drs.run_all()
    drs.apply(machine.command(drs.state, machine.Cleanup("bob"), drs.now))
    first, second = drs.step.actions
    assert isinstance(first, Terminate)
    assert isinstance(second, Terminate)
    assert (len(first.recovery_instance_ids), len(second.recovery_instance_ids)) == (200, 50)

    drs.apply(machine.cleanup_started(drs.state, "drsjob-t1", first.recovery_instance_ids, drs.now))

    assert drs.step.actions == [second]  # the first chunk is never asked for again
    drs.apply(machine.cleanup_started(drs.state, "drsjob-t1", first.recovery_instance_ids, drs.now))
    assert drs.state.cleanup_job_ids == ["drsjob-t1"]  # found again after a crash: once


def test_one_finished_terminate_job_does_not_fail_a_clean_up_another_job_still_runs() -> None:
    drs = Drs(new(plan(wave("Big", "a")), [group("a", 0, 250)]))
    drs.run_all()
    drs.apply(machine.command(drs.state, machine.Cleanup("bob"), drs.now))
    first, second = drs.step.actions
    assert isinstance(first, Terminate)
    assert isinstance(second, Terminate)
    drs.apply(machine.cleanup_started(drs.state, "drsjob-t1", first.recovery_instance_ids, drs.now))
    drs.apply(
        machine.cleanup_started(drs.state, "drsjob-t2", second.recovery_instance_ids, drs.now)
    )
    done = tuple(ServerView(f"s-{i[2:]}", "TERMINATED", i) for i in first.recovery_instance_ids)

    drs.apply(machine.job_observed(drs.state, JobView("drsjob-t1", "COMPLETED", done), drs.now))

    assert drs.state.cleanup == CleanupStatus.RUNNING
    left = tuple(ServerView(f"s-{i[2:]}", "TERMINATED", i) for i in second.recovery_instance_ids)
    drs.apply(machine.job_observed(drs.state, JobView("drsjob-t2", "COMPLETED", left), drs.now))
    assert drs.state.cleanup == CleanupStatus.COMPLETED


def test_an_execution_follows_only_the_instances_its_own_launches_made() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 1)]))
    (job,) = drs.admit_and_start()
    views = (ServerView(sid(0), "LAUNCHED", "i-0000000000000new"),)
    drs.apply(machine.job_observed(drs.state, JobView(job, "COMPLETED", views), drs.now))
    earlier_drill = InstanceView(sid(0), "i-0000000000000old", "i-ec2old", "TERMINATED", "drsjob-x")
    ours = InstanceView(sid(0), "i-0000000000000new", "i-ec2new", "RUNNING", job)

    drs.apply(machine.instances_observed(drs.state, [earlier_drill, ours], drs.now))

    server = drs.state.servers[sid(0)]
    assert (server.recovery_instance_id, server.ec2_state) == ("i-0000000000000new", "RUNNING")
    recorded = [e for e in drs.step.events if e.kind == "instance"]
    assert [e.detail["recoveryInstanceId"] for e in recorded] == ["i-0000000000000new"]
    # a TERMINATE job naming the earlier drill's instance changes nothing of ours
    drs.apply(machine.command(drs.state, machine.Cleanup("bob"), drs.now))
    drs.apply(machine.cleanup_started(drs.state, "drsjob-t", ("i-0000000000000new",), drs.now))
    other = (ServerView(sid(0), "TERMINATED", "i-0000000000000old"),)
    drs.apply(machine.job_observed(drs.state, JobView("drsjob-t", "STARTED", other), drs.now))
    assert drs.state.servers[sid(0)].status != ServerStatus.TERMINATED
    assert not [e for e in drs.step.events if e.new == "TERMINATED"]


def test_a_server_whose_own_instance_is_gone_is_recorded_not_found_once() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 1)]))
    (job,) = drs.admit_and_start()
    views = (ServerView(sid(0), "LAUNCHED", "i-0000000000000new"),)
    drs.apply(machine.job_observed(drs.state, JobView(job, "COMPLETED", views), drs.now))
    assert any(isinstance(a, DescribeInstances) for a in drs.step.actions)
    only_old = InstanceView(sid(0), "i-0000000000000old", "i-ec2old", "TERMINATED", "drsjob-x")

    drs.apply(machine.instances_observed(drs.state, [only_old], drs.now))

    assert drs.state.servers[sid(0)].ec2_state == "NOT_FOUND"
    assert not any(isinstance(a, DescribeInstances) for a in drs.step.actions)
