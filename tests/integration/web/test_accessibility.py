"""axe-core, injected into the console in the browser, over every page and tab (signed out
and signed in, at 1440 px and 390 px, during a drill's approval gate and after it): no
serious or critical violation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.integration.web.conftest import ARTIFACTS, ThreadedDrive, shot
from tests.integration.web.scene import WIDTHS, awaiting_approval, open_view, views
from tests.integration.web.test_console import sign_in

AXE = Path(__file__).parents[3] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical violations, each with the elements it names."""
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: `make web` installs the console's packages")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Injected through the DevTools protocol: the console's CSP (script-src 'self') refuses
        # an inline <script> tag, as it should, and the test keeps that CSP on.
        page.evaluate(AXE.read_text() + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          // A dialog fading in is measured half transparent (lower contrast than the user sees
          // once it is open): wait for every finite CSS animation and transition to end (a
          // spinner's never does).
          const ending = document.getAnimations().filter(
            (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
          await Promise.all(ending.map((a) => a.finished.catch(() => null)));
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => `${n.target.join(" ")} :: ${n.failureSummary}`),
          }));
        }"""
    )
    return found


def serious(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in found if v["impact"] in SERIOUS]


def record(name: str, width: int, found: list[dict[str, Any]]) -> None:
    """Every violation (minor ones too), for the record."""
    path = ARTIFACTS / "axe" / f"{name}-{width}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(found, indent=1))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_sign_in_page_has_no_serious_violation(page: Page, base_url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base_url + "/signin")
    expect(page.get_by_label("User name")).to_be_visible()
    found = axe(page)
    record("signin", width, found)
    shot(page, f"axe-signin-{width}")
    assert serious(found) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_has_no_serious_violation(
    page: Page, base_url: str, admin: httpx.Client, drive: ThreadedDrive, width: int
) -> None:
    """During the drill's approval gate (the execution's alert and its Approve button), then
    every page and tab once the drill completed."""
    drill = awaiting_approval(admin, drive)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base_url, f"/executions/{drill.execution_id}")
    expect(page.get_by_text("Wave Application is waiting for approval")).to_be_visible()
    checked = {"execution-approval": serious(axe(page))}
    page.get_by_role("button", name="Approve wave Application").click()
    expect(page.get_by_text("Wave Application is waiting for approval")).to_be_hidden()
    drive.until(drill.execution_id, lambda s: not s.status.active)
    expect(page.get_by_test_id("live-state")).to_have_text("Ended")

    names = []
    for view in views(drill):
        open_view(page, base_url, view)
        found = axe(page)
        record(view.name, width, found)
        checked[view.name] = serious(found)
        names.append(view.name)
    page.goto(f"{base_url}/no/such/page")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    checked["not-found"] = serious(axe(page))
    # The dialogs: starting a drill, column preferences.
    open_view(page, base_url, views(drill)[6])
    page.get_by_role("button", name="Start drill").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    checked["start-drill-dialog"] = serious(axe(page))
    shot(page, f"axe-start-drill-{width}")
    page.keyboard.press("Escape")
    page.goto(f"{base_url}/servers")
    expect(page.get_by_text("shop-db-01").first).to_be_visible()
    page.get_by_role("button", name="Preferences").first.click()
    expect(page.get_by_role("dialog", name="Preferences")).to_be_visible()
    checked["preferences-dialog"] = serious(axe(page))

    assert len(names) == len(views(drill))
    assert {k: v for k, v in checked.items() if v} == {}
