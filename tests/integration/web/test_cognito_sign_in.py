"""Signing in to the console through Cognito's hosted UI: the console sends the browser to
the pool's authorize page, which sends it back with an ID token in the fragment; the API
checks that token against the pool's keys. The hosted UI here is a stand-in on loopback that
signs with the pool's key, as the real one would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator.server import ServerThread
from tests.integration.api.test_cognito import CLIENT, POOL, Pool
from tests.integration.conftest import build_services
from tests.integration.web.conftest import shot


class HostedUi:
    def __init__(self) -> None:
        self.pool = Pool()
        self.asked: list[dict[str, str]] = []

    def jwks(self, _: Request) -> Response:
        return JSONResponse(self.pool.jwks())

    def authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.asked.append(query)
        if query.get("client_id") != CLIENT or query.get("response_type") != "token":
            return Response("bad request", status_code=400)
        token = self.pool.token(
            token_use="id",
            client_id=None,
            aud=CLIENT,
            username=None,
            **{"cognito:username": "dave", "cognito:groups": ["dr-operators"]},
        )
        fragment = urlencode({"id_token": token, "token_type": "Bearer", "expires_in": 3600})
        return RedirectResponse(f"{query['redirect_uri']}#{fragment}", status_code=302)


@pytest.fixture(scope="module")
def hosted() -> Iterator[tuple[HostedUi, str]]:
    ui = HostedUi()
    app = Starlette(
        routes=[
            Route(f"/{POOL}/.well-known/jwks.json", ui.jwks),
            Route("/oauth2/authorize", ui.authorize),
        ]
    )
    with ServerThread(app) as url:
        yield ui, url


@pytest.fixture
def services(
    _api: tuple[object, str], hosted: tuple[HostedUi, str], tmp_path: Path
) -> Iterator[Services]:
    """The served app, configured for the pool and its hosted UI (no engine needed)."""
    url = hosted[1]
    svc = build_services(
        f"sqlite:///{tmp_path / 'drso.db'}",
        cognito_user_pool_id=POOL,
        cognito_client_id=CLIENT,
        cognito_jwks_url=f"{url}/{POOL}/.well-known/jwks.json",
        cognito_domain=url,
        cognito_group_roles={"dr-operators": "operator"},
    )
    _api[0].state.services = svc  # type: ignore[attr-defined]
    yield svc
    svc.ctx.engine.dispose()


def test_sign_in_through_the_hosted_ui(
    page: Page, base_url: str, hosted: tuple[HostedUi, str]
) -> None:
    page.goto(base_url + "/recovery-plans")
    expect(page.get_by_text("This deployment signs in through Amazon Cognito.")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    shot(page, "sign-in-cognito")
    page.get_by_role("button", name="Sign in with Cognito").click()

    expect(page.get_by_role("button", name="User menu for dave")).to_be_visible()
    expect(page).to_have_url(base_url + "/recovery-plans")  # back where the user was going
    (asked,) = hosted[0].asked
    assert asked["redirect_uri"] == base_url + "/signin"
    assert asked["scope"] == "openid email profile"
    page.get_by_role("button", name="User menu for dave").click()
    roles = page.get_by_text("Roles: operator · signed in with Cognito").filter(visible=True)
    expect(roles).to_be_visible()
    expect(page.get_by_role("button", name="Create recovery plan")).to_be_visible()
