"""Sign-in, tokens, users and the role matrix: every route walked with every role."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import jwt
import pytest

from drs_orchestrator.api.app import create_app
from drs_orchestrator.api.services import Services
from tests.integration.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    """Nothing here depends on the database engine; the store tests run on both."""
    return "sqlite"


PUBLIC = "public"
SIGNED_IN = "signed-in"
# What each route needs: the matrix below is the specification the server must meet.
NEEDS: dict[tuple[str, str], str] = {
    ("GET", "/health"): PUBLIC,
    ("POST", "/auth/token"): PUBLIC,
    ("POST", "/auth/session"): PUBLIC,
    ("DELETE", "/auth/session"): PUBLIC,
    ("POST", "/auth/session/exchange"): SIGNED_IN,
    ("POST", "/auth/password"): SIGNED_IN,
    ("GET", "/auth/jwks.json"): PUBLIC,
    ("GET", "/auth/me"): SIGNED_IN,
    ("GET", "/auth/options"): PUBLIC,
    ("GET", "/clock"): PUBLIC,
    ("GET", "/readiness/servers"): "viewer",
    ("GET", "/readiness/plans"): "viewer",
    ("GET", "/modes"): "viewer",
    ("GET", "/executions/live"): "viewer",
    ("GET", "/protection-groups"): "viewer",
    ("GET", "/protection-groups/{group_id}"): "viewer",
    ("POST", "/protection-groups"): "operator",
    ("POST", "/protection-groups/resolve"): "operator",
    ("PUT", "/protection-groups/{group_id}"): "operator",
    ("DELETE", "/protection-groups/{group_id}"): "operator",
    ("GET", "/protection-groups/{group_id}/launch-settings"): "viewer",
    ("PUT", "/protection-groups/{group_id}/launch-settings"): "operator",
    ("GET", "/protection-groups/{group_id}/launch-settings/status"): "viewer",
    ("POST", "/protection-groups/{group_id}/launch-settings/apply"): "operator",
    ("GET", "/protection-groups/{group_id}/launch-settings/applies/{apply_id}"): "viewer",
    ("GET", "/recovery-plans"): "viewer",
    ("GET", "/recovery-plans/{plan_id}"): "viewer",
    ("GET", "/recovery-plans/{plan_id}/versions"): "viewer",
    ("GET", "/recovery-plans/{plan_id}/versions/{version}"): "viewer",
    ("GET", "/recovery-plans/{plan_id}/lint"): "viewer",
    ("GET", "/recovery-plans/{plan_id}/rto-estimate"): "viewer",
    ("GET", "/recovery-plans/{plan_id}/site-state"): "viewer",
    ("GET", "/recovery-plans/{plan_id}/recovery-snapshots"): "viewer",
    ("GET", "/recovery-plans/{plan_id}/reprotects/{reprotect_id}"): "viewer",
    ("POST", "/recovery-plans/{plan_id}/reprotect"): "recovery-admin",
    ("POST", "/recovery-plans/{plan_id}/release-recovery-instances"): "recovery-admin",
    ("POST", "/recovery-plans"): "operator",
    ("PUT", "/recovery-plans/{plan_id}"): "operator",
    ("DELETE", "/recovery-plans/{plan_id}"): "operator",
    ("POST", "/recovery-plans/lint"): "viewer",
    ("GET", "/drs/source-servers"): "viewer",
    ("GET", "/drs/regions"): "viewer",
    ("GET", "/drs/accounts"): "viewer",
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("GET", "/users/{username}"): "admin",
    ("PATCH", "/users/{username}"): "admin",
    ("DELETE", "/users/{username}"): "admin",
    ("GET", "/tokens"): "admin",
    ("POST", "/tokens"): "admin",
    ("DELETE", "/tokens/{token_id}"): "admin",
    ("GET", "/audit"): "admin",
    ("POST", "/recovery-plans/{plan_id}/executions"): "operator",
    ("GET", "/executions"): "viewer",
    ("GET", "/executions/{execution_id}"): "viewer",
    ("GET", "/executions/{execution_id}/events"): "viewer",
    ("GET", "/executions/{execution_id}/report"): "viewer",
    ("POST", "/executions/{execution_id}/pause"): "operator",
    ("POST", "/executions/{execution_id}/resume"): "operator",
    ("POST", "/executions/{execution_id}/cancel"): "operator",
    ("POST", "/executions/{execution_id}/approve"): "operator",
    ("POST", "/executions/{execution_id}/retry-wave"): "operator",
    ("POST", "/executions/{execution_id}/skip-wave"): "operator",
    ("POST", "/executions/{execution_id}/cleanup"): "operator",
}
STREAMS = {("GET", "/executions/live")}
RANK = {"viewer": 0, "operator": 1, "recovery-admin": 2, "admin": 3}


def api_routes() -> list[tuple[str, str]]:
    """Every operation the OpenAPI document lists (so a route cannot hide from the matrix)."""
    paths = create_app(None).openapi()["paths"]  # type: ignore[arg-type]
    return sorted(
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in paths.items()
        for method in operations
    )


def test_the_matrix_covers_every_route() -> None:
    assert set(api_routes()) == set(NEEDS)


@pytest.mark.parametrize("role", [None, "viewer", "operator", "recovery-admin", "admin"])
def test_role_matrix(
    role: str | None, as_role: Callable[[str], httpx.Client], anonymous: httpx.Client
) -> None:
    client = as_role(role) if role else anonymous
    for (method, path), needs in NEEDS.items():
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        if (method, path) in STREAMS:
            with client.stream(method, url) as answer:  # a live stream never ends by itself
                status = answer.status_code
        else:
            status = client.request(method, url, json={}).status_code
        if needs == PUBLIC:
            allowed = True
        elif role is None:
            assert status == 401, (method, path)
            continue
        else:
            allowed = needs == SIGNED_IN or RANK[role] >= RANK[needs]
        if allowed:
            assert status not in {401, 403}, (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


def test_sign_in(api_url: str) -> None:
    wrong = httpx.post(f"{api_url}/auth/token", data={"username": "admin", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "INVALID_CREDENTIALS"
    unknown = httpx.post(f"{api_url}/auth/token", data={"username": "ghost", "password": "nope"})
    assert unknown.json()["code"] == "INVALID_CREDENTIALS"
    answer = httpx.post(
        f"{api_url}/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    jwks = httpx.get(f"{api_url}/auth/jwks.json").json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(
        body["access_token"], key, algorithms=["RS256"], audience="drs-orchestrator-api"
    )
    # Roles are not in the token: each request reads the user's current ones.
    assert (claims["username"], claims["epoch"]) == ("admin", 0)
    assert "roles" not in claims


def test_tampered_and_foreign_tokens_are_refused(api_url: str, admin: httpx.Client) -> None:
    token = admin.headers["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    for bad in (forged, "not-a-jwt", "drso_unknown"):
        answer = httpx.get(f"{api_url}/auth/me", headers={"Authorization": f"Bearer {bad}"})
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"


def test_api_tokens(api_url: str, admin: httpx.Client) -> None:
    admin.post(
        "/users", json={"username": "robot", "password": "password-1", "roles": ["operator"]}
    )
    refused = admin.post("/tokens", json={"name": "ci", "username": "robot", "roles": ["admin"]})
    assert refused.json()["errors"][0]["code"] == "ROLE_NOT_HELD"
    made = admin.post("/tokens", json={"name": "ci", "username": "robot"})
    assert made.status_code == 201
    secret = made.json()["token"]
    robot = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {secret}"})
    assert robot.get("/auth/me").json() == {
        "username": "robot",
        "roles": ["operator"],
        "via": "api-token",
        "permissions": ["configure", "read", "run-drill"],
        "actsAs": ["viewer", "operator"],
    }
    assert robot.get("/users").status_code == 403
    listed = admin.get("/tokens", params={"all": "true"}).json()["items"]
    assert [t["name"] for t in listed] == ["ci"]
    assert "token" not in listed[0]
    assert listed[0]["lastUsedAt"] is not None
    # demoting the owner demotes the token
    admin.patch("/users/robot", json={"roles": ["viewer"]})
    assert robot.get("/auth/me").json()["roles"] == ["viewer"]
    assert admin.delete(f"/tokens/{made.json()['id']}").json()["revokedAt"] is not None
    assert robot.get("/auth/me").status_code == 401


def test_users(admin: httpx.Client, api_url: str) -> None:
    made = admin.post(
        "/users", json={"username": "Olga", "password": "password-1", "roles": ["operator"]}
    )
    assert made.status_code == 201
    assert made.json()["username"] == "olga"
    assert (
        admin.post(
            "/users", json={"username": "OLGA", "password": "password-1", "roles": ["viewer"]}
        ).json()["code"]
        == "USER_EXISTS"
    )
    short = admin.post("/users", json={"username": "x", "password": "short", "roles": ["viewer"]})
    assert short.json()["errors"][0]["field"] == "password"
    assert (
        admin.patch("/users/admin", json={"roles": ["viewer"]}).json()["errors"][0]["code"]
        == "SELF_DEMOTION"
    )
    assert admin.delete("/users/admin").json()["errors"][0]["code"] == "SELF_DELETION"
    assert admin.delete("/users/olga").status_code == 204
    actions = [
        (e["action"], e["resourceType"])
        for e in admin.get("/audit", params={"resourceType": "user"}).json()["items"]
    ]
    assert actions[:2] == [("delete", "user"), ("create", "user")]


def test_first_start_makes_one_admin_with_a_password_printed_once(tmp_path: object) -> None:
    from tests.integration.conftest import build_services

    services: Services = build_services(f"sqlite:///{tmp_path}/x.db", admin_password=None)
    password = services.users.bootstrap_admin()
    assert password is not None
    assert len(password) >= 12
    assert services.users.bootstrap_admin() is None  # only on the very first start
    assert services.users.authenticate("admin", password).roles == ["admin"]
