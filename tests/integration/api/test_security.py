"""The API tried as an attacker would: every operation with every kind of bad credential,
tokens of users deleted, demoted or disabled since, the console's cookie without its CSRF
token, security headers on every kind of answer, malformed input on SQLite and PostgreSQL,
and secrets looked for in the logs and in the database."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa

from drs_orchestrator.api.services import Services
from drs_orchestrator.store.tables import metadata
from tests.conftest import TEST_SECRET_KEY
from tests.integration.api.test_auth import NEEDS, PUBLIC
from tests.integration.conftest import ADMIN_PASSWORD, sign_in

pytestmark = pytest.mark.integration


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(client: httpx.Client) -> str:
    return client.headers["Authorization"].split()[1]


def make_user(admin: httpx.Client, name: str, roles: list[str]) -> None:
    made = admin.post("/users", json={"username": name, "password": "password-1", "roles": roles})
    assert made.status_code == 201, made.text


def version_of(admin: httpx.Client, name: str) -> str:
    return str(admin.get(f"/users/{name}").headers["ETag"])


def call(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> int:
    url = re.sub(r"\{[a-z_]+\}", "1", path)
    return client.request(method, url, json={}, headers=headers).status_code


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def bad_tokens(services: Services, admin: httpx.Client, api_url: str) -> dict[str, str]:
    """Every kind of credential that must be refused, by what is wrong with it."""
    kid = jwt.get_unverified_header(token_of(admin))["kid"]
    claims = jwt.decode(token_of(admin), options={"verify_signature": False})
    user = services.users.get("admin")
    expired, _ = services.issuer.issue(user, services.ctx.now() - timedelta(hours=2))
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "garbage": "not-a-token",
        "unknown API token": "drso_" + "x" * 43,
        "expired": expired,
        "alg none": jwt.encode(claims, None, algorithm="none", headers={"kid": kid}),
        "foreign key, same kid": jwt.encode(
            claims, foreign, algorithm="RS256", headers={"kid": kid}
        ),
        "foreign key, unknown kid": jwt.encode(claims, foreign, algorithm="RS256"),
    }
    for name, change in (
        ("deleted", lambda n: admin.delete(f"/users/{n}")),
        ("demoted", lambda n: admin.patch(f"/users/{n}", json={"roles": ["viewer"]})),
        ("disabled", lambda n: admin.patch(f"/users/{n}", json={"disabled": True})),
        ("password changed", lambda n: admin.patch(f"/users/{n}", json={"password": "another-1"})),
    ):
        make_user(admin, f"was-{name.replace(' ', '-')}", ["admin"])
        with sign_in(api_url, f"was-{name.replace(' ', '-')}", "password-1") as client:
            tokens[f"{name} user's JWT"] = token_of(client)
        assert change(f"was-{name.replace(' ', '-')}").status_code in {200, 204}
    return tokens


def test_every_operation_refuses_every_bad_credential(
    bad_tokens: dict[str, str], anonymous: httpx.Client
) -> None:
    guarded = [(m, p) for (m, p), needs in NEEDS.items() if needs != PUBLIC]
    refused = {
        kind: {(m, p): call(anonymous, m, p, bearer(token)) for m, p in guarded}
        for kind, token in bad_tokens.items()
    }
    refused["no token"] = {(m, p): call(anonymous, m, p, {}) for m, p in guarded}

    assert {k: set(v.values()) for k, v in refused.items()} == {k: {401} for k in refused}


def test_a_deleted_admins_token_cannot_make_an_admin(
    admin: httpx.Client, api_url: str, services: Services
) -> None:
    make_user(admin, "mallory", ["admin"])
    mallory = sign_in(api_url, "mallory", "password-1")
    assert admin.delete("/users/mallory").status_code == 204

    made = mallory.post(
        "/users", json={"username": "backdoor", "password": "password-1", "roles": ["admin"]}
    )

    assert made.status_code == 401
    assert "no longer exists" in made.json()["detail"]
    assert admin.get("/users/backdoor").status_code == 404


def test_a_promoted_user_has_the_new_role_and_a_demoted_one_must_sign_in_again(
    admin: httpx.Client, api_url: str
) -> None:
    make_user(admin, "olga", ["viewer"])
    olga = sign_in(api_url, "olga", "password-1")
    assert olga.post("/protection-groups/resolve", json={}).status_code == 403
    admin.patch("/users/olga", json={"roles": ["operator"]})
    # roles changed: the token from before is revoked, whichever way they changed
    assert olga.get("/auth/me").status_code == 401
    again = sign_in(api_url, "olga", "password-1")
    assert again.get("/auth/me").json()["roles"] == ["operator"]


def test_a_disabled_user_cannot_sign_in_and_their_api_tokens_stop(
    admin: httpx.Client, api_url: str
) -> None:
    make_user(admin, "robot", ["operator"])
    secret = admin.post("/tokens", json={"name": "ci", "username": "robot"}).json()["token"]
    assert httpx.get(f"{api_url}/auth/me", headers=bearer(secret)).status_code == 200

    assert admin.patch("/users/robot", json={"disabled": True}).json()["disabled"] is True

    assert httpx.get(f"{api_url}/auth/me", headers=bearer(secret)).status_code == 401
    refused = httpx.post(
        f"{api_url}/auth/token", data={"username": "robot", "password": "password-1"}
    )
    assert refused.json()["code"] == "INVALID_CREDENTIALS"  # no more than for a stranger
    assert admin.patch("/users/admin", json={"disabled": True}).json()["errors"][0]["code"] == (
        "SELF_DISABLE"
    )


# --- the console's session -------------------------------------------------------------------


def test_the_console_session_is_an_httponly_strict_cookie_and_changes_need_its_csrf_token(
    api_url: str,
) -> None:
    with httpx.Client(base_url=api_url) as browser:
        opened = browser.post(
            "/auth/session", data={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert opened.status_code == 200, opened.text
        cookies = opened.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("drso_session="))
        csrf = next(c for c in cookies if c.startswith("drso_csrf="))
        assert "HttpOnly" in session
        assert "samesite=strict" in session.lower()
        assert "HttpOnly" not in csrf  # the console's script reads it, and echoes it
        assert "Secure" not in session  # plain HTTP here; over TLS see test_serve_tls
        assert "token" not in opened.json()  # nothing a page script could keep

        assert browser.get("/auth/me").json()["via"] == "session"
        group = {"name": "G", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}}
        forged = browser.post("/protection-groups", json=group)
        assert (forged.status_code, forged.json()["code"]) == (403, "CSRF_TOKEN_INVALID")
        wrong = browser.post("/protection-groups", json=group, headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 403
        token = browser.cookies["drso_csrf"]
        made = browser.post("/protection-groups", json=group, headers={"X-CSRF-Token": token})
        assert made.status_code == 201, made.text

        closed = browser.delete("/auth/session", headers={"X-CSRF-Token": token})
        assert closed.status_code == 204
        kept = httpx.get(
            f"{api_url}/auth/me",
            cookies={"drso_session": session.split(";")[0].split("=", 1)[1]},
        )
        assert (kept.status_code, kept.json()["code"]) == (401, "SESSION_ENDED")


def test_a_sign_in_posted_from_another_sites_page_is_refused(api_url: str) -> None:
    form = {"username": "admin", "password": ADMIN_PASSWORD}
    foreign = httpx.post(
        f"{api_url}/auth/session", data=form, headers={"Origin": "https://evil.example"}
    )
    own = httpx.post(
        f"{api_url}/auth/session", data=form, headers={"Origin": api_url.removesuffix("/api/v1")}
    )
    assert (foreign.status_code, foreign.json()["code"]) == (403, "CROSS_ORIGIN_SIGN_IN")
    assert "set-cookie" not in foreign.headers
    assert own.status_code == 200


def test_changing_a_password_ends_every_earlier_session_and_token(
    admin: httpx.Client, api_url: str
) -> None:
    make_user(admin, "pat", ["operator"])
    old_token = token_of(sign_in(api_url, "pat", "password-1"))
    with httpx.Client(base_url=api_url) as browser:
        browser.post("/auth/session", data={"username": "pat", "password": "password-1"})
        old_session = browser.cookies["drso_session"]
        changed = browser.post(
            "/auth/password",
            json={"currentPassword": "password-1", "newPassword": "password-2"},
            headers={"X-CSRF-Token": browser.cookies["drso_csrf"]},
        )
        assert changed.status_code == 200, changed.text
        assert browser.cookies["drso_session"] != old_session  # a new session for this browser
        assert browser.get("/auth/me").status_code == 200
        new_token = changed.json()["access_token"]

    assert httpx.get(f"{api_url}/auth/me", headers=bearer(old_token)).status_code == 401
    stale = httpx.get(f"{api_url}/auth/me", cookies={"drso_session": old_session})
    assert stale.status_code == 401
    assert httpx.get(f"{api_url}/auth/me", headers=bearer(new_token)).status_code == 200
    entry = admin.get("/audit", params={"resourceType": "user"}).json()["items"][0]
    assert entry["after"]["passwordChanged"] is True
    assert entry["after"]["tokensRevoked"] is True


# --- headers -----------------------------------------------------------------------------


def test_every_kind_of_answer_carries_the_security_headers(
    api_url: str, admin: httpx.Client
) -> None:
    base = api_url.removesuffix("/api/v1")
    answers = {
        "json": httpx.get(f"{api_url}/health"),
        "problem 401": httpx.get(f"{api_url}/protection-groups"),
        "problem 404": httpx.get(f"{api_url}/nothing-here"),
        "problem 405": httpx.put(f"{api_url}/health"),
        "boundary 400": httpx.get(f"{api_url}/protection-groups/%00"),
        "docs page": httpx.get(f"{api_url}/docs"),
        "docs asset": httpx.get(f"{api_url}/docs/assets/swagger-ui.css"),
        "console": httpx.get(f"{base}/executions/123"),
        "openapi": httpx.get(f"{api_url}/openapi.json"),
    }
    with admin.stream("GET", "/executions/live") as stream:
        answers["event stream"] = stream

    for kind, answer in answers.items():
        headers = answer.headers
        policy = headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, kind
        assert "script-src 'self'" in policy, kind
        assert "'unsafe-inline'" not in policy, kind
        assert "frame-ancestors 'none'" in policy, kind
        assert headers.get("x-content-type-options") == "nosniff", kind
        assert headers.get("referrer-policy") == "no-referrer", kind
        assert "server" not in headers, kind
        assert "strict-transport-security" not in headers, kind  # plain HTTP
    assert answers["problem 405"].headers["allow"] == "GET"
    assert answers["json"].headers["cache-control"] == "no-store"


def test_the_docs_page_is_served_from_here_without_inline_script(api_url: str) -> None:
    page = httpx.get(f"{api_url}/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(s.startswith("/api/v1/docs/") or s == "data:," for s in sources), sources
    assert not re.search(r"<script>[^<]", page)  # every script is a file
    for source in sources:
        if source.startswith("/"):
            assert httpx.get(api_url.removesuffix("/api/v1") + source).status_code == 200


# --- secrets -----------------------------------------------------------------------------


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def server_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the server logged (not the test's own HTTP client, which logs what it sent)."""
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r}"
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore"))
    )


