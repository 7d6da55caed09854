"""Readiness lint on the way home: each server that keeps a failback from starting is an
error saying why, in the words of the refusal itself; an on-premises client says which
launch it allows; and the recovery's own checks give way."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drs_orchestrator.domain.failback import AWS, ON_PREMISES, Leg, ServerLeg, home_of
from drs_orchestrator.domain.failback_lint import Away, failback_findings, is_away
from drs_orchestrator.domain.findings import Finding
from drs_orchestrator.domain.lint import lint
from drs_orchestrator.domain.plans import GroupMembers, RecoveryPlanSpec
from drs_orchestrator.domain.site import SiteState

SID = "s-0000000000000000a"
PLACE = ("111111111111", "us-east-1")
READY_AWS = ServerLeg(
    SID,
    "db-1",
    AWS,
    Leg.READY,
    recovery_instance_id="i-0000000000000000a",
    reversed_server_id="s-0000000000000000f",
    reversed_region="us-west-2",
    reversed_account="111111111111",
    replication="CONTINUOUS",
)
READY_ON_PREM = replace(
    READY_AWS,
    origin=ON_PREMISES,
    reversed_server_id=None,
    reversed_region=None,
    reversed_account=None,
    launch_type="RECOVERY",
)


def findings(*servers: ServerLeg, state: SiteState = SiteState.REPROTECTING) -> list[Finding]:
    return failback_findings(Away(state, [("db", s) for s in servers]))


def server_findings(server: ServerLeg) -> list[Finding]:
    return [f for f in findings(server) if f.server_id is not None]


@pytest.mark.parametrize(
    ("server", "code"),
    [
        (replace(READY_AWS, leg=Leg.RECOVERED, replication=None), "FAILBACK_NOT_REPLICATING"),
        (replace(READY_ON_PREM, leg=Leg.AWAITING_CLIENT), "FAILBACK_CLIENT_NOT_SEEN"),
        (
            replace(READY_AWS, leg=Leg.REPLICATING_BACK, replication="INITIAL_SYNC"),
            "FAILBACK_REPLICATION_SYNCING",
        ),
        (replace(READY_AWS, reversed_server_id=None), "FAILBACK_NOT_READY"),
    ],
)
def test_a_server_that_cannot_fail_back_is_an_error_with_its_next_step(
    server: ServerLeg, code: str
) -> None:
    [found] = server_findings(server)
    assert (found.severity, found.code, found.wave) == ("error", code, "db")
    assert home_of(server, PLACE) is None  # the start refuses exactly these


def test_a_stalled_replication_back_says_what_drs_reports() -> None:
    stalled = replace(
        READY_AWS,
        leg=Leg.STALLED,
        replication="STALLED",
        error="FAILED_TO_CONNECT_AGENT_TO_REPLICATION_SERVER: timed out",
    )
    [found] = server_findings(stalled)
    assert found.code == "FAILBACK_REPLICATION_STALLED"
    assert "(stalled)" in found.message
    assert "DRS reports FAILED_TO_CONNECT_AGENT_TO_REPLICATION_SERVER: timed out" in found.message
    assert found.fix == stalled.next_step


@pytest.mark.parametrize("server", [READY_AWS, READY_ON_PREM])
def test_a_server_ready_to_fail_back_has_nothing_in_its_way(server: ServerLeg) -> None:
    assert [f for f in server_findings(server) if f.severity != "info"] == []
    assert home_of(server, PLACE) is not None


@pytest.mark.parametrize(
    ("launch_type", "severity", "phrase"),
    [
        ("RECOVERY", "info", "a failback drill would be refused"),
        ("DRILL", "warning", "a failback would be refused"),
        (None, "error", "would both be refused"),
    ],
)
def test_an_on_premises_client_says_which_launch_it_allows(
    launch_type: str | None, severity: str, phrase: str
) -> None:
    server = replace(READY_ON_PREM, launch_type=launch_type)
    [found] = server_findings(server)
    assert (found.severity, found.code) == (severity, "FAILBACK_CLIENT_LAUNCH_TYPE")
    assert phrase in found.message
    refused = {drill for drill in (False, True) if home_of(server, PLACE, drill) is None}
    assert refused == {"RECOVERY": {True}, "DRILL": {False}, None: {False, True}}[launch_type]


def test_servers_home_already_or_never_recovered_are_not_findings() -> None:
    legs = [Leg.NOT_RECOVERED, Leg.FAILED_BACK, Leg.PROTECTED]
    done = [replace(READY_AWS, server_id=f"s-{n:017x}", leg=leg) for n, leg in enumerate(legs)]
    assert [f.code for f in findings(*done, state=SiteState.FAILING_BACK)] == ["SITE_AWAY"]


def test_drs_unanswered_is_an_error_not_a_clean_bill() -> None:
    found = failback_findings(Away(SiteState.RECOVERED, [], "throttled"))
    assert [(f.severity, f.code) for f in found] == [("info", "SITE_AWAY"),
                                                     ("error", "FAILBACK_UNCHECKED")]  # fmt: skip
    assert "throttled" in found[1].message


@pytest.mark.parametrize("state", list(SiteState))
def test_the_plan_is_checked_for_a_failback_only_while_away(state: SiteState) -> None:
    away = state in {SiteState.RECOVERED, SiteState.REPROTECTING, SiteState.REPROTECTED,
                     SiteState.FAILING_BACK}  # fmt: skip
    assert is_away(state) is away


def test_lint_of_an_away_plan_keeps_its_plan_rules_and_sorts_errors_first() -> None:
    spec = RecoveryPlanSpec.model_validate(
        {
            "name": "Shop",
            "rtoTargetMinutes": 1,
            "waves": [{"name": "db", "protectionGroupIds": ["g1"]}],
        }
    )
    group = GroupMembers("g1", "Shop db", *PLACE, (SID,))
    recovered = replace(READY_AWS, leg=Leg.RECOVERED, replication=None)
    found = lint(spec, {"g1": group}, Away(SiteState.RECOVERED, [("db", recovered)]))
    codes = [f.code for f in found]
    assert codes == ["FAILBACK_NOT_REPLICATING", "RTO_TARGET_AT_RISK", "SITE_AWAY"]


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (SiteState.RECOVERED, "Reprotect"),
        (SiteState.REPROTECTING, "Let the reprotect end"),
        (SiteState.REPROTECTED, "Fail back"),
        (SiteState.FAILING_BACK, "Follow the running failback"),
    ],
)
def test_the_note_that_the_plan_is_away_names_its_next_step(state: SiteState, step: str) -> None:
    [away] = findings(state=state)
    assert away.code == "SITE_AWAY"
    assert away.fix.startswith(step)
