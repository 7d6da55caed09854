"""Which moves of a plan's site make up the round trip an execution belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from drs_orchestrator.reports.evidence import round_trip
from drs_orchestrator.store.sites import SiteEventRow

T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
ONE_TRIP = [
    ("RECOVERY_STARTED", "PROTECTED", "RECOVERING", "rec-1"),
    ("RECOVERY_ENDED", "RECOVERING", "RECOVERED", "rec-1"),
    ("REPROTECT_STARTED", "RECOVERED", "REPROTECTING", "rp-1"),
    ("REPLICATION_SYNCED", "REPROTECTING", "REPROTECTED", "rp-1"),
    ("FAILBACK_STARTED", "REPROTECTED", "FAILING_BACK", "fb-1"),
    ("FAILBACK_ENDED", "FAILING_BACK", "FAILED_BACK", "fb-1"),
    ("REPROTECT_STARTED", "FAILED_BACK", "RESTORING", "rp-2"),
    ("REPLICATION_SYNCED", "RESTORING", "PROTECTED", "rp-2"),
]


def _events(moves: list[tuple[str, str, str, str]]) -> list[SiteEventRow]:
    return [
        SiteEventRow(i + 1, T0 + timedelta(hours=i), event, old, new, "ops", by, {})
        for i, (event, old, new, by) in enumerate(moves)
    ]


def test_a_round_trip_runs_from_leaving_protected_to_protected_again() -> None:
    next_one = [(e, o, n, f"{by}-again") for e, o, n, by in ONE_TRIP[:2]]
    events = _events(ONE_TRIP + next_one)

    trip = round_trip("fb-1", events, T0 + timedelta(days=1))

    assert trip is not None
    assert [s.event for s in trip.steps] == [e for e, *_ in ONE_TRIP]
    assert (trip.complete, trip.started_at, trip.ended_at) == (True, T0, T0 + timedelta(hours=7))
    assert trip.duration_seconds == 7 * 3600
    assert [s.held_seconds for s in trip.steps] == [3600.0] * 7 + [None]
    assert trip.steps[3].new_label == "Reprotected, ready to fail back"
    later = round_trip("rec-1-again", events, T0 + timedelta(hours=12))
    assert later is not None
    assert [s.moved_by for s in later.steps] == ["rec-1-again", "rec-1-again"]


def test_a_round_trip_under_way_runs_to_now() -> None:
    events = _events(ONE_TRIP[:4])

    trip = round_trip("rec-1", events, T0 + timedelta(hours=10))

    assert trip is not None
    assert (trip.complete, trip.ended_at, trip.duration_seconds) == (False, None, 10 * 3600)
    assert trip.steps[-1].held_seconds is None


def test_an_execution_that_moved_nothing_has_no_round_trip() -> None:
    assert round_trip("drill-1", _events(ONE_TRIP), T0) is None
    assert round_trip("rec-1", [], T0) is None


def test_a_recovery_that_launched_nothing_is_a_round_trip_of_its_own() -> None:
    events = _events(
        [
            ("RECOVERY_STARTED", "PROTECTED", "RECOVERING", "rec-1"),
            ("RECOVERY_LAUNCHED_NOTHING", "RECOVERING", "PROTECTED", "rec-1"),
            *ONE_TRIP,
        ]
    )
    trip = round_trip("rec-1", events, T0)
    assert trip is not None
    assert (len(trip.steps), trip.complete) == (2, True)
