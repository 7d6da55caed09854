"""The API's read path for executions, over real HTTP: GET one execution (10 and 1,000
servers), the execution list, and the live event stream fanned out to 1 and 100 subscribers
(30- and 300-server executions); SQLite, and PostgreSQL when it is reachable.

The API, the emulator and the engine run in this process, as in bench_api.py; the clients
run in a second process (the load generator), so that their HTTP parsing does not compete
with the server for this process's GIL. Only public endpoints are measured:
- GET /api/v1/executions/{id}: p50/p99 latency and requests/s, 1 and 10 concurrent clients;
- GET /api/v1/executions (the default page), 1 and 10 clients;
- GET /api/v1/executions/{id}/events: a pause (or resume) is sent through the API and each
  subscriber's latency is from the moment the command is sent to the moment it has read the
  transition (the command's own handling is inside that figure; its p50 is printed beside).

The estate is built through the API and driven by the engine on the emulator's manual clock,
with the integration tests' own driver (tests/integration/drive.py), so nothing moves while
measuring except what the commands do.

Run: `make bench-reads` (or `python bench/bench_reads.py [--quick]`). PostgreSQL is measured
when reachable at DRSO_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test),
in fresh schemas dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("DRSO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REGION = "us-east-1"
PASSWORD = "bench-password"
SECRET = "bench-secret-key-that-is-long-enough-0000000"
# The estate: one set of servers (by tag) per execution. The list's default page (50)
# shows all 50 executions: 46 finished 10-server drills and the four below.
HISTORY, HISTORY_SERVERS = 46, 10
GET_SIZES = (10, 1000)  # completed drills, every server launched
SSE_SIZES = (30, 300)  # running drills: launching, snapshots taken, conversion under way
MID_RUN_SECONDS = 960  # emulated seconds after the start (snapshots take ~808 s)
STEP = 600  # emulated seconds per drive step (DRS times its phases itself)


@dataclass(frozen=True)
class Budget:
    """Samples per measurement; each measurement also stops after `cap` wall seconds."""

    get_one: int
    get_ten: int
    sse_trials_one: int
    sse_trials_many: int
    cap: float


FULL = Budget(get_one=300, get_ten=400, sse_trials_one=10, sse_trials_many=8, cap=5.0)
QUICK = Budget(get_one=60, get_ten=100, sse_trials_one=6, sse_trials_many=4, cap=3.0)


# --- the load generator (second process) ------------------------------------------------------


def _client(base: str, token: str, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=httpx.Timeout(120.0),
    )


@dataclass(frozen=True)
class GetJob:
    """`samples` GETs of `path` from `clients` concurrent connections (or until `cap` s)."""

    api: str
    token: str
    path: str
    clients: int
    samples: int
    cap: float


@dataclass(frozen=True)
class EventsJob:
    """`subscribers` on the execution's stream, `trials` commands (after two warm-up ones)."""

    api: str
    token: str
    execution_id: str
    subscribers: int
    trials: int


