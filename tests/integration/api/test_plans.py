"""Recovery plans over HTTP: validation against groups and DRS, versions, references."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.integration.api.test_groups import make_group

pytestmark = pytest.mark.integration

IdsOf = Callable[[str, str], list[str]]


@pytest.fixture
def tiers(admin: httpx.Client) -> dict[str, str]:
    """The demo shop's three tiers as protection groups, by tag selector."""
    return {
        tier: str(
            make_group(
                admin, f"Shop {tier}", serverSelector={"tags": {"App": "shop", "Tier": tier}}
            )["id"]
        )
        for tier in ("db", "app", "web")
    }


def three_waves(tiers: dict[str, str], **app_wave: Any) -> dict[str, Any]:
    return {
        "name": "Shop",
        "rtoTargetMinutes": 60,
        "waves": [
            {"name": "DB", "protectionGroupIds": [tiers["db"]]},
            {
                "name": "App",
                "protectionGroupIds": [tiers["app"]],
                "preHooks": [{"type": "manualApproval", "message": "DB verified?"}],
                **app_wave,
            },
            {
                "name": "Web",
                "protectionGroupIds": [tiers["web"]],
                "postHooks": [
                    {"type": "httpCheck", "url": "http://shop.example/health", "retries": 10}
                ],
            },
        ],
    }


def test_plan_round_trip_with_defaults(admin: httpx.Client, tiers: dict[str, str]) -> None:
    created = admin.post("/recovery-plans", json=three_waves(tiers))
    assert created.status_code == 201, created.text
    plan = created.json()
    assert [w["dependsOn"] for w in plan["waves"]] == [[], ["DB"], ["App"]]
    app = plan["waves"][1]
    assert app["onFailure"] == "stop"
    assert app["timeoutMinutes"] == 90
    assert app["preHooks"] == [
        {
            "type": "manualApproval",
            "message": "DB verified?",
            "approverRole": "operator",
            "timeoutMinutes": 60,
            "modes": ["DRILL", "RECOVERY"],
        }
    ]
    assert plan["waves"][2]["postHooks"][0]["expectStatus"] == 200
    assert admin.get(f"/recovery-plans/{plan['id']}").json() == plan


def test_every_change_keeps_the_previous_version(
    admin: httpx.Client, tiers: dict[str, str]
) -> None:
    plan = admin.post("/recovery-plans", json=three_waves(tiers)).json()
    url = f"/recovery-plans/{plan['id']}"
    changed = three_waves(tiers, pauseBefore=True)
    changed["rtoTargetMinutes"] = 45
    second = admin.put(url, json=changed, headers={"If-Match": '"1"'})
    assert second.status_code == 200, second.text
    assert second.json()["version"] == 2
    versions = admin.get(f"{url}/versions").json()["items"]
    assert [v["version"] for v in versions] == [2, 1]
    first = admin.get(f"{url}/versions/1").json()
    assert first["plan"]["rtoTargetMinutes"] == 60
    assert first["plan"]["waves"][1]["pauseBefore"] is False
    assert admin.get(f"{url}/versions/2").json()["plan"]["waves"][1]["pauseBefore"] is True
    assert admin.get(f"{url}/versions/3").json()["code"] == "RP_VERSION_NOT_FOUND"
    assert (
        admin.put(url, json=changed, headers={"If-Match": '"1"'}).json()["code"]
        == "VERSION_MISMATCH"
    )


def test_names_are_unique(admin: httpx.Client, tiers: dict[str, str]) -> None:
    assert admin.post("/recovery-plans", json=three_waves(tiers)).status_code == 201
    again = admin.post("/recovery-plans", json={**three_waves(tiers), "name": "SHOP"})
    assert again.status_code == 409
    assert again.json()["code"] == "RP_NAME_EXISTS"


def errors_of(answer: httpx.Response) -> set[tuple[str, str]]:
    assert answer.status_code == 400, answer.text
    return {(e["field"], e["code"]) for e in answer.json()["errors"]}


def test_cycles_are_named(admin: httpx.Client, tiers: dict[str, str]) -> None:
    plan = three_waves(tiers)
    plan["waves"][0]["dependsOn"] = ["Web"]
    answer = admin.post("/recovery-plans", json=plan)
    assert ("waves[0].dependsOn", "DEPENDENCY_CYCLE") in errors_of(answer)
    cycle = next(e for e in answer.json()["errors"] if e["code"] == "DEPENDENCY_CYCLE")
    assert "DB -> Web -> App -> DB" in cycle["message"]


