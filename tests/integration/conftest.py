"""The API over real HTTP, talking to the emulator over real HTTP through boto3.

One API server per session; each test gets a fresh database (SQLite in its tmp dir, or a
clean PostgreSQL schema) by swapping the app's services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from moto.server import ThreadedMotoServer

from drs_orchestrator.api.app import create_app
from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.emulator import Emulator
from drs_orchestrator.emulator.server import ServerThread
from tests.integration.drive import Drive, manual_clock
from tests.integration.probe import Settling
from tests.store_backends import drop, fresh_database_url

ADMIN_PASSWORD = "admin-password-1"


@pytest.fixture(scope="session")
def _api(_emulator_server: tuple[Emulator, str], _moto: str) -> Iterator[tuple[object, str]]:
    endpoint = _emulator_server[1]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL_DRS", endpoint)
        # EC2 and IAM (launch settings) on loopback too: no test reaches AWS itself.
        mp.setenv("AWS_ENDPOINT_URL_EC2", _moto)
        mp.setenv("AWS_ENDPOINT_URL_IAM", _moto)
        mp.setenv("AWS_ACCESS_KEY_ID", "111111111111")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
        mp.delenv("AWS_PROFILE", raising=False)
        app = create_app(None)  # type: ignore[arg-type]
        with ServerThread(app) as url:
            yield app, url


def build_services(database_url: str, **settings: object) -> Services:
    values: dict[str, object] = {
        "database_url": database_url,
        "admin_password": ADMIN_PASSWORD,
        "regions": ["us-east-1", "us-west-2", "eu-west-1"],
        **settings,
    }
    return Services.build(Settings.model_validate(values))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Where the store lives; modules that test no store behaviour override this with SQLite."""
    return str(request.param)


@pytest.fixture
def services(
    _api: tuple[object, str], emulator: Emulator, tmp_path: Path, backend: str
) -> Iterator[Services]:
    url = fresh_database_url(backend, tmp_path)
    svc = build_services(url)
    svc.users.bootstrap_admin()
    _api[0].state.services = svc  # type: ignore[attr-defined]
    yield svc
    svc.ctx.engine.dispose()
    drop(url)


@pytest.fixture
def api_url(_api: tuple[object, str], services: Services) -> str:
    return _api[1] + "/api/v1"


def sign_in(api_url: str, username: str, password: str) -> httpx.Client:
    answer = httpx.post(f"{api_url}/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    return httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def admin(api_url: str) -> Iterator[httpx.Client]:
    with sign_in(api_url, "admin", ADMIN_PASSWORD) as client:
        yield client


@pytest.fixture
def anonymous(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url) as client:
        yield client


@pytest.fixture
def as_role(api_url: str, admin: httpx.Client) -> Iterator[Callable[[str], httpx.Client]]:
    """A signed-in client holding just `role` (a user is made for it)."""
    clients: list[httpx.Client] = []

    def make(role: str) -> httpx.Client:
        name = f"user-{role}"
        if admin.get(f"/users/{name}").status_code == 404:
            made = admin.post(
                "/users", json={"username": name, "password": "password-1", "roles": [role]}
            )
            assert made.status_code == 201, made.text
        clients.append(sign_in(api_url, name, "password-1"))
        return clients[-1]

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def server_ids(admin: httpx.Client) -> Callable[[str, str], list[str]]:
    """Source server IDs of the demo estate by tier: `server_ids("us-east-1", "db")`."""

    def ids(region: str, tier: str) -> list[str]:
        items = admin.get("/drs/source-servers", params={"region": region}).json()["items"]
        return sorted(s["sourceServerId"] for s in items if s["tags"].get("Tier") == tier)

    return ids


@pytest.fixture
def engine_services(
    _api: tuple[object, str], emulator: Emulator, tmp_path: Path
) -> Iterator[Services]:
    """The API's services with the engine running on the emulator's manual clock (SQLite);
    modules that steer executions return it as their `services`."""
    svc = build_services(f"sqlite:///{tmp_path / 'drso.db'}")
    svc.users.bootstrap_admin()
    svc.start_engine(manual_clock(emulator), poll=False, probe=Settling())
    _api[0].state.services = svc  # type: ignore[attr-defined]
    yield svc
    svc.stop_engine()
    svc.ctx.engine.dispose()


@pytest.fixture
def drive(services: Services, emulator: Emulator) -> Drive:
    assert services.engine is not None, "this module's services run no engine"
    return Drive(emulator, services.engine)


@pytest.fixture(scope="session")
def _moto() -> Iterator[str]:
    """moto's AWS (EC2, IAM, STS, ...) over HTTP on loopback, for one test session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_endpoint(_moto: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """EC2 and IAM go to moto (as the API's do), emptied after the test."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", _moto)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", _moto)
    yield _moto
    httpx.post(f"{_moto}/moto-api/reset")
