"""API latency over HTTP: list and get for 1,000 groups and 1,000 plans, on SQLite and
PostgreSQL side by side, and discovery over 3,000 emulated servers.

Run: `make bench` (or `python bench/bench_api.py`). PostgreSQL is measured when reachable at
DRSO_TEST_POSTGRES_URL (default the machine's 127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import sqlalchemy as sa

from drs_orchestrator.api.app import create_app
from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.emulator import Emulator, EmulatorThread, parse_scenario
from drs_orchestrator.emulator.server import ServerThread

SERVERS, ITEMS, SAMPLES = 3000, 1000, 300
POSTGRES = os.environ.get("DRSO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCENARIO = {
    "accounts": {
        "111111111111": {
            "regions": {"us-east-1": {"servers": [{"count": SERVERS, "hostnamePrefix": "srv-"}]}}
        }
    }
}


def percentiles(action: Callable[[], httpx.Response]) -> tuple[float, float]:
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        answer = action()
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def fill(services: Services, server_ids: list[str]) -> tuple[str, str]:
    group_ids = []
    for i in range(ITEMS):
        spec = ProtectionGroupSpec(
            name=f"group-{i:04d}", region="us-east-1", source_server_ids=[server_ids[i]]
        )
        group_ids.append(services.groups.create(spec, "bench")[0].id)
    plan_id = ""
    for i in range(ITEMS):
        spec = RecoveryPlanSpec.model_validate(
            {
                "name": f"plan-{i:04d}",
                "waves": [{"name": "w", "protectionGroupIds": [group_ids[i]]}],
            }
        )
        plan_id = services.plans.create(spec, "bench").id
    return group_ids[ITEMS // 2], plan_id


def postgres_url() -> str | None:
    engine = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://"))
    try:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


def measure(url: str, endpoint: str, server_ids: list[str]) -> dict[str, tuple[float, float]]:
    services = Services.build(
        Settings.model_validate(
            {
                "database_url": url,
                "admin_password": "bench-password",
                "regions": ["us-east-1"],
                "secret_key": "bench-secret-key-that-is-long-enough-0000000",
            }
        )
    )
    services.users.bootstrap_admin()
    group_id, plan_id = fill(services, server_ids)
    with ServerThread(create_app(services)) as base:
        api = f"{base}/api/v1"
        token = httpx.post(
            f"{api}/auth/token", data={"username": "admin", "password": "bench-password"}
        ).json()
        client = httpx.Client(
            base_url=api, headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        results = {
            "list groups (100 of 1,000)": percentiles(
                lambda: client.get("/protection-groups", params={"limit": 100})
            ),
            "get group": percentiles(lambda: client.get(f"/protection-groups/{group_id}")),
            "list plans (100 of 1,000)": percentiles(
                lambda: client.get("/recovery-plans", params={"limit": 100})
            ),
            "get plan": percentiles(lambda: client.get(f"/recovery-plans/{plan_id}")),
        }

        def discover() -> httpx.Response:
            cursor, count = None, 0
            while True:
                params = {
                    "region": "us-east-1",
                    "limit": 1000,
                    **({"cursor": cursor} if cursor else {}),
                }
                answer = client.get("/drs/source-servers", params=params)
                count += len(answer.json()["items"])
                if not (cursor := answer.json()["nextCursor"]):
                    assert count == SERVERS
                    return answer

        start = time.perf_counter()
        for _ in range(5):
            discover()
        results["discovery, 3,000 servers (3 pages), mean"] = (
            (time.perf_counter() - start) * 200,
            0.0,
        )
    services.ctx.engine.dispose()
    return results


def main() -> None:
    emulator = Emulator(parse_scenario(SCENARIO))
    with EmulatorThread(emulator) as endpoint:
        os.environ.update(
            AWS_ENDPOINT_URL_DRS=endpoint,
            AWS_ACCESS_KEY_ID="111111111111",
            AWS_SECRET_ACCESS_KEY="x",
        )
        server_ids = sorted(s.id for r in emulator.regions.values() for s in r.servers.values())
        with tempfile.TemporaryDirectory() as tmp:
            runs = {"SQLite": measure(f"sqlite:///{Path(tmp) / 'bench.db'}", endpoint, server_ids)}
        if (pg := postgres_url()) is not None:
            runs["PostgreSQL"] = measure(pg, endpoint, server_ids)
        else:
            print("PostgreSQL not reachable: measured SQLite only")
    print(f"{'request':45} " + " ".join(f"{name + ' p50/p99 ms':>26}" for name in runs))
    for key in runs["SQLite"]:
        cells = " ".join(f"{runs[n][key][0]:>12.1f} / {runs[n][key][1]:>9.1f}" for n in runs)
        print(f"{key:45} {cells}")
    if "PostgreSQL" in runs:
        for key in runs["SQLite"]:
            ratio = runs["PostgreSQL"][key][0] / runs["SQLite"][key][0]
            print(f"PostgreSQL/SQLite p50 ratio, {key}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
