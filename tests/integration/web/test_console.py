"""A drill from the console, end to end, in a real browser: sign in, make a group from
discovery, build a three-wave plan, run it against the emulator, watch it live, approve its
gate, see its instances, open the report and clean up."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, LocatorAssertions, Page, expect

from drs_orchestrator.api.services import Services
from drs_orchestrator.domain.executions import CleanupStatus, ExecutionStatus, WaveStatus
from drs_orchestrator.emulator import Emulator
from tests.integration.conftest import ADMIN_PASSWORD
from tests.integration.web.conftest import ConsoleErrors, ThreadedDrive, off_loop, shot
from tests.integration.web.scene import shop_plan


def sign_in(
    page: Page, base_url: str, path: str = "/", user: str = "admin", password: str = ADMIN_PASSWORD
) -> None:
    page.goto(base_url + path)
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=f"User menu for {user}")).to_be_visible()
    expect(page).to_have_url(base_url + path)


def side_nav(page: Page, name: str) -> Locator:
    """A link of the side navigation (breadcrumbs link to the same pages)."""
    return page.get_by_role("navigation", name="Side navigation").get_by_role("link", name=name)


def choose(page: Page, trigger: str, *options: str) -> None:
    """Pick options in a Cloudscape multiselect or select, then close it."""
    page.get_by_role("button", name=re.compile(re.escape(trigger))).click()
    for option in options:
        page.get_by_role("option", name=re.compile(f"^{re.escape(option)}")).click()
    page.keyboard.press("Escape")


def wave_status(page: Page, wave: str) -> LocatorAssertions:
    return expect(page.locator(f'[data-wave-status="{wave}"]'))


def make_groups(
    page: Page,
    *,
    base_url: str,
    admin: httpx.Client,
    errors: ConsoleErrors,
    server_ids: Callable[[str, str], list[str]],
) -> None:
    """A protection group from discovery; the API's error lands on the field it names."""
    side_nav(page, "Protection groups").click()
    page.get_by_role("button", name="Create protection group").click()
    expect(page.get_by_text("shop-db-01")).to_be_visible()
    page.get_by_role("button", name="Create protection group").click()
    expect(page.get_by_text("String should have at least 1 character").first).to_be_visible()
    errors.expect("status of 400")
    page.get_by_label("Name", exact=True).fill("Shop DB")
    page.get_by_role("checkbox", name="Select shop-db-01").check()
    page.get_by_role("checkbox", name="Select shop-db-02").check()
    expect(page.get_by_text("(2 selected)")).to_be_visible()
    shot(page, "group-editor")
    page.get_by_role("button", name="Create protection group").click()
    expect(page.get_by_role("heading", name="Protection group Shop DB")).to_be_visible()
    db = admin.get("/protection-groups").json()["items"]
    assert [(g["name"], sorted(g["serverIds"])) for g in db] == [
        ("Shop DB", server_ids("us-east-1", "db"))
    ]
    for name, tier in (("Shop App", "app"), ("Shop Web", "web")):
        made = admin.post(
            "/protection-groups",
            json={"name": name, "region": "us-east-1", "serverSelector": {"tags": {"Tier": tier}}},
        )
        assert made.status_code == 201, made.text

    # Servers already in a group are shown but cannot be picked for another.
    page.goto(base_url + "/protection-groups/new")
    expect(page.get_by_role("checkbox", name="Select shop-db-01 (in Shop DB)")).to_be_disabled()