class _Wire:
    """One keep-alive HTTP/1.1 connection sending one prepared GET. The GET rows use it rather
    than httpx: the load generator must cost far less per request than the server, or its own
    queueing is what gets measured. httpx on one asyncio loop tops out near 800 requests/s
    here; with 10 clients that put stalls of ~100 ms of the client's own in the p99, while the
    server's own handling of those requests stayed under 14 ms."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ask: bytes):
        self._reader, self._writer, self._ask = reader, writer, ask

    @classmethod
    async def open(cls, api: str, token: str, path: str) -> _Wire:
        url = httpx.URL(api + path)
        reader, writer = await asyncio.open_connection(url.host, url.port)
        ask = (
            f"GET {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
            f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        return cls(reader, writer, ask)

    async def get(self) -> tuple[int, bytes]:
        """The status and body of one answer (the server always sends Content-Length)."""
        self._writer.write(self._ask)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        return status, await self._reader.readexactly(int(headers["content-length"]))

    async def close(self) -> None:
        self._writer.close()
        with suppress(ConnectionError):
            await self._writer.wait_closed()


async def _get_load(job: GetJob) -> dict[str, Any]:
    path, clients, samples = job.path, job.clients, job.samples
    wires = [await _Wire.open(job.api, job.token, path) for _ in range(clients)]
    try:
        for _ in range(2):  # warm-up: connections open, caches as they would be
            warm = await asyncio.gather(*(w.get() for w in wires))
            assert all(status == 200 for status, _ in warm), warm[0][1][:500]
        latencies: list[float] = []
        errors: list[str] = []
        issued = 0
        start = time.perf_counter()
        deadline = start + job.cap

        async def one_client(wire: _Wire) -> None:
            nonlocal issued
            while issued < samples and time.perf_counter() < deadline:
                issued += 1
                began = time.perf_counter()
                status, body = await wire.get()
                if status == 200:
                    latencies.append((time.perf_counter() - began) * 1000)
                else:  # counted and shown, not measured
                    errors.append(f"{status} {body[:200]!r}")

        await asyncio.gather(*(one_client(w) for w in wires))
        elapsed = time.perf_counter() - start
    finally:
        for wire in wires:
            await wire.close()
    return {
        "latencies": latencies,
        "errors": errors,
        "elapsed": elapsed,
        "bytes": len(warm[0][1]),
    }


@dataclass
class _Subscriber:
    received: list[tuple[float, str]] = field(default_factory=list)
    connected: bool = False


async def _last_event_id(client: httpx.AsyncClient, path: str) -> str | None:
    """Read the stream's backlog until it is quiet for half a second: the last event's ID."""
    last = None
    async with client.stream("GET", path) as answer:
        assert answer.status_code == 200, await answer.aread()
        lines = answer.aiter_lines()
        while True:
            try:
                line = await asyncio.wait_for(anext(lines), 0.5)
            except TimeoutError:
                return last
            if line.startswith("id:"):
                last = line[3:].strip()


async def _subscribe(
    client: httpx.AsyncClient, path: str, last: str | None, me: _Subscriber, news: asyncio.Event
) -> None:
    headers = {"Last-Event-ID": last} if last is not None else {}
    async with client.stream("GET", path, headers=headers) as answer:
        assert answer.status_code == 200, await answer.aread()
        me.connected = True
        data: list[str] = []
        async for line in answer.aiter_lines():
            if line.startswith(("data:", "event:")):
                data.append(line)
            elif not line and data:  # the blank line ends an event
                me.received.append((time.monotonic(), "\n".join(data)))
                data = []
                news.set()


PROBE = "/auth/me"  # a cheap read: how long it takes says whether the server is busy


async def _idle_latency(client: httpx.AsyncClient) -> float:
    times = []
    for _ in range(10):
        began = time.perf_counter()
        assert (await client.get(PROBE)).status_code == 200
        times.append(time.perf_counter() - began)
    return statistics.median(times)


async def _until_idle(client: httpx.AsyncClient, idle: float, longest: float = 1.0) -> None:
    """Until the probe answers as fast as on an idle server three times running (so that one
    trial's work does not delay the next one's command), or `longest` seconds: a server whose
    subscribers keep it busy without news is measured as it is."""
    quick, deadline = 0, time.monotonic() + longest
    while quick < 3 and time.monotonic() < deadline:
        asked = time.perf_counter()
        await client.get(PROBE)
        quick = quick + 1 if time.perf_counter() - asked < max(0.01, 3 * idle) else 0
        await asyncio.sleep(0.05)


async def _events_load(job: EventsJob) -> dict[str, Any]:
    """Pause/resume through the API, alternately; per command and subscriber, from the
    command sent to the transition read."""
    execution_id, subscribers = job.execution_id, job.subscribers
    assert job.trials % 2 == 0, "an even number of commands leaves the execution running"
    path = f"/executions/{execution_id}/events"
    async with _client(job.api, job.token, subscribers + 4) as client:
        last = await _last_event_id(client, path)
        subs = [_Subscriber() for _ in range(subscribers)]
        news = asyncio.Event()
        tasks = [asyncio.create_task(_subscribe(client, path, last, s, news)) for s in subs]
        while not all(s.connected for s in subs):
            await asyncio.sleep(0.05)
            for task in tasks:
                if task.done():
                    task.result()
        await asyncio.sleep(1.0)  # every stream past its first query, listening
        idle = await _idle_latency(client)
        await _until_idle(client, idle)
        latencies: list[float] = []
        commands: list[float] = []
        missed = 0
        warm_up = 2  # one pause and one resume, not counted
        for trial in range(job.trials + warm_up):
            command, word = ("pause", '"PAUSED"') if trial % 2 == 0 else ("resume", '"RUNNING"')
            sent = time.monotonic()
            answer = await client.post(f"/executions/{execution_id}/{command}", json={})
            took = time.monotonic() - sent
            assert answer.status_code == 200, answer.text[:500]
            got: list[float | None] = [None] * subscribers
            deadline = sent + 20.0
            while time.monotonic() < deadline:
                for i, sub in enumerate(subs):
                    if got[i] is None:
                        got[i] = next((t for t, d in sub.received if t >= sent and word in d), None)
                if all(g is not None for g in got):
                    break
                news.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(news.wait(), 0.5)
            if trial >= warm_up:
                commands.append(took * 1000)
                latencies.extend((g - sent) * 1000 for g in got if g is not None)
                missed += sum(g is None for g in got)
            for sub in subs:
                sub.received.clear()
            # the workflow's own turn after the command, and what it sets off, settle first
            await asyncio.sleep(0.3)
            await _until_idle(client, idle)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"latencies": latencies, "commands": commands, "missed": missed}


def _load_worker(conn: Connection) -> None:
    """The second process: runs the jobs it is sent, answers with their results."""
    while True:
        job = conn.recv()
        if job is None:
            return
        try:
            result = asyncio.run(_get_load(job) if isinstance(job, GetJob) else _events_load(job))
        except BaseException as error:  # report, do not hang the parent
            result = {"error": repr(error)}
        conn.send(result)


class Load:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_load_worker, args=(child,), daemon=True)
        self._process.start()

    def run(self, label: str, job: GetJob | EventsJob) -> dict[str, Any]:
        began = time.perf_counter()
        self._conn.send(job)
        result: dict[str, Any] = self._conn.recv()
        if "error" in result:
            raise RuntimeError(f"load generator: {result['error']}")
        print(f"    {label}: {time.perf_counter() - began:.1f} s", flush=True)
        return result

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(timeout=10)


# --- the estate -------------------------------------------------------------------------------


def scenario() -> dict[str, Any]:
    sets = [(f"h{i:02d}", HISTORY_SERVERS) for i in range(HISTORY)]
    sets += [(f"get{n}", n) for n in GET_SIZES] + [(f"sse{n}", n) for n in SSE_SIZES]
    servers = [
        {"count": n, "hostnamePrefix": f"{name}-", "tags": {"Set": name}} for name, n in sets
    ]
    return {
        "accounts": {"111111111111": {"regions": {REGION: {"servers": servers}}}},
        # room for every job at once: quotas are not what is measured here
        "quotas": {"concurrentJobs": 200, "serversInActiveJobs": 5000},
    }


class _RetryOnce(httpx.HTTPTransport):
    """Set-up requests are sent again once after a 500: UserStates.get can raise KeyError
    when its cached entry expires between its `in` and its `[]` (a race of the 2 s user
    cache), which would otherwise abort a run minutes in."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = super().handle_request(request)
        if answer.status_code != 500:
            return answer
        answer.read()
        answer.close()
        return super().handle_request(request)


