"""Operators' commands: a command is carried out exactly when `allowed_commands` lists it,
over states reached by random walks of commands and DRS outcomes."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drs_orchestrator.domain.errors import Conflict, Forbidden
from drs_orchestrator.domain.executions import (
    CleanupStatus,
    Command,
    ExecutionStatus,
    Mode,
    WaveStatus,
)
from drs_orchestrator.domain.roles import Permission, Role
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.commands import EXECUTION_COMMANDS, WAVE_COMMANDS
from drs_orchestrator.engine.core.state import ExecutionState
from tests.unit.engine.core.test_machine import Drs, group, new, plan, wave

pytestmark = pytest.mark.unit
ADMIN = frozenset({Role.ADMIN})


def command_of(name: Command, wave_name: str = "", terminate: bool = False) -> Any:
    return {
        Command.PAUSE: lambda: machine.Pause("bob"),
        Command.RESUME: lambda: machine.Resume("bob"),
        Command.CANCEL: lambda: machine.Cancel("bob", terminate),
        Command.CLEANUP: lambda: machine.Cleanup("bob"),
        Command.APPROVE: lambda: machine.Approve(wave_name, "bob", ADMIN),
        Command.RETRY_WAVE: lambda: machine.RetryWave(wave_name, "bob"),
        Command.SKIP_WAVE: lambda: machine.SkipWave(wave_name, "bob"),
    }[name]()


def every_command(state: ExecutionState) -> list[tuple[Command, str]]:
    return [(c, "") for c in EXECUTION_COMMANDS] + [
        (c, w.name) for c in WAVE_COMMANDS for w in state.waves
    ]


def assert_the_rule_holds(drs: Drs) -> None:
    """Each command is accepted (and changes something) iff it is listed; a refused one
    raises a conflict and leaves the state as it was."""
    state = drs.state
    allowed = machine.allowed_commands(state)
    before = state.model_dump()
    for name, wave_name in every_command(state):
        listed = name in (allowed.waves[wave_name] if wave_name else allowed.execution)
        outcome = attempt(state, command_of(name, wave_name), drs)
        if listed:
            assert isinstance(outcome, list), f"{name} {wave_name} is listed but refused"
            assert outcome, f"{name} {wave_name} was accepted and changed nothing"
        else:
            assert outcome == "EXECUTION_STATE_CONFLICT", f"{name} {wave_name} was accepted"
        assert state.model_dump() == before  # the input is never changed


def attempt(state: ExecutionState, command: Any, drs: Drs) -> list[Any] | str:
    """The events of a command carried out, or the code of its refusal."""
    try:
        return machine.command(state, command, drs.now).events
    except Conflict as refused:
        return refused.code


@st.composite
def walks(draw: st.DrawFn) -> tuple[ExecutionState, list[tuple[str, Any]]]:
    waves, groups, first = [], [], 0
    for i in range(draw(st.integers(1, 4))):
        size = draw(st.integers(1, 2))
        groups.append(group(f"g{i}", first, size))
        first += size
        extra: dict[str, Any] = {"dependsOn": [f"W{i - 1}"] if i and draw(st.booleans()) else []}
        if draw(st.booleans()):
            extra["pauseBefore"] = True
        if draw(st.booleans()):
            extra["preHooks"] = [{"type": "manualApproval", "message": "go?"}]
        if draw(st.booleans()):
            extra["postHooks"] = [{"type": "wait", "durationSeconds": 60}]
        extra["onFailure"] = draw(st.sampled_from(["stop", "continue"]))
        waves.append(wave(f"W{i}", f"g{i}", **extra))
    mode = draw(st.sampled_from(list(Mode)))
    state = new(plan(*waves), groups, mode)
    names = [w["name"] for w in waves]
    moves = st.one_of(
        st.tuples(st.just("command"), st.sampled_from(list(Command)), st.sampled_from(names)),
        st.tuples(st.just("drs"), st.booleans()),
        st.tuples(st.just("later"), st.sampled_from([30, 3600, 86400])),
    )
    return state, draw(st.lists(moves, max_size=25))


@settings(max_examples=150, deadline=None)
@given(walks())
def test_a_command_is_carried_out_iff_it_is_allowed(
    walk: tuple[ExecutionState, list[tuple[Any, ...]]],
) -> None:
    state, moves = walk
    drs = Drs(state)
    assert_the_rule_holds(drs)
    for move in moves:
        if move[0] == "command":
            with contextlib.suppress(Conflict):
                drs.apply(machine.command(drs.state, command_of(move[1], move[2]), drs.now))
        elif move[0] == "drs":
            for job in drs.admit_and_start():
                drs.finish(job, failed={drs.jobs[job][0]: "boom"} if move[1] else {})
        else:
            drs.later(seconds=move[1])
        assert_the_rule_holds(drs)


def test_a_paused_then_cancelled_execution_offers_no_resume_and_holds_no_pause() -> None:
    drs = Drs(new(plan(wave("DB", "db"), wave("App", "app", dependsOn=["DB"])), [
        group("db", 0, 1), group("app", 1, 1)]))  # fmt: skip
    (job,) = drs.admit_and_start()  # DB launches
    drs.apply(machine.command(drs.state, machine.Pause("bob"), drs.now))
    assert machine.allowed_commands(drs.state).execution == (Command.RESUME, Command.CANCEL)
    assert drs.state.paused_reason == "Paused by bob"

    drs.apply(machine.command(drs.state, machine.Cancel("bob"), drs.now))
    assert machine.allowed_commands(drs.state).execution == ()  # nothing launched to clean up
    drs.finish(job)  # DRS cannot stop a job: DB's instance runs

    assert drs.state.status == ExecutionStatus.CANCELLED
    assert drs.state.paused_reason is None
    assert machine.allowed_commands(drs.state).execution == (Command.CLEANUP,)
    with pytest.raises(Conflict, match="Cannot resume execution ex-1: it is cancelled"):
        machine.command(drs.state, machine.Resume("bob"), drs.now)


def test_a_completed_drill_allows_only_its_clean_up_and_then_nothing() -> None:
    drs = Drs(new(plan(wave("DB", "db")), [group("db", 0, 2)]))
    drs.run_all()
    allowed = machine.allowed_commands(drs.state)
    assert drs.state.status == ExecutionStatus.COMPLETED
    assert allowed.execution == (Command.CLEANUP,)
    assert allowed.waves == {"DB": ()}

    drs.apply(machine.command(drs.state, machine.Cleanup("bob"), drs.now))
    assert drs.state.cleanup == CleanupStatus.RUNNING
    assert machine.allowed_commands(drs.state).execution == ()


def test_a_failed_wave_may_be_retried_or_skipped_and_an_open_gate_approved() -> None:
    gate = {"type": "manualApproval", "message": "go?", "approverRole": "recovery-admin"}
    gated = wave("App", "app", dependsOn=["DB"], preHooks=[gate])
    drs = Drs(new(plan(wave("DB", "db"), gated), [group("db", 0, 1), group("app", 1, 1)]))
    (job,) = drs.admit_and_start()
    drs.finish(job, failed={drs.jobs[job][0]: "boom"})
    allowed = machine.allowed_commands(drs.state)
    assert drs.state.status == ExecutionStatus.FAILED
    assert allowed.waves["DB"] == (Command.RETRY_WAVE, Command.SKIP_WAVE)
    assert allowed.waves["App"] == (Command.SKIP_WAVE,)  # not run: it may be skipped

    drs.apply(machine.command(drs.state, machine.SkipWave("DB", "bob"), drs.now))
    assert drs.state.wave("App").status == WaveStatus.AWAITING_APPROVAL
    assert machine.allowed_commands(drs.state).waves["App"] == (Command.APPROVE, Command.SKIP_WAVE)
    assert machine.approver_role(drs.state, "App") == Role.RECOVERY_ADMIN
    with pytest.raises(Forbidden, match="needs approval by the recovery-admin role"):
        machine.command(drs.state, machine.Approve("App", "olivia", frozenset({Role.OPERATOR})),
                        drs.now)  # fmt: skip


@pytest.mark.parametrize(
    ("mode", "command", "terminate", "needed"),
    [
        (Mode.DRILL, Command.PAUSE, False, {Permission.RUN_DRILL}),
        (Mode.DRILL, Command.CLEANUP, False, {Permission.RUN_DRILL}),
        (Mode.RECOVERY, Command.PAUSE, False, {Permission.RUN_RECOVERY}),
        (Mode.RECOVERY, Command.CANCEL, True, {Permission.RUN_RECOVERY, Permission.TERMINATE}),
        (Mode.RECOVERY, Command.CLEANUP, False, {Permission.RUN_RECOVERY, Permission.TERMINATE}),
    ],
)
def test_what_a_command_needs_follows_the_mode_table(
    mode: Mode, command: Command, terminate: bool, needed: set[Permission]
) -> None:
    state = new(plan(wave("DB", "db")), [group("db", 0, 1)], mode)
    assert machine.required_permissions(state, command, terminate=terminate) == needed