def build_plan(page: Page) -> None:
    """Three waves; the second waits for an approval."""
    side_nav(page, "Recovery plans").click()
    page.get_by_role("button", name="Create recovery plan").click()
    page.get_by_label("Plan name").fill("Browser shop")
    page.get_by_label("RTO target in minutes").fill("120")
    page.get_by_label("Wave 1 name").fill("Database")
    choose(page, "Wave 1 protection groups", "Shop DB")
    page.get_by_role("button", name="Add wave").click()
    page.get_by_label("Wave 2 name").fill("Application")
    choose(page, "Wave 2 protection groups", "Shop App")
    page.get_by_text("Require approval before launch").nth(1).click()
    page.get_by_role("button", name="Add wave").click()
    page.get_by_label("Wave 3 name").fill("Web")
    choose(page, "Wave 3 protection groups", "Shop Web")
    graph = page.get_by_role("img", name=re.compile("Wave dependency graph"))
    expect(graph).to_have_attribute(
        "aria-label", "Wave dependency graph: Application after Database, Web after Application"
    )
    expect(page.get_by_text(re.compile(r"\d+ errors?, \d+ warnings?"))).to_be_visible()
    shot(page, "plan-editor")
    page.get_by_role("button", name="Create recovery plan").click()
    expect(page.get_by_role("heading", name="Browser shop")).to_be_visible()
    shot(page, "plan-detail")


def run_drill(page: Page, drive: ThreadedDrive) -> str:
    """Start the drill and follow it without reloading the page."""
    page.get_by_role("button", name="Start drill").click()
    page.get_by_role("dialog").get_by_role("button", name="Start drill").click()
    expect(page).to_have_url(re.compile(r"/executions/[0-9a-f-]+$"))
    execution_id = page.url.rsplit("/", 1)[1]
    page.evaluate("window.__notReloaded = true")
    expect(page.get_by_test_id("live-state")).to_have_text("Live")
    # The clock here is the emulator's, moved by hand: the console says its times are emulated.
    expect(page.get_by_test_id("emulated-clock")).to_contain_text("is moved by hand")
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs).to_contain_text("Executions")
    expect(crumbs).to_contain_text("Drill of Browser shop")
    expect(page.get_by_test_id("cleanup-state")).to_have_text("Once the execution ends")

    drive.until(execution_id, lambda s: s.wave("Database").status == WaveStatus.LAUNCHING)
    wave_status(page, "Database").to_have_text("Launching")
    shot(page, "execution-launching")
    drive.until(
        execution_id, lambda s: s.wave("Application").status == WaveStatus.AWAITING_APPROVAL
    )
    wave_status(page, "Database").to_have_text("Completed")
    wave_status(page, "Application").to_have_text("Awaiting approval")
    expect(page.get_by_text("Wave Application is waiting for approval")).to_be_visible()
    # Durations follow the engine's clock (here moved by hand), not the browser's.
    expect(page.get_by_test_id("execution-duration")).to_have_text(re.compile(r"^[1-9]\d* min"))
    shot(page, "execution-approval")
    page.get_by_role("button", name="Approve wave Application").click()
    expect(page.get_by_text("Wave Application is waiting for approval")).to_be_hidden()

    drive.until(execution_id, lambda s: not s.status.active)
    assert drive.state(execution_id).status == ExecutionStatus.COMPLETED
    expect(page.get_by_test_id("execution-status")).to_contain_text("Completed")
    for wave in ("Database", "Application", "Web"):
        wave_status(page, wave).to_have_text("Completed")
    expect(page.get_by_test_id("live-state")).to_have_text("Ended")
    expect(page.get_by_test_id("cleanup-state")).to_have_text(
        "Not cleaned up9 recovery instances still running"
    )
    expect(page.locator('[data-wave-servers="Database"]')).to_have_text("2 of 2")
    expect(page.get_by_text("Before launch: Manual approval — Passed")).to_be_visible()
    shot(page, "execution-completed")
    page.get_by_role("tab", name=re.compile("Servers")).click()
    expect(page.locator("[data-instance]")).to_have_count(9)
    assert all(t.startswith("i-") for t in page.locator("[data-instance]").all_inner_texts())
    shot(page, "execution-servers")
    events_tab = page.get_by_role("tab", name=re.compile("Event log"))
    events_tab.click()
    expect(page.get_by_text("Execution: Running → Completed")).to_be_visible()
    assert_event_log_names_things(page, events_tab.inner_text())
    shot(page, "execution-events")
    assert page.evaluate("window.__notReloaded") is True
    return execution_id