def _ok(answer: httpx.Response, expected: int = 200) -> dict[str, Any]:
    assert answer.status_code == expected, f"{answer.request.url}: {answer.text[:500]}"
    return dict(answer.json())


def server_sets(admin: httpx.Client) -> dict[str, list[str]]:
    """The emulated servers' IDs by their Set tag, as discovery lists them."""
    sets: dict[str, list[str]] = {}
    cursor = None
    while True:
        params = {"region": REGION, "limit": 1000, **({"cursor": cursor} if cursor else {})}
        found = _ok(admin.get("/drs/source-servers", params=params))
        for server in found["items"]:
            sets.setdefault(server["tags"]["Set"], []).append(server["sourceServerId"])
        if not (cursor := found["nextCursor"]):
            return sets


def start_drill(admin: httpx.Client, name: str, servers: list[str]) -> str:
    """A group of these servers, a one-wave plan over it, a drill of the plan."""
    group = _ok(
        admin.post(
            "/protection-groups",
            json={"name": name, "region": REGION, "sourceServerIds": sorted(servers)},
        ),
        201,
    )
    plan = _ok(
        admin.post(
            "/recovery-plans",
            json={
                "name": name,
                # waves queued behind DRS's quotas must not time out between drive steps
                "waves": [
                    {"name": "All", "protectionGroupIds": [group["id"]], "timeoutMinutes": 1440}
                ],
            },
        ),
        201,
    )
    started = admin.post(f"/recovery-plans/{plan['id']}/executions", json={"mode": "DRILL"})
    return str(_ok(started, 202)["id"])


