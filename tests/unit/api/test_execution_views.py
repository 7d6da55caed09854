"""The execution read model: what it publishes, how it pages servers, what it offers whom."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from drs_orchestrator.api import execution_views as views
from drs_orchestrator.domain.errors import InvalidInput
from drs_orchestrator.domain.executions import Command, ServerStatus
from drs_orchestrator.domain.roles import Role
from tests.unit.engine.core.test_machine import Drs, group, new, plan, wave

pytestmark = pytest.mark.unit
ADMIN, VIEWER = frozenset({Role.ADMIN}), frozenset({Role.VIEWER})


def big() -> Drs:
    spec = plan(wave("DB", "db"), wave("App", "app", dependsOn=["DB"]))
    return Drs(new(spec, [group("db", 0, 700), group("app", 700, 500)]))


def test_the_detail_publishes_no_engine_bookkeeping() -> None:
    drs = big()
    drs.admit_and_start()
    body = views.detail(drs.state, ADMIN, None).model_dump_json(by_alias=True)
    for internal in ("batches", "eventsRecorded", "truthAskedAt", "pauseReleased", "handle",
                     "schemaVersion", "instanceRecordedAt", "cleanupJobId", "expectsPostLaunch",
                     "cleanupRound", "batch"):  # fmt: skip
        assert f'"{internal}":' not in body
    out = views.detail(drs.state, ADMIN, None)
    assert out.last_event_seq == drs.state.events_recorded - 1
    assert [(x.wave, x.server_count, x.state) for x in out.launches] == [
        ("DB", 100, "RUNNING")] * 7  # fmt: skip


def test_servers_come_a_page_at_a_time_in_wave_order_with_counts_per_wave() -> None:
    state = big().state
    seen: list[str] = []
    cursor = None
    sizes = []
    while True:
        page = views.detail(state, ADMIN, cursor)
        sizes.append(len(page.servers))
        seen += list(page.servers)
        cursor = page.servers_next_cursor
        if cursor is None:
            break
    assert sizes == [views.SERVER_PAGE, views.SERVER_PAGE, 200]
    assert seen == list(state.servers)
    first = views.detail(state, ADMIN, None)
    assert first.server_count == 1200
    assert first.waves[0].server_counts == {ServerStatus.QUEUED: 700}
    assert first.waves[1].server_counts == {ServerStatus.WAITING: 500}


def test_a_cursor_the_api_did_not_give_is_refused_with_its_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        views.detail(big().state, ADMIN, "s-99999999999999999")
    assert refused.value.violations[0].field == "serverCursor"


def test_what_is_offered_depends_on_the_roles() -> None:
    state = big().state
    assert views.detail(state, ADMIN, None).allowed_commands == [Command.PAUSE, Command.CANCEL]
    viewer = views.detail(state, VIEWER, None)
    assert viewer.allowed_commands == []
    assert viewer.may_terminate is False
    assert all(w.allowed_commands == [] for w in viewer.waves)
    assert views.detail(state, ADMIN, None).waves[1].allowed_commands == [Command.SKIP_WAVE]


def test_kept_read_models_are_bounded_by_size() -> None:
    kept: views.Kept[str, bytes] = views.Kept(10, getsizeof=len)
    kept.put("a", b"12345")
    kept.put("b", b"123456")
    kept.put("huge", b"x" * 11)  # larger than the whole cache: not kept
    assert kept.get("a") is None  # evicted to make room for b
    assert kept.get("b") == b"123456"
    assert kept.get("huge") is None


def test_a_read_model_asked_for_at_once_by_many_is_made_once() -> None:
    kept: views.Kept[str, bytes] = views.Kept(1000)
    made: list[int] = []
    start = threading.Barrier(8)
    again = threading.Event()  # never set: a second maker would not wait for it

    def make() -> bytes:
        made.append(1)
        if len(made) == 1:  # the first maker takes its time: others would make it meanwhile
            again.wait(0.5)
        return b"detail"

    def ask() -> bytes:
        start.wait()
        return kept.get_or_make("e1", make)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: ask(), range(8)))
    assert answers == [b"detail"] * 8
    assert made == [1]
