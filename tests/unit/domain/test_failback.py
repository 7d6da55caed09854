"""Each server's way home from DRS's facts: where a failback launches it and what holds it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drs_orchestrator.domain.failback import (
    AWS,
    DISCONNECT_INSTANCE,
    ON_PREMISES,
    READY_FOR_LAUNCH,
    STOP_FAILBACK,
    STOP_INSTANCE,
    Home,
    InstanceFacts,
    Leg,
    blocking,
    home_of,
    leg,
    release_calls,
)
from drs_orchestrator.domain.servers import CONTINUOUS, ServerFacts

PLACE = ("111111111111", "us-west-2")
SERVER = ServerFacts("s-db", "rpt-db-01", CONTINUOUS, 0, None, None, None)
READY = InstanceFacts(
    recovery_instance_id="i-db",
    source_server_id="s-db",
    ec2_state="RUNNING",
    is_drill=False,
    origin=ON_PREMISES,
    failback_state=READY_FOR_LAUNCH,
    failback_launch_type="RECOVERY",
    back_replication=CONTINUOUS,
)


def test_an_on_premises_server_goes_home_through_its_recovery_instance() -> None:
    ready = leg(SERVER, READY, None)

    assert ready.leg == Leg.READY
    assert home_of(ready, PLACE) == Home("s-db", *PLACE, recovery_instance_id="i-db")
    assert blocking([ready], home=False) == []


def test_a_client_started_for_a_drill_holds_the_failback_and_allows_its_drill() -> None:
    drilling = leg(SERVER, replace(READY, failback_launch_type="DRILL"), None)

    assert home_of(drilling, PLACE) is None
    assert home_of(drilling, PLACE, drill=True) == Home("s-db", *PLACE, "i-db")
    [(held, why)] = blocking([drilling], home=False)
    assert held.server_id == "s-db"
    assert "DRILL launch; this needs RECOVERY" in why
    assert blocking([drilling], home=False, drill=True) == []


def test_home_on_premises_it_is_protected_once_its_source_server_replicates_again() -> None:
    completed = replace(READY, failback_state="FAILBACK_COMPLETED", back_replication="STOPPED")

    away = leg(replace(SERVER, replication_state="DISCONNECTED"), completed, None)
    again = leg(SERVER, completed, None)

    assert away.leg == Leg.FAILED_BACK
    assert "AWS Replication Agent" in away.next_step
    assert again.leg == Leg.PROTECTED
    assert home_of(again, PLACE) is None


def test_an_aws_origin_goes_home_through_its_reversed_server_not_its_instance() -> None:
    server = replace(
        SERVER,
        origin_region="us-east-1",
        reversed_server_arn="arn:aws:drs:us-east-1:111111111111:source-server/s-back",
    )
    reversed_server = replace(SERVER, source_server_id="s-back", direction="FAILBACK")
    instance = replace(READY, origin=AWS, failback_state="FAILBACK_NOT_STARTED")

    ready = leg(server, instance, reversed_server)

    assert ready.leg == Leg.READY
    assert home_of(ready, PLACE) == Home("s-back", "111111111111", "us-east-1")


def test_a_recovery_region_instance_is_released_only_once_its_server_is_protected_home() -> None:
    completed = replace(READY, failback_state="FAILBACK_COMPLETED", back_replication="STOPPED")
    home = leg(SERVER, completed, None)
    replicating = replace(completed, back_replication=CONTINUOUS)

    assert home.leg == Leg.PROTECTED
    assert release_calls(home, completed) == ([DISCONNECT_INSTANCE], None)
    assert release_calls(home, replicating) == ([STOP_FAILBACK, DISCONNECT_INSTANCE], None)
    assert release_calls(home, None) == (
        [],
        "DRS lists no recovery instance of it in the recovery region",
    )
    calls, why = release_calls(leg(SERVER, READY, None), READY)  # still serving there
    assert calls == []
    assert why is not None
    assert why.startswith("READY: ")


@pytest.mark.parametrize(
    ("ec2_state", "ec2_id", "stops"),
    [("RUNNING", "i-db", True), ("STOPPED", "i-db", False), ("RUNNING", None, False)],
)
def test_a_release_asked_to_stop_the_instance_stops_it_before_drs_forgets_it(
    ec2_state: str, ec2_id: str | None, stops: bool
) -> None:
    completed = replace(
        READY,
        failback_state="FAILBACK_COMPLETED",
        back_replication=CONTINUOUS,
        ec2_state=ec2_state,
        ec2_instance_id=ec2_id,
    )
    home = leg(SERVER, completed, None)

    calls, why = release_calls(home, completed, stop_instance=True)

    assert why is None
    stop = [STOP_INSTANCE] if stops else []
    assert calls == [STOP_FAILBACK, *stop, DISCONNECT_INSTANCE]
    assert release_calls(home, completed)[0] == [STOP_FAILBACK, DISCONNECT_INSTANCE]