def drive_until(
    drive: Any, admin: httpx.Client, ids: list[str], done: Callable[[dict[str, Any]], bool]
) -> float:
    """Advance emulated time until every execution's public document satisfies `done`."""
    moved = 0.0
    drive.settle()
    while True:
        documents = [_ok(admin.get(f"/executions/{i}")) for i in ids]
        if all(done(d) for d in documents):
            return moved
        assert moved < 6 * 3600, [(d["id"], d["status"]) for d in documents if not done(d)]
        drive.advance(STEP)
        moved += STEP


@dataclass
class Estate:
    get_ids: dict[int, str]
    sse_ids: dict[int, str]
    executions: int
    setup_seconds: float


def build_estate(drive: Any, admin: httpx.Client) -> Estate:
    began = time.perf_counter()
    sets = server_sets(admin)
    finished = [start_drill(admin, f"h{i:02d}", sets[f"h{i:02d}"]) for i in range(HISTORY)]
    get_ids = {n: start_drill(admin, f"get{n}", sets[f"get{n}"]) for n in GET_SIZES}
    drive_until(drive, admin, finished + list(get_ids.values()), lambda d: not d["active"])
    for execution_id in [*finished, *get_ids.values()]:
        document = _ok(admin.get(f"/executions/{execution_id}"))
        assert document["status"] == "COMPLETED", (execution_id, document["status"])
    sse_ids = {n: start_drill(admin, f"sse{n}", sets[f"sse{n}"]) for n in SSE_SIZES}
    drive.settle()
    drive.advance(MID_RUN_SECONDS)
    for execution_id in sse_ids.values():
        assert _ok(admin.get(f"/executions/{execution_id}"))["status"] == "RUNNING"
    count = len(_ok(admin.get("/executions", params={"limit": 100}))["items"])
    return Estate(get_ids, sse_ids, count, time.perf_counter() - began)


# --- one database -----------------------------------------------------------------------------


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[dict[str, Any] | None]:
    """Settings for a fresh database of this kind (None: PostgreSQL is not reachable);
    PostgreSQL schemas are dropped afterwards."""
    if kind == "SQLite":
        yield {"database_url": f"sqlite:///{tmp / 'bench-reads.db'}"}
        return
    engine = sa.create_engine(
        POSTGRES.replace("postgresql://", "postgresql+psycopg://"),
        connect_args={"connect_timeout": 3},
    )
    schema = f"bench_reads_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError:
        engine.dispose()
        yield None
        return
    try:
        yield {
            "database_url": f"{POSTGRES}?options=-csearch_path%3D{schema}",
            "dbos_database_url": POSTGRES,
            "dbos_schema": f"{schema}_dbos",
        }
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema}_dbos CASCADE"))
        engine.dispose()


def _postgres_version() -> str:
    engine = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


@dataclass
class Run:
    estate: Estate
    get: dict[tuple[int, int], dict[str, Any]]  # (servers, clients) ->
    list_: dict[int, dict[str, Any]]  # clients ->
    sse: dict[tuple[int, int], dict[str, Any]]  # (servers, subscribers) ->
    seconds: float
    profile: str | None = None


