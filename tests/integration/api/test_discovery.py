"""Discovery, regions, lint and failing closed when DRS cannot answer."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from drs_orchestrator.emulator import Emulator
from tests.helpers import inject
from tests.integration.api.test_groups import make_group
from tests.integration.api.test_plans import three_waves

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    """Nothing here depends on the database engine; the store tests run on both."""
    return "sqlite"


IdsOf = Callable[[str, str], list[str]]


def test_discovery_pages_through_drs_and_marks_assigned_servers(
    admin: httpx.Client, server_ids: IdsOf
) -> None:
    db = server_ids("us-east-1", "db")
    group = make_group(admin, "Shop DB", sourceServerIds=db)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"region": "us-east-1", "limit": 4, **({"cursor": cursor} if cursor else {})}
        page = admin.get("/drs/source-servers", params=params).json()
        seen += page["items"]
        pages += 1
        if not (cursor := page["nextCursor"]):
            break
    assert pages == 3  # 9 servers, 4 a page
    by_id = {s["sourceServerId"]: s for s in seen}
    assert len(by_id) == 9
    assert by_id[db[0]]["protectionGroupId"] == group["id"]
    assert by_id[db[0]]["protectionGroupName"] == "Shop DB"
    assert by_id[db[0]]["selectable"] is False
    stalled = next(s for s in seen if s["hostname"] == "shop-web-04")
    assert stalled["replicationState"] == "STALLED"
    assert stalled["lagSeconds"] == 5400
    assert stalled["selectable"] is True
    assert stalled["lastSeenAt"].endswith("Z")
    # while editing the group, its own servers stay selectable
    editing = admin.get(
        "/drs/source-servers", params={"region": "us-east-1", "editingGroupId": group["id"]}
    ).json()["items"]
    assert all(s["selectable"] for s in editing)
    only = admin.get("/drs/source-servers", params={"protectionGroupId": group["id"]}).json()
    assert sorted(s["sourceServerId"] for s in only["items"]) == db


def test_discovery_errors(admin: httpx.Client) -> None:
    missing = admin.get("/drs/source-servers")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "region"
    eu = admin.get("/drs/source-servers", params={"region": "eu-west-1"})
    assert eu.status_code == 400
    assert eu.json()["code"] == "DRS_NOT_INITIALIZED"
    other = admin.get(
        "/drs/source-servers", params={"region": "us-east-1", "accountId": "222222222222"}
    )
    assert other.json()["code"] == "ACCOUNT_NOT_CONFIGURED"
    assert admin.get("/drs/source-servers", params={"protectionGroupId": "nope"}).status_code == 404


def test_regions(admin: httpx.Client) -> None:
    regions = admin.get("/drs/regions").json()
    assert regions["accountId"] == "111111111111"
    assert {r["region"]: r["initialized"] for r in regions["regions"]} == {
        "us-east-1": True,
        "us-west-2": True,
        "eu-west-1": False,
    }


def test_validation_fails_closed_when_drs_cannot_answer(
    admin: httpx.Client, emulator: Emulator, server_ids: IdsOf
) -> None:
    db = server_ids("us-east-1", "db")
    inject(emulator, {"kind": "internalError", "operation": "DescribeSourceServers"})
    answer = admin.post(
        "/protection-groups", json={"name": "G", "region": "us-east-1", "sourceServerIds": db}
    )
    assert answer.status_code == 503
    assert answer.json()["code"] == "DRS_UNAVAILABLE"
    assert "Nothing was changed" in answer.json()["detail"]
    inject(emulator)
    assert admin.get("/protection-groups").json()["items"] == []


def test_lint_reports_what_would_go_wrong(admin: httpx.Client) -> None:
    tiers = {
        t: str(
            make_group(admin, f"Shop {t}", serverSelector={"tags": {"App": "shop", "Tier": t}})[
                "id"
            ]
        )
        for t in ("db", "app", "web")
    }
    document = three_waves(tiers)
    document["rtoTargetMinutes"] = 30
    document["waves"][1]["postHooks"] = [
        {"type": "ssmCommand", "documentName": "AWS-RunShellScript"}
    ]
    document["waves"][0]["postHooks"] = [
        {"type": "ssmCommand", "documentName": "AWS-RunShellScript"}
    ]
    plan = admin.post("/recovery-plans", json=document).json()
    result = admin.get(f"/recovery-plans/{plan['id']}/lint").json()
    codes = {(f["code"], f["wave"]) for f in result["findings"]}
    assert ("SERVER_NOT_CONTINUOUS", "Web") in codes  # shop-web-04 is STALLED
    stalled = next(f for f in result["findings"] if f["code"] == "SERVER_NOT_CONTINUOUS")
    assert "replication is stalled, 1 h 30 min behind" in stalled["message"]  # words, not codes
    assert ("RTO_TARGET_AT_RISK", None) in codes  # three waves of ~20 min > 30 min
    assert ("SSM_HOOK_WITHOUT_AGENT", "DB") in codes  # db servers have no post-launch actions
    assert ("SSM_HOOK_WITHOUT_AGENT", "App") not in codes  # app servers do
    assert result["ok"] is True
    assert result["errors"] == 0
    rto = next(f for f in result["findings"] if f["code"] == "RTO_TARGET_AT_RISK")
    assert "DB -> App -> Web" in rto["message"]
    # the same estimate, in the same words, as the API's (and so the console's and the CLI's)
    estimate = admin.get(f"/recovery-plans/{plan['id']}/rto-estimate").json()
    assert f"should take {estimate['text']} (from DRS's usual" in rto["message"]
    assert estimate["text"] == "1 h (36 min to 1 h 45 min)"  # three default waves of 20 min
    assert "over the 30 min target" in rto["message"]
    # an unsaved document with a cycle is linted too, with the cycle as an error
    document["waves"][0]["dependsOn"] = ["Web"]
    draft = admin.post("/recovery-plans/lint", json=document).json()
    assert draft["ok"] is False
    assert "DEPENDENCY_CYCLE" in {f["code"] for f in draft["findings"]}


def test_lint_sees_servers_in_initial_sync(admin: httpx.Client) -> None:
    group = make_group(
        admin, "Reporting", region="us-west-2", serverSelector={"tags": {"App": "reporting"}}
    )
    plan = admin.post(
        "/recovery-plans",
        json={"name": "R", "waves": [{"name": "all", "protectionGroupIds": [group["id"]]}]},
    ).json()
    result = admin.get(f"/recovery-plans/{plan['id']}/lint").json()
    assert result["ok"] is False
    assert [f["code"] for f in result["findings"] if f["severity"] == "error"] == [
        "SERVER_CANNOT_LAUNCH"
    ]
