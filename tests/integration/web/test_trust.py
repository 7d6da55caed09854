"""What a security review looks for in the browser: the API docs work offline under the
strict Content-Security-Policy, the sign-in is a cookie page scripts cannot read, and a
generated one-time password is replaced at first sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from drs_orchestrator.api.services import Services
from tests.integration.conftest import build_services
from tests.integration.web.conftest import ConsoleErrors, off_loop, shot
from tests.store_backends import drop, fresh_database_url

pytestmark = pytest.mark.integration


def test_the_api_docs_load_nothing_from_elsewhere_and_run_under_the_policy(
    page: Page, base_url: str
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{base_url}/api/v1/docs")

    expect(page.get_by_text("/api/v1/protection-groups", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
    shot(page, "api-docs")
    assert requested
    assert [u for u in requested if not u.startswith(base_url) and not u.startswith("data:")] == []
    # (a script or style refused by the policy would be a console error, failing the test)


@pytest.fixture
def first_start(_api: tuple[object, str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The served app as on a first start without DRSO_ADMIN_PASSWORD: (URL, password)."""
    url = fresh_database_url("sqlite", tmp_path)
    services: Services = off_loop(lambda: build_services(url, admin_password=None))
    password = off_loop(services.users.bootstrap_admin)
    assert password is not None
    _api[0].state.services = services  # type: ignore[attr-defined]
    yield _api[1], password
    services.ctx.engine.dispose()
    drop(url)


def test_a_one_time_password_is_replaced_at_first_sign_in(
    page: Page, first_start: tuple[str, str], errors: ConsoleErrors
) -> None:
    base_url, password = first_start
    page.goto(base_url + "/")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    shot(page, "one-time-password")
    page.get_by_label("New password", exact=True).fill("my-own-password")
    page.get_by_label("New password again").fill("my-own-password")
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("button", name="User menu for admin")).to_be_visible()
    # the sign-in lives in an HttpOnly cookie: nothing for a page script to read or keep
    assert page.evaluate("Object.keys(localStorage)") == []
    cookies = str(page.evaluate("document.cookie"))
    assert "drso_csrf=" in cookies
    assert "drso_session" not in cookies
    page.get_by_role("button", name="User menu for admin").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin"))
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(password)  # the one-time password is gone
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong user name or password.", exact=True)).to_be_visible()
    errors.expect("401 (Unauthorized)")  # the refused sign-in, provoked
