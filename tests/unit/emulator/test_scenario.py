from __future__ import annotations

import pytest

from drs_orchestrator.emulator.scenario import (
    FailServerFault,
    ScenarioError,
    load_scenario,
    parse_faults,
    parse_scenario,
    parse_text,
)

pytestmark = pytest.mark.unit


def _doc(**extra: object) -> dict[str, object]:
    return {"accounts": {"111111111111": {"regions": {"us-east-1": {"servers": []}}}}, **extra}


def test_demo_scenario_has_three_tiers_in_two_regions_and_one_unready_server() -> None:
    demo = load_scenario("demo")
    regions = demo.accounts["111111111111"].regions
    initialized = [name for name, r in regions.items() if r.initialized]
    assert len(initialized) == 2
    servers = [s for r in regions.values() for s in r.servers]
    assert 10 <= len(servers) <= 14
    assert {s.tags["Tier"] for s in servers} == {"db", "app", "web"}
    assert any(s.dataReplicationState != "CONTINUOUS" for s in regions["us-east-1"].servers)


def test_count_generates_numbered_hostnames() -> None:
    scenario = parse_scenario(
        _doc(
            accounts={
                "111111111111": {
                    "regions": {
                        "us-east-1": {
                            "servers": [{"count": 120, "hostnamePrefix": "web-", "os": "windows"}]
                        }
                    }
                }
            }
        )
    )
    names = scenario.accounts["111111111111"].regions["us-east-1"].servers[0].hostnames()
    assert names[0] == "web-001"
    assert names[-1] == "web-120"
    assert len(names) == 120


def test_the_issue_example_document_parses() -> None:
    text = """
seed: 7
accounts:
  "111111111111":
    regions:
      us-east-1:
        initialized: true
        servers:
          - hostname: db-01
            os: linux
            tags: {App: shop, Tier: db}
            dataReplicationState: CONTINUOUS
            postLaunchEnabled: false
          - count: 120
            hostnamePrefix: web-
            os: windows
            tags: {App: shop, Tier: web}
      eu-west-1:
        initialized: false
timing: {snapshotSeconds: 808, conversionSeconds: 300, launchSeconds: 76, jitter: 0.1}
faults:
  - {kind: failServer, hostname: db-01, phase: CONVERSION, rawError: "disk conversion failed"}
  - {kind: throttle, operation: DescribeJobs, fraction: 0.3, retryAfterSeconds: 2}
  - {kind: internalError, operation: StartRecovery, fraction: 0.1}
  - {kind: latency, operation: "*", milliseconds: 50}
"""
    scenario = parse_scenario(parse_text(text))
    assert scenario.seed == 7
    assert [f.kind for f in scenario.faults] == [
        "failServer",
        "throttle",
        "internalError",
        "latency",
    ]
    assert isinstance(scenario.faults[0], FailServerFault)
    assert scenario.faults[0].phase == "CONVERSION"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"accounts": {}}, "accounts"),
        ({"accounts": {"12": {"regions": {}}}}, "12"),
        (_doc(faults=[{"kind": "throttle", "fraction": 0.5, "ratePerSecond": 2}]), "exactly one"),
        (_doc(faults=[{"kind": "failServer", "phase": "BOOT", "hostname": "x"}]), "phase"),
        (_doc(faults=[{"kind": "explode"}]), "kind"),
        (_doc(timing={"jitter": 2}), "jitter"),
        (
            _doc(
                accounts={
                    "111111111111": {
                        "regions": {
                            "us-east-1": {
                                "servers": [{"hostname": "a", "count": 3, "hostnamePrefix": "b"}]
                            }
                        }
                    }
                }
            ),
            "count",
        ),
        (_doc(surprise=True), "surprise"),
    ],
)
def test_bad_documents_say_where_and_why(document: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(document)


def test_fault_lists_and_unparseable_text_are_rejected_clearly() -> None:
    assert parse_faults({"faults": []}) == []
    with pytest.raises(ScenarioError, match="milliseconds"):
        parse_faults({"faults": [{"kind": "latency"}]})
    with pytest.raises(ScenarioError, match="YAML"):
        parse_text("accounts: [unclosed")
    with pytest.raises(ScenarioError, match="no built-in scenario"):
        load_scenario("no-such-scenario")
