"""Signing in: wrong passwords are limited per user and per address, lock-outs are audited
and end by themselves; a generated one-time password must be changed before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import limits.storage.memory
import pytest

from drs_orchestrator.api.services import Services
from tests.integration.conftest import ADMIN_PASSWORD, build_services, sign_in
from tests.store_backends import drop, fresh_database_url

pytestmark = pytest.mark.integration
WINDOW = 300  # seconds: the default sign-in window


@pytest.fixture
def backend() -> str:
    return "sqlite"


def attempt(api_url: str, username: str, password: str, address: str) -> httpx.Response:
    """A sign-in from `address` (the test server trusts X-Forwarded-For from loopback, as
    `serve` does from its --forwarded-allow-ips, by default this machine only)."""
    return httpx.post(
        f"{api_url}/auth/token",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Moves the clock the sign-in limits count in (they read the wall clock themselves)."""
    offset = [0.0]
    fake = SimpleNamespace(time=lambda: time.time() + offset[0])
    monkeypatch.setattr(limits.storage.memory, "time", fake)

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def test_wrong_passwords_lock_the_user_out_for_a_while_and_it_is_audited(
    api_url: str, admin: httpx.Client, later: Callable[[float], None]
) -> None:
    made = admin.post(
        "/users", json={"username": "eve", "password": "password-1", "roles": ["viewer"]}
    )
    assert made.status_code == 201
    wrong = [attempt(api_url, "eve", f"guess-{i}", "203.0.113.7").status_code for i in range(5)]

    locked = attempt(api_url, "eve", "password-1", "203.0.113.7")  # even the right one
    elsewhere = attempt(api_url, "eve", "password-1", "198.51.100.9")

    assert wrong == [401] * 5
    assert locked.status_code == 429
    assert locked.json()["code"] == "TOO_MANY_SIGN_IN_ATTEMPTS"
    assert 0 < int(locked.headers["Retry-After"]) <= WINDOW
    assert locked.json()["retryAfterSeconds"] == int(locked.headers["Retry-After"])
    assert elsewhere.status_code == 429  # a user's limit counts every address
    (entry,) = admin.get("/audit", params={"resourceType": "sign-in"}).json()["items"]
    assert (entry["action"], entry["resourceId"]) == ("lock-out", "eve")
    assert entry["actor"] == "anonymous@203.0.113.7"
    assert entry["after"]["scope"] == "username"

    later(WINDOW + 1)  # the lock-out ends by itself
    assert attempt(api_url, "eve", "password-1", "203.0.113.7").status_code == 200


def test_one_address_guessing_many_users_is_stopped(api_url: str, admin: httpx.Client) -> None:
    answers = [attempt(api_url, f"user{i}", "guess", "192.0.2.66").status_code for i in range(20)]
    stopped = attempt(api_url, "admin", ADMIN_PASSWORD, "192.0.2.66")

    assert answers == [401] * 20
    assert stopped.status_code == 429
    assert stopped.json()["scope"] == "address"
    assert attempt(api_url, "admin", ADMIN_PASSWORD, "192.0.2.67").status_code == 200


def test_the_only_admin_is_never_locked_out_by_a_stranger(api_url: str) -> None:
    for i in range(5):
        attempt(api_url, "admin", f"guess-{i}", "203.0.113.7")

    assert attempt(api_url, "admin", ADMIN_PASSWORD, "203.0.113.7").status_code == 429
    # the last enabled admin is counted per address: their own still signs in
    assert attempt(api_url, "admin", ADMIN_PASSWORD, "198.51.100.9").status_code == 200


def test_the_right_password_resets_the_count(api_url: str, admin: httpx.Client) -> None:
    admin.post("/users", json={"username": "kim", "password": "password-1", "roles": ["viewer"]})
    for _ in range(2):
        for i in range(4):
            assert attempt(api_url, "kim", f"guess-{i}", "203.0.113.8").status_code == 401
        assert attempt(api_url, "kim", "password-1", "203.0.113.8").status_code == 200


# --- the one-time password ---------------------------------------------------------------


@pytest.fixture
def generated(_api: tuple[object, str], tmp_path: Path) -> Iterator[tuple[Services, str, str]]:
    """A first start without DRSO_ADMIN_PASSWORD: (services, API URL, the printed password)."""
    url = fresh_database_url("sqlite", tmp_path)
    services = build_services(url, admin_password=None)
    password = services.users.bootstrap_admin()
    assert password is not None
    _api[0].state.services = services  # type: ignore[attr-defined]
    yield services, _api[1] + "/api/v1", password
    services.ctx.engine.dispose()
    drop(url)


def test_a_generated_password_must_be_changed_before_anything_else(
    generated: tuple[Services, str, str],
) -> None:
    _, api_url, password = generated
    answer = httpx.post(f"{api_url}/auth/token", data={"username": "admin", "password": password})
    assert answer.json()["password_change_required"] is True
    token = answer.json()["access_token"]
    first = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"})

    for method, path in (("GET", "/auth/me"), ("GET", "/protection-groups"), ("GET", "/users")):
        refused = first.request(method, path)
        assert (refused.status_code, refused.json()["code"]) == (403, "PASSWORD_CHANGE_REQUIRED")
        assert refused.json()["username"] == "admin"
    same = first.post("/auth/password", json={"currentPassword": password, "newPassword": password})
    assert same.json()["errors"][0]["code"] == "PASSWORD_UNCHANGED"
    changed = first.post(
        "/auth/password", json={"currentPassword": password, "newPassword": "mine-at-last"}
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["password_change_required"] is False
    assert first.get("/auth/me").status_code == 401  # the token of the one-time password
    with sign_in(api_url, "admin", "mine-at-last") as admin:
        assert admin.get("/protection-groups").status_code == 200
        assert admin.get("/users/admin").json()["passwordChangeRequired"] is False


def test_a_password_set_by_the_operator_is_not_forced(admin: httpx.Client) -> None:
    """DRSO_ADMIN_PASSWORD chose it (the integration fixtures start that way)."""
    assert admin.get("/auth/me").status_code == 200
    assert admin.get("/users/admin").json()["passwordChangeRequired"] is False


def test_an_admin_can_make_a_new_user_choose_their_own_password(
    admin: httpx.Client, api_url: str
) -> None:
    admin.post(
        "/users",
        json={"username": "newbie", "password": "temporary-1", "roles": ["operator"],
              "passwordChangeRequired": True},
    )  # fmt: skip
    with sign_in(api_url, "newbie", "temporary-1") as newbie:
        assert newbie.get("/protection-groups").json()["code"] == "PASSWORD_CHANGE_REQUIRED"
        newbie.post(
            "/auth/password", json={"currentPassword": "temporary-1", "newPassword": "own-pass-1"}
        )
    with sign_in(api_url, "newbie", "own-pass-1") as newbie:
        assert newbie.get("/protection-groups").status_code == 200