# A batch's internal key (wave.account.region.batch.attempt) must never reach the screen.
INTERNAL_KEY = re.compile(r"\b\d+\.\d{12}\.[a-z]{2}-[a-z]+-\d\.\d+\.a\d+\b")
HOOK_POSITION = re.compile(r"\b\w+/(pre|post)/\d+\b")


def assert_event_log_names_things(page: Page, tab_label: str) -> None:
    """Jobs by their drsjob ID, hooks by what they are, and the count is the rows'."""
    rows = page.locator("table").filter(has_text="Event").locator("tbody tr")
    count = int(re.search(r"\((\d+)\)", tab_label).group(1))  # type: ignore[union-attr]
    expect(rows).to_have_count(count)
    text = page.locator("table").filter(has_text="Event").inner_text()
    assert not INTERNAL_KEY.search(text), INTERNAL_KEY.search(text)
    assert not HOOK_POSITION.search(text), HOOK_POSITION.search(text)
    assert re.search(r"DRS job drsjob-[0-9a-f]{17} started for 2 servers", text), text
    assert "Hook Application: before launch, Manual approval: Running → Passed" in text
    assert not re.search(r"[Ii]nstance s-", text), "a source server ID named as an instance"
    assert re.search(r"Recovery instance i-[0-9a-f]{17} of shop-db-01: Running", text), text


def report_and_clean_up(page: Page, drive: ThreadedDrive, execution_id: str) -> None:
    page.get_by_role("button", name="Report").click()
    # The report is a console page, not a framed document.
    expect(page.get_by_test_id("rto")).to_contain_text("against a 2 h target: met")
    expect(page.locator("iframe")).to_have_count(0)
    expect(page.get_by_test_id("report-cleanup")).to_contain_text("9 recovery instances still")
    expect(page.get_by_role("heading", name=re.compile("^Servers"))).to_be_visible()
    expect(page.get_by_role("button", name="Download HTML")).to_be_enabled()
    expect(page.get_by_role("button", name="Download JSON")).to_be_enabled()
    shot(page, "report")
    page.get_by_role("button", name="Back to the execution").click()
    # Clean-up says what it terminates and asks; keeping them changes nothing.
    page.get_by_role("button", name="Clean up instances").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Terminate 9 recovery instances")
    instances = dialog.locator("code").all_inner_texts()
    assert len(instances) == 9
    assert all(i.startswith("i-") for i in instances), instances
    shot(page, "execution-cleanup-confirm")
    dialog.get_by_role("button", name="Keep them").click()
    assert drive.state(execution_id).cleanup == CleanupStatus.NONE
    page.get_by_role("button", name="Clean up instances").click()
    page.get_by_role("dialog").get_by_role("button", name="Terminate 9 instances").click()
    drive.until(execution_id, lambda s: s.cleanup == CleanupStatus.COMPLETED)
    expect(page.get_by_test_id("cleanup-state")).to_have_text("Cleaned up")
    # A completed wave still says it recovered its servers after they were cleaned up.
    expect(page.locator('[data-wave-servers="Database"]')).to_have_text("2 of 2 (all cleaned up)")
    page.get_by_role("tab", name=re.compile("Servers")).click()
    # Each server's status and its instance's state, in words.
    expect(page.get_by_text("Terminated", exact=True)).to_have_count(18)
    expect(page.get_by_text("TERMINATED", exact=True)).to_have_count(0)
    shot(page, "execution-cleaned-up")


def see_history(page: Page) -> None:
    """History lists it as ended, not active."""
    side_nav(page, "Executions").click()
    expect(page.get_by_role("tab", name="Active (0)")).to_be_visible()
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_role("link", name="Browser shop")).to_be_visible()
    shot(page, "executions-history")


