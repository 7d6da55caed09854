from __future__ import annotations

import re

import pytest

from drs_orchestrator.emulator.clock import (
    MANUAL_START,
    ManualClock,
    ScaledClock,
    iso,
    iso_duration,
    parse_iso,
)
from drs_orchestrator.emulator.protocol import service_model

pytestmark = pytest.mark.unit


def test_timestamps_match_drs_iso8601_pattern_and_round_trip() -> None:
    pattern = service_model().shape_for("ISO8601DatetimeString").metadata["pattern"]
    for ts in (MANUAL_START, MANUAL_START + 0.5, 1_800_000_000.123):
        text = iso(ts)
        assert re.fullmatch(pattern, text), text
        assert parse_iso(text) == pytest.approx(ts, abs=0.001)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "PT0S"),
        (59, "PT59S"),
        (60, "PT1M"),
        (3725, "PT1H2M5S"),
        (86400, "P1D"),
        (90061, "P1DT1H1M1S"),
        (-5, "PT0S"),
    ],
)
def test_iso_durations(seconds: float, expected: str) -> None:
    assert iso_duration(seconds) == expected


def test_manual_clock_moves_only_forward_and_only_when_told() -> None:
    clock = ManualClock()
    start = clock.now()
    assert clock.now() == start
    assert clock.advance(90) == start + 90
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    clock.reset(10.0)
    assert clock.now() == 10.0


def test_scaled_clock_advance_adds_to_scaled_time() -> None:
    clock = ScaledClock(speed=1.0, start=1000.0)
    before = clock.now()
    after = clock.advance(3600)
    assert after - before >= 3600
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(speed=0)
