"""`run` and `executions ...`: starting plans, following them, steering them."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from drs_orchestrator.cli.api_client import Api, UnreachableError
from drs_orchestrator.cli.output import (
    ApiOption,
    JsonOption,
    api_errors,
    emit_json,
    err_exit,
    out,
    table,
)
from drs_orchestrator.cli.plan_cmd import plan_by_name
from drs_orchestrator.domain.executions import ACTIVE_EXECUTION_STATUSES

app = typer.Typer(help="Executions: list, show and steer them.", no_args_is_help=True)
WaveOption = Annotated[str, typer.Option("--wave", help="The wave's name.")]
SUCCESS = {"COMPLETED"}


def progress(execution: dict[str, Any]) -> Table:
    """Waves with their servers by status, and what the execution waits for."""
    t = Table(
        title=f"{execution['planName']} {execution['mode']} {execution['id']}: "
        f"[bold]{execution['status']}[/]",
        title_justify="left",
    )
    for column in ("wave", "status", "servers", "DRS phase", "jobs", "note"):
        t.add_column(column)
    for wave in execution["waves"]:
        servers = [s for s in execution["servers"].values() if s["wave"] == wave["name"]]
        counts = Counter(s["status"] for s in servers)
        jobs = sorted({s["jobId"] for s in servers if s["jobId"]})
        phase = latest_phase(servers)
        note = wave.get("failure") or ""
        for approval in execution["pendingApprovals"]:
            if approval["wave"] == wave["name"]:
                note = f"awaits {approval['approverRole']}: {approval['message']}"
        t.add_row(
            wave["name"],
            wave["status"],
            ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
            phase,
            ", ".join(jobs),
            note,
        )
    return t


def latest_phase(servers: list[dict[str, Any]]) -> str:
    """The newest job-log phase among a wave's servers still launching (SNAPSHOT_START ...)."""
    moving = [s for s in servers if s["status"] in {"PENDING", "IN_PROGRESS"}]
    seen = [(at, name) for s in moving for name, at in (s.get("phases") or {}).items()]
    return max(seen)[1] if seen else ""


# How long `--wait` keeps trying to reach a restarting API before it gives up (wall seconds).
RECONNECT_FOR_SECONDS = 600.0
# Fewest seconds between two reads of the execution while events arrive in a burst.
_REFRESH_SECONDS = 0.5


class _Follower:
    """Live progress from the execution's event stream. The stream says when something
    changed; the execution is then read again (at most every half second). A dropped stream
    (a server restart, a proxy) is reopened after the last event seen (Last-Event-ID), for
    up to RECONNECT_FOR_SECONDS without an answer."""

    def __init__(self, client: Api, execution_id: str) -> None:
        self.client = client
        self.path = f"/executions/{execution_id}"
        self.last_event: str | None = None
        self.execution: dict[str, Any] = client.json("GET", self.path)
        self.read_at = time.monotonic()
        self.note = ""

    def view(self) -> Table:
        table = progress(self.execution)
        if self.note:
            table.caption = self.note
        return table

    def refresh(self, live: Live, *, now: bool = False) -> None:
        if now or time.monotonic() - self.read_at >= _REFRESH_SECONDS:
            self.execution = self.client.attempt("GET", self.path).json()
            self.read_at = time.monotonic()
        live.update(self.view())

    def listen(self, live: Live) -> bool:
        """Follow the stream until it ends (True) or drops (False)."""
        for event in self.client.events(f"{self.path}/events", self.last_event):
            if event.id:
                self.last_event = event.id
            if event.event == "end":
                self.refresh(live, now=True)
                return True
            self.note = ""
            self.refresh(live)
        return False

    def run(self) -> dict[str, Any]:
        with Live(self.view(), console=out, refresh_per_second=4) as live:
            silent_since: float | None = None
            backoff = 0.5
            while self.execution["status"] in ACTIVE_EXECUTION_STATUSES:
                try:
                    if self.listen(live):
                        break
                    silent_since, backoff = None, 0.5  # closed by the server: reopen at once
                except UnreachableError as error:
                    silent_since = silent_since or time.monotonic()
                    if time.monotonic() - silent_since > RECONNECT_FOR_SECONDS:
                        err_exit(
                            f"Lost the API at {self.client.url} ({error}); the execution goes "
                            "on: follow it again with `executions show ID --wait`",
                            2,
                        )
                    self.note = f"Reconnecting to {self.client.url} ({error})..."
                    live.update(self.view())
                    time.sleep(backoff)  # a client's backoff before its next connection
                    backoff = min(backoff * 2, 5.0)
        return self.execution


def follow(client: Api, execution_id: str) -> dict[str, Any]:
    """Show live progress until the execution ends; its final state."""
    return _Follower(client, execution_id).run()


