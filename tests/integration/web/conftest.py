"""The console in Debian's Chromium, driven by Playwright (its own browser download cannot
work here), against the API server that serves the built console.

Every page's console errors and uncaught exceptions are collected; a test fails on any it
did not expect. Screenshots go to test-artifacts/console/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from drs_orchestrator.api.console import STATIC
from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.engine.core.state import ExecutionState
from tests.integration.conftest import build_services
from tests.integration.drive import Drive, manual_clock
from tests.integration.probe import Settling

T = TypeVar("T")

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "console"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("DRSO_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("Debian's chromium is not installed: `make chromium` installs it")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (STATIC / "index.html").is_file():
        pytest.fail("The console is not built: `make web` builds it")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        # Playwright gives every context a fresh, empty profile of its own.
        launched = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def off_loop(call: Callable[..., T], *args: Any) -> T:
    """Playwright's sync API keeps an event loop running on the test's thread, and DBOS's
    sync calls refuse to run beside one: engine calls go through a thread of their own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call, *args).result()


class ThreadedDrive:
    """The Drive helper, run off Playwright's loop."""

    def __init__(self, drive: Drive) -> None:
        self.inner = drive
        self.engine = drive.engine

    def until(self, execution_id: str, done: Callable[[ExecutionState], bool]) -> ExecutionState:
        return off_loop(self.inner.until, execution_id, done)

    def state(self, execution_id: str) -> ExecutionState:
        return off_loop(self.engine.state, execution_id)


@pytest.fixture
def services(_api: tuple[object, str], emulator: Emulator, tmp_path: Path) -> Iterator[Services]:
    """The served app's services with the engine on the emulator's manual clock."""
    svc = build_services(f"sqlite:///{tmp_path / 'drso.db'}")
    svc.users.bootstrap_admin()
    off_loop(lambda: svc.start_engine(manual_clock(emulator), poll=False, probe=Settling()))
    _api[0].state.services = svc  # type: ignore[attr-defined]
    yield svc
    off_loop(svc.stop_engine)
    svc.ctx.engine.dispose()


@pytest.fixture
def drive(services: Services, emulator: Emulator) -> ThreadedDrive:
    assert services.engine is not None
    return ThreadedDrive(Drive(emulator, services.engine))


@pytest.fixture
def base_url(_api: tuple[object, str], services: Services) -> str:
    return _api[1]


class ConsoleErrors(list[str]):
    """What the page reported as broken; `expect` takes the ones a test provoked on purpose."""

    def expect(self, fragment: str) -> None:
        matching = [e for e in self if fragment in e]
        assert matching, f"expected a console error with {fragment!r}, got {list(self)}"
        for e in matching:
            self.remove(e)


@pytest.fixture
def errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id="Europe/Paris")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, errors: ConsoleErrors) -> Iterator[Page]:
    tab = context.new_page()
    tab.set_default_timeout(15_000)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} at {message.location.get('url', '')}")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    yield tab
    assert list(errors) == [], f"the console reported errors: {list(errors)}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