def reads(load: Load, api: str, token: str, estate: Estate, budget: Budget) -> Run:
    """Every measurement, on a server set up with the estate."""
    clients = ((1, budget.get_one), (10, budget.get_ten))
    get = {
        (n, c): load.run(
            f"GET {n} servers, {c} clients",
            GetJob(api, token, f"/executions/{estate.get_ids[n]}", c, samples, budget.cap),
        )
        for n in GET_SIZES
        for c, samples in clients
    }
    list_ = {
        c: load.run(f"list, {c} clients", GetJob(api, token, "/executions", c, samples, budget.cap))
        for c, samples in clients
    }
    subscribers = ((1, budget.sse_trials_one), (100, budget.sse_trials_many))
    sse = {
        (n, subs): load.run(
            f"events, {n} servers, {subs} subscribers",
            EventsJob(api, token, estate.sse_ids[n], subs, trials),
        )
        for n in SSE_SIZES
        for subs, trials in subscribers
    }
    return Run(estate, get, list_, sse, 0.0)


def measure(
    kind: str, values: dict[str, Any], tmp: Path, load: Load, budget: Budget, *, profile: bool
) -> Run:
    from drs_orchestrator.api.app import create_app, settle_heap
    from drs_orchestrator.api.services import Services
    from drs_orchestrator.config import Settings
    from drs_orchestrator.emulator import Emulator, EmulatorThread, parse_scenario
    from drs_orchestrator.emulator.server import ServerThread

    sys.path.insert(0, str(ROOT))  # the integration tests' driver moves the manual clock
    from tests.integration.drive import Drive, manual_clock
    from tests.integration.probe import Settling

    began = time.perf_counter()
    emulator = Emulator(parse_scenario(scenario()))
    with EmulatorThread(emulator) as endpoint:
        os.environ.update(
            AWS_ENDPOINT_URL_DRS=endpoint,
            AWS_ACCESS_KEY_ID="111111111111",
            AWS_SECRET_ACCESS_KEY="emulator",
        )
        os.environ.pop("AWS_PROFILE", None)
        settings = Settings.model_validate(
            {
                **values,
                "admin_password": PASSWORD,
                "regions": [REGION],
                "secret_key": SECRET,
                "data_dir": str(tmp),
            }
        )
        services = Services.build(settings)
        services.users.bootstrap_admin()
        engine = services.start_engine(manual_clock(emulator), poll=False, probe=Settling())
        try:
            app = create_app(services)
            settle_heap()  # as `serve` does
            with ServerThread(app, graceful_seconds=2) as base:
                api = f"{base}/api/v1"
                token = _ok(
                    httpx.post(
                        f"{api}/auth/token", data={"username": "admin", "password": PASSWORD}
                    )
                )["access_token"]
                with httpx.Client(
                    base_url=api,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=120,
                    transport=_RetryOnce(),
                ) as admin:
                    estate = build_estate(Drive(emulator, engine), admin)
                print(
                    f"  {kind}: {estate.executions} executions set up in "
                    f"{estate.setup_seconds:.0f} s",
                    flush=True,
                )
                run = reads(load, api, token, estate, budget)
                if profile:
                    app = create_app(services)
                    run.profile = profile_get(app, token, f"/executions/{estate.get_ids[1000]}")
        finally:
            # DBOS logs the workflows it cancels on the way down as errors: they are not
            logging.getLogger("dbos").setLevel(logging.CRITICAL)
            services.stop_engine()
            services.ctx.engine.dispose()
    run.seconds = time.perf_counter() - began
    return run


