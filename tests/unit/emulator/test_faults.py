from __future__ import annotations

import pytest

from drs_orchestrator.emulator.errors import InternalServerError, ThrottlingError
from drs_orchestrator.emulator.faults import FaultSet
from drs_orchestrator.emulator.scenario import parse_faults

pytestmark = pytest.mark.unit


def _faults(*items: dict[str, object], seed: int = 1) -> FaultSet:
    return FaultSet(seed, parse_faults({"faults": list(items)}))


def test_rate_throttle_lets_exactly_the_rate_through_per_emulated_second() -> None:
    faults = _faults(
        {
            "kind": "throttle",
            "operation": "DescribeJobs",
            "ratePerSecond": 3,
            "retryAfterSeconds": 4,
        }
    )
    results = [faults.error_for("DescribeJobs", 100.0) for _ in range(5)]
    assert [r is None for r in results] == [True, True, True, False, False]
    assert isinstance(results[3], ThrottlingError)
    assert results[3].fields["retryAfterSeconds"] == "4"
    assert faults.error_for("DescribeJobs", 101.0) is None  # a second later: refilled
    assert faults.error_for("StartRecovery", 100.0) is None  # other operations unaffected


def test_fractions_are_seeded_and_roughly_right() -> None:
    spec = {"kind": "internalError", "operation": "*", "fraction": 0.3}
    a, b = _faults(spec, seed=5), _faults(spec, seed=5)
    seq_a = [a.error_for("StartRecovery", 0) is not None for _ in range(400)]
    seq_b = [b.error_for("StartRecovery", 0) is not None for _ in range(400)]
    assert seq_a == seq_b
    assert 80 < sum(seq_a) < 160
    error = _faults({"kind": "internalError", "fraction": 1}).error_for("X", 0)
    assert isinstance(error, InternalServerError)


def test_fail_server_count_is_consumed_launch_by_launch() -> None:
    faults = _faults({"kind": "failServer", "hostname": "db-01", "phase": "LAUNCH", "count": 2})
    outcomes = [faults.server_failure("s-1", "db-01") for _ in range(3)]
    assert [o is not None for o in outcomes] == [True, True, False]
    assert faults.server_failure("s-2", "web-01") is None


def test_latency_adds_up_for_matching_operations() -> None:
    faults = _faults(
        {"kind": "latency", "operation": "*", "milliseconds": 20},
        {"kind": "latency", "operation": "Describe*", "milliseconds": 30},
    )
    assert faults.latency_ms("DescribeJobs") == 50
    assert faults.latency_ms("StartRecovery") == 20
