"""What the console tells an operator finding their way: where they are (breadcrumbs), what
the SRM-like terms mean (the help panel), what needs them first (the dashboard), and, in the
plan editor, what each field holds and where a lint finding points."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.integration.web.conftest import shot
from tests.integration.web.test_console import side_nav, sign_in


def a_plan(admin: httpx.Client) -> tuple[str, str]:
    group = admin.post(
        "/protection-groups",
        json={"name": "Shop DB", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}},
    ).json()
    plan = {"name": "Shop", "waves": [{"name": "Database", "protectionGroupIds": [group["id"]]}]}
    made = admin.post("/recovery-plans", json=plan)
    assert made.status_code == 201, made.text
    return made.json()["id"], group["id"]


def test_breadcrumbs_and_help_say_where_one_is(
    page: Page, base_url: str, admin: httpx.Client
) -> None:
    plan_id, _ = a_plan(admin)
    sign_in(page, base_url, f"/recovery-plans/{plan_id}")
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs.get_by_role("listitem")).to_have_text(["Dashboard", "Recovery plans", "Shop"])
    # The product's name is the top bar's, once.
    expect(page.locator("text=DRS Orchestrator >> visible=true")).to_have_count(1)
    crumbs.get_by_role("link", name="Recovery plans").click()
    expect(page).to_have_url(f"{base_url}/recovery-plans")
    page.get_by_role("button", name="Open help panel").click()
    help_panel = page.get_by_role("region", name="Help panel").or_(
        page.locator("[aria-label='Help panel']")
    )
    expect(help_panel.first).to_contain_text("A plan orders groups into waves")
    expect(help_panel.first).to_contain_text("SRM: a priority group")
    shot(page, "help-panel")
    side_nav(page, "Executions").click()
    expect(help_panel.first).to_contain_text("Clean up instances")


def test_the_dashboard_puts_the_most_urgent_first(page: Page, base_url: str) -> None:
    """The demo estate: one server stalled, one in initial sync, twelve never drilled."""
    sign_in(page, base_url)
    attention = page.locator("table").filter(has_text="Why")
    first = attention.locator("tbody tr").first
    expect(first).to_contain_text("shop-web-04")
    expect(first).to_contain_text("Replication stalled")
    expect(attention.locator("tbody tr").nth(1)).to_contain_text("Replication initial sync")
    counter = page.get_by_text("Not drilled in 30 days, or never").locator("..")
    expect(counter).to_contain_text("12")
    shot(page, "dashboard-attention")


def test_the_plan_editor_says_what_each_field_holds(
    page: Page, base_url: str, admin: httpx.Client
) -> None:
    plan_id, group_id = a_plan(admin)
    sign_in(page, base_url, f"/recovery-plans/{plan_id}/edit")
    expect(page.get_by_label("Wave 1 name")).to_have_value("Database")
    # The demo's servers were never drilled: lint says so on the wave, and takes one there.
    finding = page.get_by_role("list", name="Lint findings for Database").get_by_role("listitem")
    expect(finding.first).to_contain_text("never")
    finding.first.get_by_role("button", name="Go to protection groups").click()
    focused = page.evaluate("document.activeElement && document.activeElement.id")
    assert focused == "waves[0]-groups", focused
    shot(page, "plan-editor-findings")
    # Lint runs on a complete plan: before the next wave, still without groups, is added.

    page.get_by_role("button", name="Add wave").click()
    # A new wave runs after the last one, and its field says so rather than "Starts at once".
    runs_after = page.get_by_role("button", name=re.compile("Wave 2 runs after"))
    expect(runs_after).to_contain_text("After Database")
    expect(page.get_by_role("button", name=re.compile("Wave 1 runs after"))).to_contain_text(
        "Starts at once"
    )
    # An empty hook field is empty: its example is not written where a hook would be.
    hooks = page.get_by_label("Post-launch hooks").first
    expect(hooks).to_have_value("")
    expect(hooks).to_have_attribute("placeholder", "No hooks")
    font = hooks.evaluate("el => getComputedStyle(el).fontFamily")
    assert "monospace" in font, font

    # YAML names groups by name, as plan files do, and reads the names back.
    page.get_by_role("button", name="Remove", exact=True).nth(1).click()
    page.get_by_role("tab", name="YAML").click()
    shot(page, "plan-editor-yaml")
    yaml_box = page.get_by_label("The plan as YAML")
    expect(yaml_box).to_have_value(re.compile(r"protectionGroupIds:\n\s+- Shop DB"))
    assert group_id not in yaml_box.input_value()
    page.get_by_role("tab", name="Waves").click()
    page.get_by_role("button", name="Save version 2").click()
    expect(page.get_by_role("heading", name="Shop", exact=True)).to_be_visible()
    saved = admin.get(f"/recovery-plans/{plan_id}").json()
    assert [w["protectionGroupIds"] for w in saved["waves"]] == [[group_id]]
    assert saved["version"] == 2
