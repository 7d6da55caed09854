"""Admission control keeps every account/region under DRS's quotas and shares them fairly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from drs_orchestrator.domain.quotas import CONCURRENT_JOBS, SERVERS_IN_ACTIVE_JOBS
from drs_orchestrator.engine.core.admission import Request, Usage, admit

T0 = datetime(2026, 11, 22, tzinfo=UTC)


def req(execution: str, n: int, servers: int = 100, at: int = 0) -> Request:
    return Request(execution, f"{execution}-{n}", servers, T0 + timedelta(seconds=at))


def test_a_250_server_wave_is_admitted_whole_when_capacity_is_free() -> None:
    queue = [req("a", 1), req("a", 2), req("a", 3, servers=50)]

    assert admit(queue, Usage(0, 0)) == queue


def test_servers_in_active_jobs_stay_under_500() -> None:
    queue = [req("a", n) for n in range(1, 8)]

    admitted = admit(queue, Usage(jobs=1, servers=100))

    assert [r.batch_key for r in admitted] == ["a-1", "a-2", "a-3", "a-4"]


def test_executions_take_turns() -> None:
    queue = [req("big", n, at=n) for n in range(1, 6)] + [req("small", 1, servers=10, at=30)]

    admitted = admit(queue, Usage(jobs=0, servers=100))

    assert [r.batch_key for r in admitted] == ["big-1", "small-1", "big-2", "big-3"]


def test_a_batch_that_does_not_fit_does_not_block_one_that_does() -> None:
    queue = [req("a", 1, servers=100, at=0), req("b", 1, servers=20, at=1)]

    assert admit(queue, Usage(jobs=3, servers=420)) == [queue[1]]


@given(
    st.lists(st.tuples(st.sampled_from("abcd"), st.integers(1, 100)), max_size=60),
    st.integers(0, CONCURRENT_JOBS),
    st.integers(0, SERVERS_IN_ACTIVE_JOBS),
)
def test_quotas_are_never_exceeded(batches: list[tuple[str, int]], jobs: int, servers: int) -> None:
    queue = [req(e, i, s, at=i) for i, (e, s) in enumerate(batches)]

    admitted = admit(queue, Usage(jobs, servers))

    assert jobs + len(admitted) <= CONCURRENT_JOBS
    assert servers + sum(r.servers for r in admitted) <= SERVERS_IN_ACTIVE_JOBS
    for e in "abcd":  # each execution's batches in its own order
        mine = [r.batch_key for r in admitted if r.execution_id == e]
        assert mine == [r.batch_key for r in queue if r.execution_id == e][: len(mine)]