@pytest.mark.usefixtures("services")
def test_a_drill_from_the_console(
    page: Page,
    *,
    base_url: str,
    admin: httpx.Client,
    drive: ThreadedDrive,
    errors: ConsoleErrors,
    server_ids: Callable[[str, str], list[str]],
) -> None:
    sign_in(page, base_url)
    shot(page, "dashboard")
    make_groups(page, base_url=base_url, admin=admin, errors=errors, server_ids=server_ids)
    build_plan(page)
    execution_id = run_drill(page, drive)
    report_and_clean_up(page, drive, execution_id)
    see_history(page)


PAGES = [
    ("dashboard", "/", "Source servers"),
    ("servers", "/servers", "Servers in us-east-1"),
    ("groups", "/protection-groups", "Groups"),
    ("plans", "/recovery-plans", "Plans"),
    ("executions", "/executions", "what runs now, and what ran"),
    ("audit", "/audit", "Every change"),
    ("users", "/users", "Users and tokens"),
]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1536, 864)])
def test_every_page_renders_cleanly(
    page: Page, base_url: str, admin: httpx.Client, width: int, height: int
) -> None:
    """Each page at 1280 px and on a laptop screen: no console error, no Invalid Date, no
    NaN, no status code shown raw; the plan's YAML and a diff between two versions."""
    group = admin.post(
        "/protection-groups",
        json={"name": "DB", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}},
    ).json()
    plan = {"name": "Two", "waves": [{"name": "db", "protectionGroupIds": [group["id"]]}]}
    made = admin.post("/recovery-plans", json=plan).json()
    plan["waves"][0]["timeoutMinutes"] = 30  # type: ignore[index]
    admin.put(f"/recovery-plans/{made['id']}", json=plan, headers={"If-Match": '"1"'})
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, base_url)
    for name, path, text in PAGES:
        page.goto(base_url + path)
        expect(page.get_by_text(text).first).to_be_visible()
        expect(page.get_by_text("Loading").first).to_have_count(0)
        body = page.inner_text("body")
        for bad in ("Invalid Date", "NaN", "undefined", "AWAITING_APPROVAL"):
            assert bad not in body, f"{path} shows {bad!r}"
        shot(page, f"{name}-{width}")
    page.goto(f"{base_url}/recovery-plans/{made['id']}")
    page.get_by_role("tab", name="YAML").click()
    expect(page.get_by_label("Plan YAML")).to_contain_text("timeoutMinutes: 30")
    expect(page.get_by_label("Plan YAML")).to_contain_text("protectionGroupIds:\n      - DB\n")
    page.get_by_role("tab", name="Versions").click()
    diff = page.get_by_label("Version diff")
    expect(diff.locator('[data-diff="added"]')).to_have_text(["+     timeoutMinutes: 30"])
    expect(diff.locator('[data-diff="removed"]')).to_have_text(["-     timeoutMinutes: 90"])
    shot(page, f"plan-versions-{width}")