def profile_get(app: Any, token: str, path: str, repeat: int = 20, top: int = 15) -> str:
    """cProfile of `repeat` GETs of `path` through the ASGI app in this thread (anyio's worker
    threads replaced by a direct call, so that the handler is profiled too): the heaviest
    entries by cumulative time below the request's plumbing (the frames every request passes
    through whole), and by own time."""
    import cProfile
    import pstats

    import anyio.to_thread

    async def inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    async def requests() -> None:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench/api/v1", headers=headers
        ) as client:
            assert (await client.get(path)).status_code == 200  # warm
            profiler.enable()
            for _ in range(repeat):
                assert (await client.get(path)).status_code == 200
            profiler.disable()

    profiler = cProfile.Profile()
    threaded = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    try:
        asyncio.run(requests())
    finally:
        anyio.to_thread.run_sync = threaded
    entries = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(ct for _, _, _, ct, _ in entries.values())

    def where(key: tuple[str, int, str]) -> str:
        file, line, name = key
        for root in (str(ROOT / "src") + "/", "site-packages/"):
            file = file.split(root, 1)[-1]
        return f"{file}:{line}({name})" if line else name

    def table(title: str, rows: list[tuple[tuple[str, int, str], Any]]) -> list[str]:
        lines = [title, f"{'calls':>8} {'own ms':>8} {'cum ms':>8}  function"]
        for key, (_, calls, own, cum, _) in rows[:top]:
            per = 1000 / repeat
            lines.append(
                f"{calls / repeat:>8.0f} {own * per:>8.2f} {cum * per:>8.2f}  {where(key)}"
            )
        return lines

    below = sorted(
        ((k, v) for k, v in entries.items() if v[3] < 0.9 * total), key=lambda kv: -kv[1][3]
    )
    own = sorted(entries.items(), key=lambda kv: -kv[1][2])
    per_request = total * 1000 / repeat
    lines = [
        f"cProfile of GET {path} in-process: {per_request:.1f} ms a request (mean of {repeat})"
    ]
    lines += table("by cumulative time, per request, below the plumbing:", below)
    lines += table("by own time, per request:", own)
    return "\n".join(lines)


# --- report -----------------------------------------------------------------------------------


def cuts(latencies: list[float]) -> tuple[float, float]:
    if len(latencies) < 2:
        return (latencies[0], latencies[0]) if latencies else (float("nan"), float("nan"))
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return q[49], q[98]


def revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", "src") else ""
    return f"{git('rev-parse', '--short', 'HEAD')}{dirty}"


def machine(runs: dict[str, Run]) -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    dbs = [f"SQLite {sqlite3.sqlite_version}"]
    if "PostgreSQL" in runs:
        dbs.append(f"PostgreSQL {_postgres_version()}")
    return [
        f"git {revision()}; {platform.system()} {platform.release()}; {cpu}, "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; {', '.join(dbs)}",
        "API, engine and emulator in one process (uvicorn on a thread); clients in a second "
        "process (httpx, asyncio)",
    ]


WIDTH = 36  # the label column


def _head(names: list[str], columns: str) -> None:
    print(f"{'':<{WIDTH}}" + "".join(f"{name:>33}{'':3}" for name in names))
    print(f"{'':<{WIDTH}}" + columns * len(names))


def _http_row(label: str, results: list[dict[str, Any]]) -> None:
    cells = ""
    for r in results:
        p50, p99 = cuts(r["latencies"])
        rate = len(r["latencies"]) / r["elapsed"]
        failed = f"!{len(r['errors'])}" if r["errors"] else ""
        cells += f"{p50:>8.1f}{p99:>8.1f}{rate:>8.1f}{len(r['latencies']):>6}{failed:<6}"
    print(f"{label:<{WIDTH}}{cells}")


HTTP_COLUMNS = f"{'p50 ms':>8}{'p99 ms':>8}{'req/s':>8}{'n':>6}{'':6}"
EVENTS_COLUMNS = f"{'p50 ms':>8}{'p99 ms':>8}{'cmd ms':>8}{'n':>6}{'':6}"


