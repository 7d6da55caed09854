"""From an engine transition to the browser showing it: the demo's Shop drill at 60x,
followed in Debian's Chromium on the execution page.

For every transition the engine stores, the wall time its transaction committed is taken
from the engine (`Engine.apply` returns after the commit); the page records, with a
MutationObserver, when the event log showed it and when a wave's status cell showed the
wave's new status (that one also needs the page to re-read the execution). Both clocks are
this machine's. Prints the latencies side by side, in milliseconds.

Run: `make bench-console` (needs the console built and chromium; `make browser` makes both).
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

from drs_orchestrator.api.app import create_app
from drs_orchestrator.api.console import STATIC
from drs_orchestrator.api.services import Services
from drs_orchestrator.cli.server_run import load_demo_plan
from drs_orchestrator.config import Settings
from drs_orchestrator.emulator import Emulator, EmulatorThread, ScaledClock, load_scenario
from drs_orchestrator.emulator.server import ServerThread
from drs_orchestrator.engine.clock import Clock
from drs_orchestrator.engine.core.step import Step

SPEED = 60.0
PASSWORD = "bench-password-1"
LABELS = {  # what the wave status cell shows for a status (web/src/lib/status.ts)
    "WAITING": "Waiting",
    "AWAITING_APPROVAL": "Awaiting approval",
    "LAUNCHING": "Launching",
    "VERIFYING": "Verifying",
    "COMPLETED": "Completed",
}

OBSERVER = """
window.__seen = {}; window.__waves = [];
const stamp = () => {
  const last = Number(document.querySelector('[data-testid=last-seq]')?.textContent ?? -1);
  for (let s = 0; s <= last; s++) if (!(s in window.__seen)) window.__seen[s] = Date.now();
  for (const cell of document.querySelectorAll('[data-wave-status]')) {
    const key = cell.dataset.waveStatus + '|' + cell.textContent;
    if (!window.__waves.some(([k]) => k === key)) window.__waves.push([key, Date.now()]);
  }
};
new MutationObserver(stamp).observe(
  document.body, {subtree: true, childList: true, characterData: true});
stamp();
"""


def percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    q = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
    p50 = statistics.median(values)
    return f"p50 {p50:6.1f}  p95 {q[18]:6.1f}  max {max(values):6.1f}  (n={len(values)})"


def main() -> None:
    if not (STATIC / "index.html").is_file():
        raise SystemExit("The console is not built: run `make web` first")
    chromium = os.environ.get("DRSO_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("Debian's chromium is needed: run `make chromium` first")
    emulator = Emulator(load_scenario("demo"), clock=ScaledClock(SPEED))
    os.environ |= {
        "AWS_ENDPOINT_URL_DRS": EmulatorThread(emulator).start(),
        "AWS_ACCESS_KEY_ID": "111111111111",
        "AWS_SECRET_ACCESS_KEY": "emulator",
    }
    tmp = Path(tempfile.mkdtemp())
    services = Services.build(
        Settings.model_validate(
            {
                "database_url": f"sqlite:///{tmp / 'bench.db'}",
                "admin_password": PASSWORD,
                "regions": ["us-east-1", "us-west-2"],
                "data_dir": str(tmp),
            }
        )
    )
    services.users.bootstrap_admin()
    plan_id = load_demo_plan(services)
    engine = services.start_engine(
        Clock(lambda: datetime.fromtimestamp(emulator.clock.now(), UTC), speed=SPEED)
    )
    committed: dict[int, tuple[float, str, str, str | None]] = {}
    apply = engine.apply

    def timed_apply(*args: Any, **kwargs: Any) -> Step:
        step = apply(*args, **kwargs)
        now = time.time() * 1000
        for e in step.events:
            committed[e.seq] = (now, e.kind, e.subject, e.new)
        return step

    engine.apply = timed_apply  # type: ignore[method-assign]
    try:
        with ServerThread(create_app(services)) as url:
            measure(url, plan_id, chromium, committed)
    finally:
        services.stop_engine()


def measure(
    url: str, plan_id: str, chromium: str, committed: dict[int, tuple[float, str, str, str | None]]
) -> None:
    api = httpx.Client(base_url=url + "/api/v1")
    token = api.post("/auth/token", data={"username": "admin", "password": PASSWORD}).json()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url + "/")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="User menu for admin").wait_for()
        execution_id = api.post(
            f"/recovery-plans/{plan_id}/executions", json={"mode": "DRILL"}
        ).json()["id"]
        page.goto(f"{url}/executions/{execution_id}")
        page.get_by_test_id("live-state").wait_for()
        page.evaluate(OBSERVER)
        started = time.time()
        observed_from = started * 1000  # what was committed before is not a live update
        while time.time() - started < 300:
            state = api.get(f"/executions/{execution_id}").json()
            for approval in state["pendingApprovals"]:
                api.post(f"/executions/{execution_id}/approve", json={"wave": approval["wave"]})
            if not state["active"]:
                break
            page.wait_for_timeout(200)
        page.get_by_test_id("live-state").get_by_text("Ended").wait_for()
        seen: dict[str, float] = page.evaluate("window.__seen")
        waves: list[list[Any]] = page.evaluate("window.__waves")
        browser.close()
    live = {s: c for s, c in committed.items() if c[0] >= observed_from}
    log = [seen[str(s)] - t for s, (t, *_rest) in live.items() if str(s) in seen]
    shown = {str(k): float(t) for k, t in waves}
    cells = []
    for t, kind, subject, new in live.values():
        label = LABELS.get(new or "")
        if kind == "wave" and label and f"{subject}|{label}" in shown:
            cells.append(shown[f"{subject}|{label}"] - t)
    print(f"Shop drill at {SPEED:g}x: {len(live)} transitions while the page was open")
    print(f"  transition committed -> event log shows it (ms):   {percentiles(log)}")
    print(f"  wave transition -> wave status cell shows it (ms): {percentiles(cells)}")


if __name__ == "__main__":
    main()
