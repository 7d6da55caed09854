"""What the layout and accessibility tests look at: a real drill of the demo shop (groups by
tier, a three-wave plan with hooks and an approval gate, run on the manual clock), and the
console's pages over it, each with the tabs it has."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from drs_orchestrator.domain.executions import ExecutionStatus, WaveStatus
from tests.integration.web.conftest import ThreadedDrive

WIDTHS = (1440, 390)


@dataclass(frozen=True)
class Drill:
    plan_id: str
    group_id: str
    execution_id: str


def shop_plan(admin: httpx.Client) -> tuple[str, str]:
    """Groups per tier and a plan over them; returns (plan id, the database group's id)."""
    ids = {}
    for tier in ("db", "app", "web"):
        made = admin.post(
            "/protection-groups",
            json={
                "name": f"Shop {tier}",
                "region": "us-east-1",
                "serverSelector": {"tags": {"App": "shop", "Tier": tier}},
            },
        )
        assert made.status_code == 201, made.text
        ids[tier] = made.json()["id"]
    gate = {"type": "manualApproval", "message": "Is the database consistent?"}
    pause = {"type": "wait", "durationSeconds": 60}
    body: dict[str, Any] = {
        "name": "Shop",
        "rtoTargetMinutes": 120,
        "waves": [
            {"name": "Database", "protectionGroupIds": [ids["db"]], "postHooks": [pause]},
            {
                "name": "Application",
                "protectionGroupIds": [ids["app"]],
                "dependsOn": ["Database"],
                "preHooks": [gate],
                "postHooks": [pause],
            },
            {"name": "Web", "protectionGroupIds": [ids["web"]], "dependsOn": ["Application"]},
        ],
    }
    made = admin.post("/recovery-plans", json=body)
    assert made.status_code == 201, made.text
    plan_id = made.json()["id"]
    # A second version, so that the Versions tab has a diff to show.
    body["description"] = "The shop, database first"
    again = admin.put(f"/recovery-plans/{plan_id}", json=body, headers={"If-Match": '"1"'})
    assert again.status_code == 200, again.text
    return plan_id, ids["db"]


def start_drill(admin: httpx.Client, plan_id: str) -> str:
    started = admin.post(f"/recovery-plans/{plan_id}/executions", json={"mode": "DRILL"})
    assert started.status_code == 202, started.text
    return str(started.json()["id"])


def awaiting_approval(admin: httpx.Client, drive: ThreadedDrive) -> Drill:
    plan_id, group_id = shop_plan(admin)
    execution_id = start_drill(admin, plan_id)
    drive.until(
        execution_id, lambda s: s.wave("Application").status == WaveStatus.AWAITING_APPROVAL
    )
    return Drill(plan_id, group_id, execution_id)


def completed(admin: httpx.Client, drive: ThreadedDrive) -> Drill:
    drill = awaiting_approval(admin, drive)
    approved = admin.post(f"/executions/{drill.execution_id}/approve", json={"wave": "Application"})
    assert approved.status_code == 200, approved.text
    drive.until(drill.execution_id, lambda s: not s.status.active)
    assert drive.state(drill.execution_id).status == ExecutionStatus.COMPLETED
    return drill


@dataclass(frozen=True)
class View:
    """A page of the console, or one tab of it: where to go, what says it is ready."""

    name: str
    path: str
    ready: str
    tab: str | None = None


def views(drill: Drill) -> list[View]:
    plan = f"/recovery-plans/{drill.plan_id}"
    execution = f"/executions/{drill.execution_id}"
    return [
        View("dashboard", "/", "Needs attention"),
        View("servers", "/servers", "shop-db-01"),
        View("groups", "/protection-groups", "Shop db"),
        View("group-create", "/protection-groups/new", "shop-db-01"),
        View("group-edit", f"/protection-groups/{drill.group_id}", "shop-db-01"),
        View("plans", "/recovery-plans", "Shop"),
        View("plan-waves", plan, "Dependency graph", "Waves"),
        View("plan-lint", plan, "Severity", "Lint"),
        View("plan-yaml", plan, "rtoTargetMinutes", "YAML"),
        View("plan-versions", plan, "Saved", "Versions"),
        View("plan-executions", plan, "Completed", "Executions"),
        View("plan-create", "/recovery-plans/new", "Add wave"),
        View("plan-edit", f"{plan}/edit", "Add wave"),
        View("executions-active", "/executions", "Nothing is running"),
        View("executions-history", "/executions", "waves completed", "History"),
        View("execution-waves", execution, "Timeline", "Waves"),
        View("execution-servers", execution, "shop-db-01", "Servers"),
        View("execution-events", execution, "Running → Completed", "Event log"),
        View("report", f"{execution}/report", "Measured RTO"),
        View("audit", "/audit", "recovery-plan"),
        View("users", "/users", "User name", "Users"),
        View("tokens", "/users", "Starts with", "API tokens"),
    ]


def open_view(page: Page, base_url: str, view: View) -> None:
    """Go to the view (no reload when already on its page) and wait until it has loaded."""
    if page.url != base_url + view.path:
        page.goto(base_url + view.path)
    if view.tab:
        page.get_by_role("tab", name=re.compile(f"^{re.escape(view.tab)}")).click()
    expect(page.get_by_text(view.ready).first).to_be_visible()
    expect(page.get_by_text(re.compile("^Loading")).first).to_have_count(0)