def print_reads(runs: dict[str, Run]) -> None:
    names = list(runs)
    first = runs[names[0]]
    print()
    print("GET /api/v1/executions/{id}: completed drills, one wave, every server launched")
    _head(names, HTTP_COLUMNS)
    for n in GET_SIZES:
        size = first.get[(n, 1)]["bytes"] / 1024
        for c in (1, 10):
            label = f"{n:,} servers ({size:,.0f} KiB), {c} client{'s' * (c > 1)}"
            _http_row(label, [runs[name].get[(n, c)] for name in names])
    print()
    page = first.list_[1]["bytes"] / 1024
    print(
        f"GET /api/v1/executions, default page ({page:,.0f} KiB): {first.estate.executions} "
        f"executions ({HISTORY} finished of {HISTORY_SERVERS} servers, completed "
        f"{' and '.join(f'{n:,}' for n in GET_SIZES)}, running "
        f"{' and '.join(str(n) for n in SSE_SIZES)})"
    )
    _head(names, HTTP_COLUMNS)
    for c in (1, 10):
        _http_row(f"{c} client{'s' * (c > 1)}", [runs[name].list_[c] for name in names])
    errors = [e for r in runs.values() for x in [*r.get.values(), *r.list_.values()]
              for e in x["errors"]]  # fmt: skip
    if errors:
        print(f"!N: answers other than 200, not measured ({len(errors)}; first: {errors[0]})")


def print_events(runs: dict[str, Run]) -> None:
    names = list(runs)
    print()
    print(
        "GET /api/v1/executions/{id}/events: pause/resume sent through the API -> each "
        "subscriber has read the transition"
    )
    print("(running drills, one wave launching; 'cmd' is the command's own response time, p50)")
    _head(names, EVENTS_COLUMNS)
    for n in SSE_SIZES:
        for subs in (1, 100):
            cells = ""
            for name in names:
                r = runs[name].sse[(n, subs)]
                p50, p99 = cuts(r["latencies"])
                cmd = statistics.median(r["commands"])
                missed = f"!{r['missed']}" if r["missed"] else ""
                cells += f"{p50:>8.1f}{p99:>8.1f}{cmd:>8.1f}{len(r['latencies']):>6}{missed:<6}"
            print(f"{f'{n} servers, {subs} subscriber' + 's' * (subs > 1):<{WIDTH}}{cells}")
    if any(r.sse[k]["missed"] for r in runs.values() for k in r.sse):
        print("!N: subscribers that had not read the transition 20 s after the command")


def print_tables(runs: dict[str, Run], budget: Budget, quick: bool) -> None:
    print()
    print(f"Execution reads{' (--quick)' if quick else ''}")
    for line in machine(runs):
        print(line)
    print(
        f"Samples per row: up to {budget.get_one} (1 client) / {budget.get_ten} (10 clients) "
        f"requests, each row at most {budget.cap:g} s; events: {budget.sse_trials_one} "
        f"commands (1 subscriber) / {budget.sse_trials_many} (100 subscribers) after 2 "
        "warm-up ones; n = what was measured"
    )
    print_reads(runs)
    print_events(runs)
    print()
    print(
        "Targets (issue 13): p99 <= 50 ms for GET execution and list with 10 clients; "
        "transition -> 100 subscribers p99 <= 250 ms on a 300-server execution."
    )
    times = [f"{name} {run.seconds:.0f} s (set-up {run.estate.setup_seconds:.0f} s)"
             for name, run in runs.items()]  # fmt: skip
    print(f"Run times: {', '.join(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument(
        "--db",
        choices=["both", "sqlite", "postgresql"],
        default="both",
        help="which stores to measure (default both; PostgreSQL only when reachable)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile of GETs of the 1,000-server execution (SQLite, in-process)",
    )
    options = parser.parse_args()
    budget = QUICK if options.quick else FULL
    load = Load()
    runs: dict[str, Run] = {}
    try:
        kinds = [k for k in ("SQLite", "PostgreSQL") if options.db in {"both", k.lower()}]
        for kind in kinds:
            with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as values:
                if values is None:
                    print(f"PostgreSQL not reachable at {POSTGRES}: measured SQLite only")
                    continue
                print(f"Measuring on {kind}...", flush=True)
                profile = options.profile and kind == "SQLite"
                runs[kind] = measure(kind, values, Path(tmp), load, budget, profile=profile)
    finally:
        load.close()
    print_tables(runs, budget, options.quick)
    for run in runs.values():
        if run.profile:
            print()
            print(run.profile)


if __name__ == "__main__":
    main()