def table_counts(services: Services) -> dict[str, int]:
    with services.ctx.read() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
        }


def everything_stored(services: Services) -> str:
    with services.ctx.read() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in conn.execute(sa.select(table))
        )


def test_no_secret_reaches_the_logs_or_the_database_in_the_clear(
    services: Services, admin: httpx.Client, api_url: str, logs: pytest.LogCaptureFixture
) -> None:
    password = "correct-horse-battery-staple"
    make_user(admin, "sam", ["operator"])
    admin.patch("/users/sam", json={"password": password})
    jwt_token = token_of(sign_in(api_url, "sam", password))
    api_token = admin.post("/tokens", json={"name": "ci", "username": "sam"}).json()["token"]
    with httpx.Client(base_url=api_url) as browser:
        browser.post("/auth/session", data={"username": "sam", "password": password})
        session, csrf = browser.cookies["drso_session"], browser.cookies["drso_csrf"]
    httpx.post(f"{api_url}/auth/token", data={"username": "sam", "password": "wrong-one"})
    secrets = {
        "password": password,
        "JWT": jwt_token,
        "API token": api_token,
        "session": session,
        "secret key": TEST_SECRET_KEY,
    }

    stored = everything_stored(services)
    logged = server_logs(logs)
    assert "lock-out" not in stored  # one wrong password is counted, not a lock-out

    assert [k for k, v in secrets.items() if v in logged] == []
    assert [k for k, v in secrets.items() if v in stored] == []
    assert "PRIVATE KEY" not in stored  # the signing keys are sealed
    assert csrf in stored  # (the CSRF token is no secret: it is stored to be compared)


