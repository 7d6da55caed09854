"""The console's one layout rule, measured in the browser at 1440 px and 390 px: no table cell
or header clips its content, no table hides columns off to the side on a desktop screen, no
word or ID is broken across lines, columns can be chosen and the first one stays in view,
and the wave graph keeps its natural size (it scrolls on a phone, it does not shrink)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.integration.web.conftest import ThreadedDrive, shot
from tests.integration.web.scene import WIDTHS, View, completed, open_view, views
from tests.integration.web.test_console import sign_in

# Every visible table cell and header cell: is anything in it cut off (an element that hides
# its overflow and holds more than it shows, or content wider than the cell itself)? Is any
# word, or any code (IDs), laid out on more than one line? Does a table hide columns in a
# scrolled-away part? Does the page itself scroll sideways?
MEASURE = (Path(__file__).parent / "measure_layout.js").read_text()


def measure(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(MEASURE)
    return result


TABLE_VIEWS = {
    "dashboard",
    "servers",
    "groups",
    "group-create",
    "group-edit",
    "plans",
    "plan-waves",
    "plan-lint",
    "plan-versions",
    "plan-executions",
    "executions-history",
    "execution-waves",
    "execution-servers",
    "execution-events",
    "report",
    "audit",
    "users",
    "tokens",
}


@pytest.mark.parametrize("width", WIDTHS)
def test_no_table_clips_or_breaks_words(
    page: Page, base_url: str, admin: httpx.Client, drive: ThreadedDrive, width: int
) -> None:
    """After a real drill, every page with a table: nothing clipped, no word or ID broken;
    at 1440 px no table hides a column off to the side, at 390 px tables scroll inside
    themselves and the page does not."""
    drill = completed(admin, drive)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base_url)
    problems: dict[str, dict[str, Any]] = {}
    measured = 0
    for view in views(drill):
        if view.name not in TABLE_VIEWS:
            continue
        open_view(page, base_url, view)
        found = measure(page)
        measured += found["cells"]
        shot(page, f"layout-{view.name}-{width}")
        bad = {k: found[k] for k in ("clipped", "broken") if found[k]}
        if width >= 1440 and found["scrolled"]:
            bad["scrolled"] = found["scrolled"]
        if found["pageScroll"] > 0:
            bad["pageScroll"] = (found["pageScroll"], found["sticking"])
        if bad:
            problems[view.name] = bad
    assert measured > 300, "the measure saw too few cells to mean anything"
    assert problems == {}, f"at {width} px: {problems}"


def test_the_measure_sees_clipping_and_broken_ids(page: Page) -> None:
    """The measure itself: a cell that hides its overflow, a header squeezed mid-word and an
    ID wrapped after its dash are each reported."""
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("about:blank")
    page.set_content(
        """<main><table style="width:100px;table-layout:fixed;border-collapse:collapse">
        <thead><tr><th style="width:40px;word-break:break-all">Hostname</th>
        <th style="width:60px">ID</th></tr></thead>
        <tbody><tr><td><div style="width:40px;overflow:hidden;white-space:nowrap">a long text</div>
        </td><td><code style="word-break:break-all">s-1234567890abcdef0</code></td></tr></tbody>
        </table><div style="width:200px;overflow-x:auto"><table style="width:600px"><thead><tr>
        <th>Wide</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table></div></main>"""
    )
    found = measure(page)
    assert any(c.startswith("[Hostname] a long text") for c in found["clipped"]), found
    assert any('"Hostname"' in b for b in found["broken"]), found
    assert 'code "s-1234567890abcdef0"' in found["broken"], found
    assert any(s.startswith("table [Wide") for s in found["scrolled"]), found


GRAPH = """(svg) => {
  const box = svg.parentElement.getBoundingClientRect();
  const label = svg.querySelector("text");
  return {
    natural: Number(svg.getAttribute("width")),
    drawn: svg.getBoundingClientRect().width,
    font: label.getBoundingClientRect().height,
    scroller: svg.closest("[data-graph-scroll]") ? {
      scrollWidth: svg.closest("[data-graph-scroll]").scrollWidth,
      clientWidth: svg.closest("[data-graph-scroll]").clientWidth,
      overflowX: getComputedStyle(svg.closest("[data-graph-scroll]")).overflowX,
    } : null,
    boxWidth: box.width,
    pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_wave_graph_keeps_its_size_and_scrolls(
    page: Page, base_url: str, admin: httpx.Client, drive: ThreadedDrive, width: int
) -> None:
    """The plan's and the execution's graphs are drawn at their natural size: at 390 px the
    graph scrolls sideways inside its box (the page does not), its labels stay readable."""
    drill = completed(admin, drive)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base_url)
    by_name = {v.name: v for v in views(drill)}
    for name in ("plan-waves", "execution-waves"):
        view: View = by_name[name]
        open_view(page, base_url, view)
        graph = page.get_by_role("img", name=re.compile("Wave dependency graph"))
        expect(graph).to_be_visible()
        found = page.evaluate(GRAPH, graph.element_handle())
        assert found["drawn"] == pytest.approx(found["natural"], abs=1), found
        assert found["font"] >= 12, f"{name}: labels are {found['font']} px high"
        assert found["scroller"] is not None, found
        assert found["scroller"]["overflowX"] == "auto", found
        assert found["pageScroll"] <= 0, found
        graph.scroll_into_view_if_needed()
        if width < found["natural"]:
            assert found["scroller"]["scrollWidth"] > found["scroller"]["clientWidth"], found
            # Scrolled to its end, the last wave's box is in the graph's view.
            shown = graph.evaluate(
                """(svg) => {
                  const box = svg.closest("[data-graph-scroll]");
                  box.scrollLeft = box.scrollWidth;
                  const view = box.getBoundingClientRect();
                  const web = svg.querySelector('[data-wave="Web"] rect').getBoundingClientRect();
                  return web.left >= view.left - 1 && web.right <= view.right + 1;
                }"""
            )
            assert shown, f"{name}: the last wave cannot be scrolled into view"
        shot(page, f"layout-graph-{name}-{width}")


def test_columns_are_chosen_and_the_first_stays_in_view(
    page: Page, base_url: str, admin: httpx.Client, drive: ThreadedDrive
) -> None:
    """Every table offers its columns in its preferences; a hidden column stays hidden on
    the next visit; on a phone the first column stays put while the table scrolls."""
    drill = completed(admin, drive)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, base_url, f"/executions/{drill.execution_id}")
    page.get_by_role("tab", name=re.compile("^Servers")).click()
    table = page.get_by_role("table").first
    expect(table.get_by_role("columnheader", name=re.compile("^DRS job"))).to_be_visible()
    page.get_by_role("button", name="Preferences").first.click()
    dialog = page.get_by_role("dialog", name="Preferences")
    dialog.get_by_label("DRS job", exact=True).uncheck()
    dialog.get_by_role("button", name="Confirm").click()
    expect(table.get_by_role("columnheader", name=re.compile("^DRS job"))).to_have_count(0)
    shot(page, "layout-preferences-hidden-column")
    page.reload()
    page.get_by_role("tab", name=re.compile("^Servers")).click()
    expect(page.get_by_text("shop-db-01").first).to_be_visible()
    expect(table.get_by_role("columnheader", name=re.compile("^DRS job"))).to_have_count(0)
    expect(table.get_by_role("columnheader", name=re.compile("^Instance ID"))).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 900})
    first = table.locator("tbody tr").first.locator("td, th").first
    expect(first).to_contain_text("shop-")
    first.scroll_into_view_if_needed()
    before = first.bounding_box()
    scroller = table.evaluate_handle(
        "(t) => { let b = t.parentElement; while (getComputedStyle(b).overflowX === 'visible')"
        " b = b.parentElement; return b; }"
    )
    assert scroller.evaluate("(b) => b.scrollWidth > b.clientWidth"), "nothing to scroll at 390"
    second = table.locator("tbody tr").first.locator("td").nth(1)
    second_before = second.bounding_box()
    scroller.evaluate("(b) => { b.scrollLeft = b.scrollWidth; }")
    expect(table.locator("tbody tr").first.locator("td").last).to_be_in_viewport()
    after = first.bounding_box()
    assert before is not None
    assert after is not None
    second_after = second.bounding_box()
    assert second_before is not None
    assert second_after is not None
    assert second_after["x"] < second_before["x"] - 100, "the table did not scroll"
    left = scroller.evaluate("(b) => b.getBoundingClientRect().left")
    # Stuck to the scrolled box's left edge (its padding scrolls away), not scrolled off it.
    assert left - 1 <= after["x"] <= before["x"] + 1, (left, before, after)
    shot(page, "layout-sticky-first-column-390")