def test_what_a_user_may_do_is_what_the_console_offers(
    page: Page, base_url: str, admin: httpx.Client
) -> None:
    """A viewer sees no way to start anything; a recovery needs the plan's name typed."""
    group = admin.post(
        "/protection-groups",
        json={"name": "DB", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}},
    ).json()
    plan = {"name": "Prod", "waves": [{"name": "db", "protectionGroupIds": [group["id"]]}]}
    plan_id = admin.post("/recovery-plans", json=plan).json()["id"]
    made = admin.post(
        "/users", json={"username": "vera", "password": "password-1", "roles": ["viewer"]}
    )
    assert made.status_code == 201, made.text
    sign_in(page, base_url, f"/recovery-plans/{plan_id}", "vera", "password-1")
    expect(page.get_by_role("heading", name="Prod")).to_be_visible()
    for action in ("Start drill", "Start recovery", "Edit", "Delete"):
        expect(page.get_by_role("button", name=action)).to_have_count(0)
    expect(side_nav(page, "Users and tokens")).to_have_count(0)
    page.get_by_role("button", name="User menu for vera").click()
    page.get_by_role("menuitem", name="Sign out").click()

    sign_in(page, base_url, f"/recovery-plans/{plan_id}")
    page.get_by_role("button", name="Start recovery").click()
    dialog = page.get_by_role("dialog")
    start = dialog.get_by_role("button", name="Start recovery")
    expect(dialog.get_by_text("This launches production instances")).to_be_visible()
    expect(start).to_be_disabled()
    dialog.get_by_label("Plan name to confirm").fill("prod")
    expect(start).to_be_disabled()
    dialog.get_by_label("Plan name to confirm").fill("Prod")
    expect(start).to_be_enabled()
    shot(page, "start-recovery")
    dialog.get_by_role("button", name="Cancel").click()
    assert admin.get("/executions").json()["items"] == []


def test_the_plan_page_shows_the_site_state_and_offers_its_next_step(
    page: Page,
    base_url: str,
    admin: httpx.Client,
    *,
    drive: ThreadedDrive,
    services: Services,
    emulator: Emulator,
) -> None:
    """After a recovery the plan page says it is recovered and offers a reprotect, not a
    failback; once every server replicates back, a failback and its drill, not a recovery."""
    plan_id, _ = shop_plan(admin)
    started = admin.post(
        f"/recovery-plans/{plan_id}/executions",
        json={"mode": "RECOVERY", "confirmPlanName": "Shop"},
    )
    execution_id = started.json()["id"]
    drive.until(execution_id, lambda s: s.wave("Application").status == "AWAITING_APPROVAL")
    admin.post(f"/executions/{execution_id}/approve", json={"wave": "Application"})
    drive.until(execution_id, lambda s: not s.status.active)

    sign_in(page, base_url, f"/recovery-plans/{plan_id}")
    expect(page.get_by_text("Recovered, not protected")).to_be_visible()
    expect(page.get_by_role("button", name="Start failback")).to_have_count(0)
    expect(page.get_by_role("button", name="Start recovery")).to_be_visible()
    expect(page.get_by_text("Reprotect: replicate it back").first).to_be_visible()
    page.get_by_role("button", name="Reprotect", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("replicates back to its origin")).to_be_visible()
    dialog.get_by_role("button", name="Reprotect").click()
    expect(page.get_by_text("Reprotecting", exact=True)).to_be_visible()
    off_loop(services.site.settle)
    assert emulator.counts["ReverseReplication"] > 0
    emulator.advance(2 * 3600)
    page.reload()

    expect(page.get_by_text("Reprotected, ready to fail back")).to_be_visible()
    expect(page.get_by_role("button", name="Start failback", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Start failback drill")).to_be_visible()
    expect(page.get_by_role("button", name="Start recovery")).to_have_count(0)
    expect(page.get_by_text("Not yet ready to fail back")).to_have_count(0)
    shot(page, "plan-site-state")
    page.get_by_role("button", name="Start failback", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("back at its origin")).to_be_visible()
    expect(dialog.get_by_role("button", name="Start failback")).to_be_disabled()


def _home_and_protected(
    admin: httpx.Client, drive: ThreadedDrive, services: Services, emulator: Emulator
) -> dict[str, Any]:
    """A one-wave plan of the shop's databases taken round the trip through the API:
    recovered, reprotected, failed back and protected again in the original direction."""
    group = admin.post(
        "/protection-groups",
        json={"name": "Shop db", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}},
    ).json()
    plan = admin.post(
        "/recovery-plans",
        json={"name": "Shop", "waves": [{"name": "DB", "protectionGroupIds": [group["id"]]}]},
    ).json()
    for mode in ("RECOVERY", "FAILBACK"):
        started = admin.post(
            f"/recovery-plans/{plan['id']}/executions",
            json={"mode": mode, "confirmPlanName": "Shop"},
        )
        assert started.status_code == 202, started.text
        assert (
            drive.until(started.json()["id"], lambda s: not s.status.active).status == "COMPLETED"
        )
        reprotect = admin.post(f"/recovery-plans/{plan['id']}/reprotect", json={})
        assert reprotect.status_code == 202, reprotect.text
        off_loop(services.site.settle)
        emulator.advance(2 * 3600)
    site = admin.get(f"/recovery-plans/{plan['id']}/site-state").json()
    assert site["state"] == "PROTECTED"
    return dict(plan)


def test_once_home_and_protected_the_console_releases_the_recovery_instances(
    page: Page,
    base_url: str,
    admin: httpx.Client,
    *,
    drive: ThreadedDrive,
    services: Services,
    emulator: Emulator,
) -> None:
    plan = _home_and_protected(admin, drive, services, emulator)
    servers = admin.get(f"/recovery-plans/{plan['id']}/site-state").json()["servers"]
    assert all(s["recoveryInstanceId"] for s in servers)

    sign_in(page, base_url, f"/recovery-plans/{plan['id']}")
    expect(page.get_by_text("Protected", exact=True)).to_be_visible()
    page.get_by_role("button", name="Release recovery instances").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(f"{len(servers)} servers have a recovery instance")).to_be_visible()
    assert emulator.counts["DisconnectRecoveryInstance"] == 0  # nothing before the confirmation
    dialog.get_by_role("button", name="Release", exact=True).click()

    expect(
        page.get_by_text(f"{len(servers)} recovery instances released, 0 skipped")
    ).to_be_visible()
    expect(page.get_by_text("Out of DRS: EC2 keeps the instances")).to_be_visible()
    assert emulator.counts["DisconnectRecoveryInstance"] == len(servers)
    expect(page.get_by_role("button", name="Release recovery instances")).to_have_count(0)
    shot(page, "plan-released")


