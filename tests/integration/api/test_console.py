"""What the web console needs of the server: the built app at / (its own routes survive a
reload, the API's unknown paths stay problems), the engine's clock, how to sign in, who
the user is and may act as, and readiness at a glance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from drs_orchestrator.api.app import create_app
from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.server import ServerThread
from tests.helpers import inject

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def console_url(tmp_path: Path, services: Services) -> Iterator[str]:
    """A server whose console is a small built app of our own making."""
    root = tmp_path / "static"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>console</title>")
    (root / "assets" / "app-1234.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for you")
    with ServerThread(create_app(services, console_dir=root)) as url:
        yield url


def test_the_console_is_served_and_its_routes_survive_a_reload(console_url: str) -> None:
    for path in ("/", "/executions/abc", "/recovery-plans/x/edit"):
        answer = httpx.get(console_url + path)
        assert answer.status_code == 200, path
        assert "<title>console</title>" in answer.text
        assert answer.headers["cache-control"] == "no-cache"
    asset = httpx.get(console_url + "/assets/app-1234.js")
    assert asset.text == "console.log(1)"
    assert "not for you" not in httpx.get(console_url + "/..%2Fsecret.txt").text


def test_unknown_api_paths_stay_problems(console_url: str) -> None:
    for method in ("GET", "POST"):
        answer = httpx.request(method, console_url + "/api/v1/nothing-here")
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
    assert httpx.post(console_url + "/api/v1/health").status_code == 405


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path, services: Services) -> None:
    with ServerThread(create_app(services, console_dir=tmp_path / "none")) as url:
        answer = httpx.get(url + "/")
    assert answer.status_code == 503
    assert "make web" in answer.text


def test_the_clock_and_the_sign_in_options_need_no_sign_in(anonymous: httpx.Client) -> None:
    clock = anonymous.get("/clock").json()
    assert set(clock) == {"now", "speed"}
    assert clock["speed"] == 1.0  # no engine in this server: the wall clock
    assert anonymous.get("/auth/options").json() == {"local": True, "cognito": None}


def test_cognito_sign_in_goes_through_the_hosted_ui(
    _api: tuple[object, str],  # noqa: PT019 (the served app, whose services this swaps)
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        cognito_user_pool_id="us-east-1_abc",
        cognito_region="us-east-1",
        cognito_client_id="client123",
        cognito_domain="https://shop.auth.us-east-1.amazoncognito.com",
    )
    _api[0].state.services = Services.build(settings)  # type: ignore[attr-defined]
    options = httpx.get(_api[1] + "/api/v1/auth/options").json()
    assert options == {
        "local": False,
        "cognito": {
            "authorizeUrl": "https://shop.auth.us-east-1.amazoncognito.com/oauth2/authorize",
            "clientId": "client123",
        },
    }


def test_me_says_what_the_roles_allow(admin: httpx.Client, as_role: object) -> None:
    me = admin.get("/auth/me").json()
    assert "manage-users" in me["permissions"]
    assert me["actsAs"] == ["viewer", "operator", "recovery-admin", "admin"]
    operator = as_role("operator").get("/auth/me").json()  # type: ignore[operator]
    assert operator["permissions"] == ["configure", "read", "run-drill"]
    assert operator["actsAs"] == ["viewer", "operator"]


def test_server_readiness_counts_the_estate(admin: httpx.Client) -> None:
    found = admin.get("/readiness/servers", params={"staleDays": 30}).json()
    assert found["total"] == 12
    assert {r["region"]: r["servers"] for r in found["regions"]} == {
        "us-east-1": 9,
        "us-west-2": 3,
    }
    assert found["byReplicationState"] == {"CONTINUOUS": 10, "STALLED": 1, "INITIAL_SYNC": 1}
    assert found["byLag"]["over 1 h"] == 1  # shop-web-04, 90 min behind
    assert found["byLag"]["unknown"] == 1  # still in initial sync
    assert found["neverDrilled"] == 12
    reasons = {a["hostname"]: a["reason"] for a in found["attention"]}
    assert reasons["shop-web-04"] == "replication stalled"
    assert reasons["shop-db-01"] == "never drilled"
    assert admin.get("/readiness/servers", params={"staleDays": 0}).status_code == 400


def test_servers_needing_attention_come_most_urgent_first(admin: httpx.Client) -> None:
    found = admin.get("/readiness/servers").json()["attention"]
    order = ["error", "warning", "info"]
    assert [a["severity"] for a in found] == sorted((a["severity"] for a in found), key=order.index)
    assert found[0]["hostname"] == "shop-web-04"  # stalled: losing data now
    assert found[0]["severity"] == "error"
    assert found[1]["reason"] == "replication initial sync"
    assert {a["reason"] for a in found[2:]} == {"never drilled"}


def test_a_region_drs_cannot_answer_for_is_named_not_fatal(
    admin: httpx.Client, emulator: Emulator
) -> None:
    inject(emulator, {"kind": "internalError", "operation": "DescribeSourceServers"})
    found = admin.get("/readiness/servers").json()
    inject(emulator)
    assert found["total"] == 0
    assert all(r["error"] for r in found["regions"])


def test_accounts_are_the_deployments_then_those_with_a_role(
    admin: httpx.Client,
    _api: tuple[object, str],  # noqa: PT019 (the served app, whose services this swaps)
    tmp_path: Path,
) -> None:
    assert admin.get("/drs/accounts").json() == {
        "default": "111111111111",
        "accounts": ["111111111111"],
    }
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'a.db'}",
        admin_password="admin-password-1",
        account_roles={
            "333333333333": "arn:aws:iam::333333333333:role/Drs",
            "222222222222": "arn:aws:iam::222222222222:role/Drs",
        },
    )
    services = Services.build(settings)
    services.users.bootstrap_admin()
    _api[0].state.services = services  # type: ignore[attr-defined]
    token = httpx.post(
        _api[1] + "/api/v1/auth/token",
        data={"username": "admin", "password": "admin-password-1"},
    ).json()["access_token"]
    found = httpx.get(
        _api[1] + "/api/v1/drs/accounts", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert found["accounts"] == ["111111111111", "222222222222", "333333333333"]
