"""The execution page offers exactly the commands the API lists for the user, whatever the
execution's state: running (launching, then at a gate), paused then cancelled, completed,
failed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from drs_orchestrator.domain.executions import ExecutionStatus, WaveStatus
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.scenario import parse_faults
from tests.integration.web.conftest import ThreadedDrive
from tests.integration.web.scene import shop_plan, start_drill
from tests.integration.web.test_console import sign_in

pytestmark = pytest.mark.integration
HEADER = {"Pause": "pause", "Resume": "resume", "Cancel": "cancel",
          "Clean up instances": "cleanup"}  # fmt: skip
WAVE_ITEMS = {"Retry the wave": "retry-wave", "Skip (dependants run)": "skip-wave"}


def listed(admin: httpx.Client, execution_id: str) -> set[str]:
    """What the API lists: the execution's commands and `command:wave` for its waves'."""
    e: dict[str, Any] = admin.get(f"/executions/{execution_id}").json()
    return set(e["allowedCommands"]) | {
        f"{c}:{w['name']}" for w in e["waves"] for c in w["allowedCommands"] if c != "approve"
    } | {f"approve:{a['wave']}" for a in e["pendingApprovals"] if "approve" in next(
        w["allowedCommands"] for w in e["waves"] if w["name"] == a["wave"])}  # fmt: skip


def offered(page: Page, base_url: str, execution_id: str, status: str) -> set[str]:
    """What the execution page offers, read from its buttons and wave menus."""
    page.goto(f"{base_url}/executions/{execution_id}")
    expect(page.get_by_test_id("execution-status")).to_contain_text(status)
    shown = {c for name, c in HEADER.items() if page.get_by_role("button", name=name, exact=True)
             .count()}  # fmt: skip
    for wave in ("Database", "Application", "Web"):
        approve = page.get_by_role("button", name=f"Approve wave {wave}")
        if approve.count() and approve.is_enabled():
            shown.add(f"approve:{wave}")
        menu = page.get_by_role("button", name=f"Actions for wave {wave}")
        if menu.count():
            menu.click()
            for item, command in WAVE_ITEMS.items():
                if page.get_by_role("menuitem", name=item).count():
                    shown.add(f"{command}:{wave}")
            page.keyboard.press("Escape")
    return shown


def test_the_page_offers_what_the_api_lists_in_every_state(
    page: Page, base_url: str, admin: httpx.Client, drive: ThreadedDrive, emulator: Emulator
) -> None:
    plan_id, _ = shop_plan(admin)
    sign_in(page, base_url)

    running = start_drill(admin, plan_id)
    drive.until(running, lambda s: s.wave("Database").status == WaveStatus.LAUNCHING)
    launching = listed(admin, running)
    assert {"pause", "cancel"} <= launching
    assert "skip-wave:Database" not in launching
    assert offered(page, base_url, running, "Running") == launching

    drive.until(running, lambda s: s.wave("Application").status == WaveStatus.AWAITING_APPROVAL)
    expected = {"pause", "cancel", "approve:Application", "skip-wave:Application",
                "skip-wave:Web"}  # fmt: skip
    assert listed(admin, running) == expected
    assert offered(page, base_url, running, "Running") == expected

    admin.post(f"/executions/{running}/pause")
    admin.post(f"/executions/{running}/cancel", json={"terminate": False})
    drive.until(running, lambda s: not s.status.active)
    assert listed(admin, running) == {"cleanup"}
    assert offered(page, base_url, running, "Cancelled") == {"cleanup"}
    # The waves it did not reach are cancelled, and it does not read as done.
    expect(page.get_by_text("1 of 3 waves completed; 2 cancelled")).to_be_visible()
    expect(page.get_by_text("Pausing")).to_have_count(0)
    expect(page.get_by_role("heading", name="Paused")).to_have_count(0)

    completed = start_drill(admin, plan_id)
    drive.until(completed, lambda s: s.wave("Application").status == WaveStatus.AWAITING_APPROVAL)
    admin.post(f"/executions/{completed}/approve", json={"wave": "Application"})
    assert drive.until(completed, lambda s: not s.status.active).status == ExecutionStatus.COMPLETED
    assert listed(admin, completed) == {"cleanup"}
    assert offered(page, base_url, completed, "Completed") == {"cleanup"}

    fault = {"kind": "failServer", "hostname": "shop-db-02", "phase": "CONVERSION",
             "rawError": "disk conversion failed", "count": 1}  # fmt: skip
    emulator.set_faults(parse_faults({"faults": [fault]}))
    failed = start_drill(admin, plan_id)
    assert drive.until(failed, lambda s: not s.status.active).status == ExecutionStatus.FAILED
    expected = {"cleanup", "retry-wave:Database", "skip-wave:Database",
                "skip-wave:Application", "skip-wave:Web"}  # fmt: skip
    assert listed(admin, failed) == expected
    assert offered(page, base_url, failed, "Failed") == expected