# --- malformed input, on both databases ---------------------------------------------------

HUGE_CURSOR = "WzkyMjMzNzIwMzY4NTQ3NzU4MDhd"  # [9223372036854775808]


def a_plan(admin: httpx.Client) -> str:
    group = {"name": "DB", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}}
    group_id = admin.post("/protection-groups", json=group).json()["id"]
    plan = {"name": "P", "waves": [{"name": "DB", "protectionGroupIds": [group_id]}]}
    made = admin.post("/recovery-plans", json=plan)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def malformed(plan_id: str) -> list[tuple[str, str, dict[str, Any], str, str]]:
    """(method, path, request, field, code) of inputs that once answered 500."""
    group = {"name": "G", "region": "us-east-1", "serverSelector": {"tags": {"Tier": "db"}}}
    return [
        ("GET", "/audit", {"params": {"cursor": HUGE_CURSOR}}, "cursor", "INVALID_CURSOR"),
        ("GET", f"/recovery-plans/{plan_id}/versions", {"params": {"cursor": HUGE_CURSOR}},
         "cursor", "INVALID_CURSOR"),
        ("GET", "/executions/x/events", {"params": {"after": str(2**63)}}, "after",
         "LESS_THAN_EQUAL"),
        ("GET", "/executions/x/events", {"headers": {"Last-Event-ID": str(2**63)}},
         "Last-Event-ID", "LESS_THAN_EQUAL"),
        ("POST", "/protection-groups", {"json": {**group, "name": "a\x00b"}}, "name",
         "NUL_CHARACTER"),
        ("POST", "/protection-groups", {"json": {**group, "description": "\x00"}}, "description",
         "NUL_CHARACTER"),
        ("POST", "/protection-groups",
         {"json": {**group, "serverSelector": {"tags": {"Ti\x00er": "db"}}}},
         "serverSelector.tags.Ti\\u0000er", "NUL_CHARACTER"),
        ("GET", "/protection-groups/a%00b", {}, "path", "NUL_CHARACTER"),
        ("GET", "/users/x%00", {}, "path", "NUL_CHARACTER"),
        ("POST", "/protection-groups", {"content": b"[" * 10_000 + b"]" * 10_000}, "body",
         "TOO_DEEP"),
        ("POST", "/protection-groups", {"content": b'{"name": "\xff"}'}, "body", "INVALID_UTF8"),
        ("POST", "/protection-groups", {"content": b'{"n": ' + b"9" * 5000 + b"}"}, "body",
         "NUMBER_OUT_OF_RANGE"),
        ("POST", "/protection-groups", {"content": b'{"n": NaN}'}, "body", "INVALID_JSON"),
        ("POST", "/protection-groups", {"content": b'{"n": 1e400}'}, "body",
         "NUMBER_OUT_OF_RANGE"),
    ]  # fmt: skip