def test_reference_rules(admin: httpx.Client, tiers: dict[str, str], server_ids: IdsOf) -> None:
    db = server_ids("us-east-1", "db")
    plan = {
        "name": "Bad",
        "waves": [
            {"name": "A", "protectionGroupIds": [tiers["db"]]},
            {"name": "a", "protectionGroupIds": [tiers["db"], "no-such-group"], "dependsOn": ["Z"]},
            {"name": "C", "protectionGroupIds": [tiers["app"]], "serverIds": [db[0]]},
            {"name": "D", "protectionGroupIds": [tiers["web"]], "nonCriticalServerIds": [db[1]]},
        ],
    }
    assert errors_of(admin.post("/recovery-plans", json=plan)) == {
        ("waves[1].name", "DUPLICATE_WAVE_NAME"),
        ("waves[1].dependsOn[0]", "UNKNOWN_WAVE_DEPENDENCY"),
        ("waves[1].protectionGroupIds[1]", "UNKNOWN_PROTECTION_GROUP"),
        ("waves[1]", "SERVER_IN_TWO_WAVES"),
        ("waves[2].serverIds[0]", "SERVER_NOT_IN_GROUPS"),
        ("waves[2]", "WAVE_HAS_NO_SERVERS"),
        ("waves[3].nonCriticalServerIds[0]", "NON_CRITICAL_NOT_IN_WAVE"),
    }
    assert admin.get("/recovery-plans").json()["items"] == []


@pytest.mark.parametrize(
    ("hook", "field", "code"),
    [
        ({"type": "teleport"}, "waves[0].preHooks[0]", "UNKNOWN_HOOK_TYPE"),
        ({"message": "x"}, "waves[0].preHooks[0]", "HOOK_TYPE_REQUIRED"),
        (
            {"type": "manualApproval", "message": ""},
            "waves[0].preHooks[0].message",
            "STRING_TOO_SHORT",
        ),
        (
            {"type": "manualApproval", "message": "ok", "approverRole": "boss"},
            "waves[0].preHooks[0].approverRole",
            "ENUM",
        ),
        ({"type": "wait"}, "waves[0].preHooks[0].durationSeconds", "FIELD_REQUIRED"),
        ({"type": "httpCheck", "url": "ftp://x"}, "waves[0].preHooks[0].url", "URL_SCHEME"),
        (
            {"type": "ssmCommand", "documentName": "a b"},
            "waves[0].preHooks[0].documentName",
            "INVALID_FORMAT",
        ),
        (
            {"type": "lambda", "functionName": "no spaces"},
            "waves[0].preHooks[0].functionName",
            "INVALID_FORMAT",
        ),
    ],
)
def test_hook_fields(
    admin: httpx.Client, tiers: dict[str, str], hook: dict[str, Any], field: str, code: str
) -> None:
    plan = {
        "name": "H",
        "waves": [{"name": "A", "protectionGroupIds": [tiers["db"]], "preHooks": [hook]}],
    }
    assert (field, code) in errors_of(admin.post("/recovery-plans", json=plan))


def test_a_group_in_use_cannot_be_deleted(admin: httpx.Client, tiers: dict[str, str]) -> None:
    plan = admin.post("/recovery-plans", json=three_waves(tiers)).json()
    refused = admin.delete(f"/protection-groups/{tiers['app']}")
    assert refused.status_code == 409
    assert refused.json()["code"] == "PG_IN_USE"
    assert refused.json()["plans"] == [{"id": plan["id"], "name": "Shop"}]
    assert admin.delete(f"/recovery-plans/{plan['id']}").status_code == 204
    assert admin.delete(f"/protection-groups/{tiers['app']}").status_code == 204


def test_audit_records_before_and_after(admin: httpx.Client, tiers: dict[str, str]) -> None:
    plan = admin.post("/recovery-plans", json=three_waves(tiers)).json()
    admin.put(f"/recovery-plans/{plan['id']}", json={**three_waves(tiers), "description": "v2"})
    entries = admin.get("/audit", params={"resourceId": plan["id"]}).json()["items"]
    assert [e["action"] for e in entries] == ["update", "create"]
    update = entries[0]
    assert update["actor"] == "admin"
    assert update["before"]["description"] == ""
    assert update["after"]["description"] == "v2"
    assert update["resourceType"] == "recovery-plan"