def test_a_drill_from_a_point_in_time_from_the_console(
    page: Page,
    base_url: str,
    admin: httpx.Client,
    *,
    drive: ThreadedDrive,
    emulator: Emulator,
    errors: ConsoleErrors,
) -> None:
    """A time to come is refused on its field and starts nothing; one an hour back launches
    each server from its snapshot at or before it, and the execution page says so."""
    plan_id, _ = shop_plan(admin)
    sign_in(page, base_url, f"/recovery-plans/{plan_id}")
    page.get_by_role("button", name="Start drill").click()
    dialog = page.get_by_role("dialog")
    moment = datetime.fromtimestamp(emulator.clock.now(), UTC)
    field = dialog.get_by_label("Point in time")
    field.fill(f"{moment + timedelta(hours=1):%Y-%m-%dT%H:%MZ}")
    dialog.get_by_role("button", name="Start drill").click()
    expect(dialog.get_by_text("is later than now").first).to_be_visible()
    assert admin.get("/executions").json()["items"] == []
    errors.expect("status of 400")

    field.fill(f"{moment - timedelta(hours=1):%Y-%m-%dT%H:%MZ}")
    dialog.get_by_role("button", name="Start drill").click()

    expect(page).to_have_url(re.compile(r"/executions/[0-9a-f-]+$"))
    execution_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_test_id("launched-from")).to_contain_text("Snapshots at or before")
    state = drive.until(execution_id, lambda s: s.wave("Application").status != "PENDING")
    db = [s for s in state.servers.values() if s.wave == "Database"]
    assert db
    assert all(s.snapshot_taken_at and s.snapshot_taken_at <= moment for s in db)
    page.get_by_role("tab", name=re.compile(r"^Servers")).click()
    for server in db:
        expect(page.get_by_text(str(server.recovery_snapshot_id))).to_be_visible()
    shot(page, "execution-point-in-time")