def refusal(admin: httpx.Client, method: str, path: str, request: dict[str, Any]) -> Any:
    headers = {"content-type": "application/json"} if "content" in request else {}
    answer = admin.request(
        method, path, **{**request, "headers": {**headers, **request.get("headers", {})}}
    )
    assert answer.headers["content-type"] == "application/problem+json", answer.text
    body = answer.json()
    first = (body.get("errors") or [{}])[0]
    return path, answer.status_code, first.get("field"), first.get("code")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_malformed_input_is_a_400_with_the_field_and_nothing_changes(
    admin: httpx.Client, services: Services, api_url: str, backend: str
) -> None:
    plan_id = a_plan(admin)
    before = table_counts(services)

    answers = [refusal(admin, m, p, r) for m, p, r, _, _ in malformed(plan_id)]
    anonymous_nul = httpx.get(api_url.removesuffix("/api/v1") + "/index.html%00")
    form = {"username": "ad\x00min", "password": "x"}
    sign_in_nul = httpx.post(f"{api_url}/auth/token", data=form)

    assert answers == [(p, 400, f, c) for _, p, _, f, c in malformed(plan_id)]
    assert anonymous_nul.status_code == 400
    assert sign_in_nul.json()["errors"][0]["code"] == "NUL_CHARACTER"
    assert table_counts(services) == before


def test_an_unreadable_body_says_why_in_errors(admin: httpx.Client) -> None:
    answer = admin.post(
        "/protection-groups", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    body = answer.json()
    assert answer.status_code == 400
    assert body["errors"][0]["field"] == "body"
    assert body["errors"][0]["code"] == "INVALID_JSON"
    assert "Expecting value" in body["errors"][0]["message"]


def test_a_body_of_another_media_type_is_refused_by_name(admin: httpx.Client) -> None:
    answer = admin.post(
        "/protection-groups", content=b"name=G", headers={"content-type": "text/plain"}
    )
    assert (answer.status_code, answer.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