@api_errors
def run(
    plan: Annotated[str, typer.Argument(help="The plan's name.")],
    mode: Annotated[str, typer.Option(help="drill or recovery")] = "drill",
    confirm: Annotated[
        str | None, typer.Option(help="Recovery only: the plan's name, to confirm.")
    ] = None,
    cleanup_after: Annotated[
        int | None, typer.Option(help="Drill only: terminate its instances after N minutes.")
    ] = None,
    wait: Annotated[bool, typer.Option(help="Follow it live until it ends.")] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a plan as a drill (default) or a recovery."""
    if mode.lower() not in {"drill", "recovery"}:
        err_exit("--mode is drill or recovery", 2)
    client = Api(api)
    found = plan_by_name(client, plan)
    if found is None:
        err_exit(f"No recovery plan named {plan!r}")
    body: dict[str, Any] = {"mode": mode.upper()}
    if confirm is not None:
        body["confirmPlanName"] = confirm
    if cleanup_after is not None:
        body["cleanupAfterMinutes"] = cleanup_after
    started = client.json("POST", f"/recovery-plans/{found['id']}/executions", json=body)
    if not wait:
        if as_json:
            emit_json(started)
        else:
            out.print(f"Started {mode.lower()} {started['id']} of {found['name']}")
        return
    final = follow(client, started["id"])
    if as_json:
        emit_json(final)
    if final["status"] not in SUCCESS:
        raise typer.Exit(1)


@app.command("list")
@api_errors
def list_executions(
    active: Annotated[
        bool | None, typer.Option(help="Only active (or --no-active: ended).")
    ] = None,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    params = {} if active is None else {"active": str(active).lower()}
    items = Api(api).json("GET", "/executions", params={**params, "limit": 100})["items"]
    if as_json:
        emit_json(items)
        return
    table(
        "Executions",
        ["id", "plan", "mode", "status", "by", "started", "ended"],
        [
            (e["id"], e["planName"], e["mode"], e["status"], e["initiatedBy"],
             e["startedAt"], e["endedAt"])
            for e in items
        ],
    )  # fmt: skip


@app.command()
@api_errors
def show(
    execution_id: str,
    wait: Annotated[bool, typer.Option(help="Follow it live until it ends.")] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    client = Api(api)
    execution = (
        follow(client, execution_id) if wait else client.json("GET", f"/executions/{execution_id}")
    )
    if as_json:
        emit_json(execution)
    elif not wait:
        out.print(progress(execution))


def _steer(verb: str, execution_id: str, api: str | None, body: dict[str, Any] | None) -> None:
    execution = Api(api).json("POST", f"/executions/{execution_id}/{verb}", json=body)
    out.print(progress(execution))


@app.command()
@api_errors
def pause(execution_id: str, api: ApiOption = None) -> None:
    """Hold at the next wave boundary."""
    _steer("pause", execution_id, api, None)


@app.command()
@api_errors
def resume(execution_id: str, api: ApiOption = None) -> None:
    _steer("resume", execution_id, api, None)


@app.command()
@api_errors
def cancel(
    execution_id: str,
    terminate: Annotated[bool, typer.Option(help="Also terminate what was launched.")] = False,
    api: ApiOption = None,
) -> None:
    """Start nothing new; running DRS jobs finish."""
    _steer("cancel", execution_id, api, {"terminate": terminate})


@app.command()
@api_errors
def approve(execution_id: str, wave: WaveOption, api: ApiOption = None) -> None:
    _steer("approve", execution_id, api, {"wave": wave})


@app.command()
@api_errors
def retry(execution_id: str, wave: WaveOption, api: ApiOption = None) -> None:
    """Launch a failed wave's failed servers again."""
    _steer("retry-wave", execution_id, api, {"wave": wave})


@app.command()
@api_errors
def skip(execution_id: str, wave: WaveOption, api: ApiOption = None) -> None:
    """Give a wave up so that its dependants run."""
    _steer("skip-wave", execution_id, api, {"wave": wave})


@app.command()
@api_errors
def cleanup(execution_id: str, api: ApiOption = None) -> None:
    """Terminate every recovery instance the execution launched."""
    _steer("cleanup", execution_id, api, None)


@api_errors
def report(
    execution_id: str,
    format_: Annotated[str, typer.Option("--format", help="html or json")] = "html",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here, not to stdout.")
    ] = None,
    api: ApiOption = None,
) -> None:
    """An execution's report: the evidence of a drill or recovery."""
    if format_ not in {"html", "json"}:
        err_exit("--format is html or json", 2)
    answer = Api(api).call("GET", f"/executions/{execution_id}/report", params={"format": format_})
    if output is None:
        print(answer.text)
        return
    output.write_text(answer.text)
    out.print(f"Report written to {output}")
