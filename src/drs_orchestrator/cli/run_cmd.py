"""`run` and `executions ...`: starting plans, following them, steering them."""

from __future__ import annotations

import json
import shlex
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from drs_orchestrator.cli.api_client import Api, UnreachableError
from drs_orchestrator.cli.output import (
    ApiOption,
    JsonOption,
    api_errors,
    cli_name,
    emit_json,
    err,
    err_exit,
    out,
    table,
    when,
)
from drs_orchestrator.cli.plan_cmd import require_plan
from drs_orchestrator.domain import display
from drs_orchestrator.domain.executions import ACTIVE_EXECUTION_STATUSES, Command

if TYPE_CHECKING:
    import httpx

app = typer.Typer(
    rich_markup_mode=None, help="Executions: list, show and steer them.", no_args_is_help=True
)
ExecutionArg = Annotated[
    str,
    typer.Argument(
        metavar="EXECUTION_ID", help="The execution's ID (from run or executions list)."
    ),
]
WaveOption = Annotated[
    str, typer.Option("--wave", metavar="WAVE", help="The wave's name (any case).")
]
SUCCESS = {"COMPLETED"}
CLEANING = {"REQUESTED", "RUNNING"}


# The CLI's word for each command the API lists as allowed (`allowedCommands`).
SUBCOMMAND = {
    Command.PAUSE: "pause",
    Command.RESUME: "resume",
    Command.CANCEL: "cancel",
    Command.CLEANUP: "cleanup",
    Command.APPROVE: "approve",
    Command.RETRY_WAVE: "retry",
    Command.SKIP_WAVE: "skip",
}
# Offered as "Next:" when allowed (pause and cancel are always at hand while it runs).
_SUGGESTED = (Command.APPROVE, Command.RESUME, Command.RETRY_WAVE, Command.SKIP_WAVE,
              Command.CLEANUP)  # fmt: skip


def next_commands(execution: dict[str, Any]) -> list[str]:
    """What the operator can type next, from what the API says they may do now: open a
    waiting gate, resume, retry or skip a failed wave, clean up, read the report."""
    cli, eid = cli_name(), execution["id"]
    commands = []
    for command in _SUGGESTED:
        if command.of_wave:
            commands += [
                f"{cli} executions {SUBCOMMAND[command]} {eid} --wave {shlex.quote(w['name'])}"
                for w in execution["waves"]
                if command in w.get("allowedCommands", [])
            ]
        elif command in execution.get("allowedCommands", []):
            commands.append(f"{cli} executions {SUBCOMMAND[command]} {eid}")
    if execution["status"] not in ACTIVE_EXECUTION_STATUSES:
        commands.append(f"{cli} report {eid}")
    return commands


def execution_of(
    client: Api, execution_id: str, get: Callable[..., httpx.Response] | None = None
) -> dict[str, Any]:
    """The execution with all its servers (the API answers a page of them at a time)."""
    ask = get or client.call
    path = f"/executions/{execution_id}"
    whole: dict[str, Any] = ask("GET", path).json()
    cursor = whole.get("serversNextCursor")
    while cursor:
        page = ask("GET", path, params={"serverCursor": cursor}).json()
        whole["servers"].update(page["servers"])
        cursor = page.get("serversNextCursor")
    return {**whole, "serversNextCursor": None}


def _instances(execution: dict[str, Any]) -> list[str]:
    """Recovery instances (i-...) the execution launched that are not terminated."""
    return sorted(
        s["ec2InstanceId"]
        for s in execution["servers"].values()
        if s.get("ec2InstanceId") and s["status"] != "TERMINATED"
    )


def progress(execution: dict[str, Any]) -> Table:
    """Waves with their servers by status, and what the execution waits for."""
    t = Table(
        title=f"{display.label(display.MODE, execution['mode'])} of {execution['planName']} "
        f"{execution['id']}: {display.label(display.EXECUTION, execution['status'])}"
        + _launched_from(execution),
        title_justify="left",
        title_style="bold",
    )
    for column in ("wave", "status", "servers", "DRS phase", "DRS jobs", "note"):
        t.add_column(column, overflow="fold")
    for wave in execution["waves"]:
        servers = [s for s in execution["servers"].values() if s["wave"] == wave["name"]]
        counts = Counter(display.label(display.SERVER, s["status"]) for s in servers)
        jobs = sorted({s["jobId"] for s in servers if s["jobId"]})
        note = wave.get("failure") or ""
        for approval in execution["pendingApprovals"]:
            if approval["wave"] == wave["name"]:
                note = f"awaits {approval['approverRole']}: {approval['message']}"
        t.add_row(
            *(
                Text(v)
                for v in (
                    wave["name"],
                    display.label(display.WAVE, wave["status"]),
                    ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
                    latest_phase(servers),
                    ", ".join(jobs),
                    note,
                )
            )
        )
    return t


def _launched_from(execution: dict[str, Any]) -> str:
    """Not the latest data: the point in time, and how many servers were given a snapshot."""
    pinned = sum(1 for s in execution["servers"].values() if s.get("snapshotPinned"))
    parts = [f"point in time {when(pit)}"] if (pit := execution.get("pointInTime")) else []
    if pinned:
        parts.append(f"{display.plural(pinned, 'server')} from a chosen snapshot")
    return f" (launching from {', '.join(parts)})" if parts else ""


def latest_phase(servers: list[dict[str, Any]]) -> str:
    """The newest job-log phase among a wave's servers still launching (SNAPSHOT_START ...)."""
    moving = [s for s in servers if s["status"] in {"PENDING", "IN_PROGRESS"}]
    seen = [(at, name) for s in moving for name, at in (s.get("phases") or {}).items()]
    return max(seen)[1] if seen else ""


def _following(execution: dict[str, Any]) -> bool:
    """Still something to see: it runs, or its clean-up does."""
    return execution["status"] in ACTIVE_EXECUTION_STATUSES or execution["cleanup"] in CLEANING


# How long `--wait` keeps trying to reach a restarting API before it gives up (wall seconds).
RECONNECT_FOR_SECONDS = 600.0
# Fewest seconds between two reads of the execution while events arrive in a burst.
_REFRESH_SECONDS = 0.5


class _Follower:
    """Progress from the execution's event stream: on a terminal a live table with the
    commands to type next; otherwise (a file, a pipe, CI) one line per transition, printed
    as it happens. The stream says when something changed; the execution is then read again
    (at most every half second). A dropped stream (a server restart, a proxy) is reopened
    after the last event seen (Last-Event-ID), for up to RECONNECT_FOR_SECONDS."""

    def __init__(self, client: Api, execution_id: str, lines: Console, *, since_now: bool) -> None:
        self.client = client
        self.path = f"/executions/{execution_id}"
        self.execution_id = execution_id
        self.execution: dict[str, Any] = execution_of(client, execution_id)
        # A new execution is followed from its first transition; one under way from now.
        seen = self.execution["lastEventSeq"] if since_now else -1
        self.last_event: str | None = str(seen) if seen >= 0 else None
        self.read_at = time.monotonic()
        self.note = ""
        self.lines = lines
        self.live: Live | None = None

    def view(self) -> Group:
        hints = [f"Next: {c}" for c in next_commands(self.execution)]
        notes = [self.note] if self.note else []
        return Group(progress(self.execution), *(Text(t) for t in [*notes, *hints]))

    def show(self) -> None:
        if self.live is not None:
            self.live.update(self.view())

    def read(self, *, now: bool = False) -> None:
        if now or time.monotonic() - self.read_at >= _REFRESH_SECONDS:
            self.execution = execution_of(self.client, self.execution_id, self.client.attempt)
            self.read_at = time.monotonic()

    def say(self, text: str) -> None:
        """A line as it happens (no terminal to redraw): flushed at once for `> file`."""
        if self.live is None:
            self.lines.print(text, soft_wrap=True)
            self.lines.file.flush()

    def transition(self, data: dict[str, Any]) -> None:
        kind, subject = data["kind"], data["subject"]
        if kind == "batch" and ("batch", subject) not in self.names():
            self.read(now=True)  # a new DRS job: learn its wave
        name = self.names().get((kind, subject), subject)
        old = display.transition_state(kind, data.get("old"))
        new = display.transition_state(kind, data.get("new"))
        change = f"{old} -> {new}" if old and new and old != new else new or old
        detail = data.get("detail") or {}
        if kind == "cleanup" and detail.get("jobIds"):
            jobs = ", ".join(detail["jobIds"])
            instances = display.plural(detail.get("instances", 0), "recovery instance")
            change = f"DRS job {jobs} started for {instances}"
        elif kind == "instance" and detail.get("ec2InstanceId"):
            change = f"{detail['ec2InstanceId']} {change}"
        elif (job := detail.get("jobId")) and kind == "server":
            change = f"{change} ({job})"
        why = detail.get("reason") or detail.get("detail")
        if why and kind in {"hook", "wave", "server", "execution", "cleanup"}:
            change = f"{change}: {why}"
        if not change:
            change = ", ".join(f"{k}={v}" for k, v in detail.items())
        self.say(f"{when(data['at'])}  {display.label(display.KIND, kind)} {name}: {change}")
        if kind == "wave" and data.get("new") == "AWAITING_APPROVAL":
            cli = cli_name()
            self.say(f"  to approve: {cli} executions approve {self.execution['id']} "
                     f"--wave {shlex.quote(subject)}")  # fmt: skip

    def names(self) -> dict[tuple[str, str], str]:
        e = self.execution
        found = {("execution", e["id"]): f"{display.label(display.MODE, e['mode'])} of "
                 f"{e['planName']}"}  # fmt: skip
        found |= {("server", s["serverId"]): s["hostname"] or s["serverId"]
                  for s in e["servers"].values()}  # fmt: skip
        for b in e.get("launches") or []:
            job = b.get("jobId")
            found["batch", b["id"]] = f"{job} ({b['wave']})" if job else f"for {b['wave']}"
        for s in e["servers"].values():
            found["instance", s["serverId"]] = f"of {s['hostname'] or s['serverId']}"
        for w in e["waves"]:
            for h in w.get("hooks") or []:
                label = f"{w['name']}: {display.label(display.PHASE, h['phase']).lower()}, "
                found["hook", f"{w['name']}/{h['phase']}/{h['index']}"] = label + _hook(h)
            found["wave", w["name"]] = w["name"]
        found["cleanup", e["id"]] = "of the recovery instances"
        return found

    def listen(self) -> bool:
        """Follow the stream until it ends (True) or drops (False)."""
        for event in self.client.events(f"{self.path}/events", self.last_event):
            if event.id:
                self.last_event = event.id
            if event.event == "end":
                self.read(now=True)
                self.show()
                return True
            self.note = ""
            if self.live is None:
                self.transition(json.loads(event.data))
            else:
                self.read()
                self.show()
        return False

    def follow(self) -> None:
        silent_since: float | None = None
        backoff = 0.5
        while _following(self.execution):
            try:
                if self.listen():
                    break
                silent_since, backoff = None, 0.5  # closed by the server: reopen at once
            except UnreachableError as error:
                silent_since = silent_since or time.monotonic()
                if time.monotonic() - silent_since > RECONNECT_FOR_SECONDS:
                    err_exit(
                        f"Lost the API at {self.client.url} ({error}); the execution goes "
                        "on: follow it again with `executions show ID --wait`",
                        "API_UNREACHABLE",
                        2,
                    )
                self.note = f"Reconnecting to {self.client.url} ({error})..."
                self.say(self.note)
                self.show()
                time.sleep(backoff)  # a client's backoff before its next connection
                backoff = min(backoff * 2, 5.0)

    def run(self, terminal: bool) -> dict[str, Any]:
        if terminal:
            with Live(self.view(), console=out, refresh_per_second=4) as self.live:
                self.follow()
            self.live = None
        else:
            self.follow()
        e = self.execution
        self.say(f"{display.label(display.MODE, e['mode'])} {e['id']} of {e['planName']} "
                 f"ended: {display.label(display.EXECUTION, e['status'])}")  # fmt: skip
        if not terminal:
            for command in next_commands(e):
                self.say(f"Next: {command}")
        return e


def _hook(run: dict[str, Any]) -> str:
    from pydantic import TypeAdapter

    from drs_orchestrator.domain.hooks import Hook

    return display.hook_name(TypeAdapter(Hook).validate_python(run["hook"]))


def follow(
    client: Api, execution_id: str, *, as_json: bool = False, since_now: bool = True
) -> dict[str, Any]:
    """Show progress until the execution (and its clean-up) ends; its final state. With
    --json, stdout holds only the JSON: the progress lines go to stderr."""
    terminal = out.is_terminal and not as_json
    follower = _Follower(client, execution_id, err if as_json else out, since_now=since_now)
    if since_now and not terminal:
        follower.lines.print(progress(follower.execution))  # where it stands, then what moves
    return follower.run(terminal)


@api_errors
def run(
    plan: Annotated[str, typer.Argument(metavar="PLAN", help="The plan's name (any case).")],
    mode: Annotated[
        str, typer.Option(metavar="MODE", help="drill, recovery, failback or failback-drill")
    ] = "drill",
    confirm: Annotated[
        str | None,
        typer.Option(
            metavar="PLAN", help="Recovery and failback: the plan's name again, to confirm."
        ),
    ] = None,
    cleanup_after: Annotated[
        int | None,
        typer.Option(metavar="MINUTES", help="Drill only: terminate its instances after."),
    ] = None,
    point_in_time: Annotated[
        str | None,
        typer.Option(
            metavar="TIME",
            help="Launch each server from its latest recovery snapshot taken at or before "
            "this (ISO 8601 with a zone, e.g. 2026-12-04T09:55Z).",
        ),
    ] = None,
    snapshot: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SERVER=SNAPSHOT",
            help="Launch this server (ID or hostname) from this recovery snapshot "
            "(repeatable; see `plan snapshots`).",
        ),
    ] = None,
    wait: Annotated[bool, typer.Option(help="Follow it until it ends.")] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a plan as a drill (default), a recovery or, once reprotected, a failback; from
    the latest data unless a point in time or snapshots are given; with --wait, follow it
    (a live table on a terminal, one line per transition otherwise; exit status 1 unless it
    completes)."""
    if mode.lower() not in {"drill", "recovery", "failback", "failback-drill"}:
        err_exit("--mode is drill, recovery, failback or failback-drill", "INVALID_MODE", 2)
    client = Api(api)
    found = require_plan(client, plan)
    body: dict[str, Any] = {"mode": mode.upper().replace("-", "_")}
    if confirm is not None:
        body["confirmPlanName"] = confirm
    if cleanup_after is not None:
        body["cleanupAfterMinutes"] = cleanup_after
    if point_in_time is not None:
        body["pointInTime"] = point_in_time.replace("Z", "+00:00").replace(" ", "T", 1)
    if snapshot:
        body["snapshots"] = _chosen(client, found["id"], body["mode"], snapshot)
    started = client.json("POST", f"/recovery-plans/{found['id']}/executions", json=body)
    if as_json and not wait:
        emit_json(started)
        return
    said = err if as_json else out
    said.print(f"Started {mode.lower()} {started['id']} of {found['name']}", soft_wrap=True)
    said.file.flush()
    if not wait:
        said.print(f"Follow it: {cli_name()} executions show {started['id']} --wait")
        return
    final = follow(client, started["id"], as_json=as_json, since_now=False)
    if as_json:
        emit_json(final)
    if final["status"] not in SUCCESS:
        raise typer.Exit(1)


def _chosen(client: Api, plan_id: str, mode: str, pairs: list[str]) -> dict[str, str]:
    """--snapshot SERVER=SNAPSHOT pairs by source server ID (a hostname looked up)."""
    chosen: dict[str, str] = {}
    hosts: dict[str, str] | None = None
    for pair in pairs:
        server, _, snap = pair.partition("=")
        if not server or not snap:
            err_exit(f"--snapshot {pair!r}: give SERVER=SNAPSHOT", "INVALID_SNAPSHOT", 2)
        if not server.startswith("s-"):
            if hosts is None:
                listed = client.json(
                    "GET",
                    f"/recovery-plans/{plan_id}/recovery-snapshots",
                    params={"mode": mode, "limit": 1},
                )
                hosts = {i["hostname"].casefold(): i["sourceServerId"] for i in listed["items"]}
            if server.casefold() not in hosts:
                err_exit(f"--snapshot: no server {server!r} in this plan", "UNKNOWN_SERVER", 2)
            server = hosts[server.casefold()]
        chosen[server] = snap
    return chosen


@app.command("list")
@api_errors
def list_executions(
    active: Annotated[
        bool | None, typer.Option(help="Only active ones (or --no-active: ended ones).")
    ] = None,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Executions of every plan, newest first (the last 100)."""
    params = {} if active is None else {"active": str(active).lower()}
    items = Api(api).json("GET", "/executions", params={**params, "limit": 100})["items"]
    if as_json:
        emit_json(items)
        return
    table(
        "Executions",
        ["id", "plan", "mode", "status", "by", "started", "ended"],
        [
            (e["id"], e["planName"], display.label(display.MODE, e["mode"]),
             display.label(display.EXECUTION, e["status"]), e["initiatedBy"],
             when(e["startedAt"]), when(e["endedAt"]))
            for e in items
        ],
    )  # fmt: skip


@app.command()
@api_errors
def show(
    execution_id: ExecutionArg,
    wait: Annotated[bool, typer.Option(help="Follow it until it ends.")] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """One execution: its waves, servers, DRS jobs and what it waits for."""
    client = Api(api)
    if wait:
        execution = follow(client, execution_id, as_json=as_json)
    else:
        execution = execution_of(client, execution_id)
    if as_json:
        emit_json(execution)
    elif not wait:
        _print(execution)


def _print(execution: dict[str, Any]) -> None:
    out.print(progress(execution))
    if allowed := execution.get("allowedCommands"):
        out.print(f"You may now: {', '.join(SUBCOMMAND[Command(c)] for c in allowed)}")
    for command in next_commands(execution):
        out.print(f"Next: {command}", soft_wrap=True)


def wave_named(execution: dict[str, Any], name: str) -> str:
    """The execution's wave of that name in any case, as plan names match."""
    for wave in execution["waves"]:
        if wave["name"].casefold() == name.strip().casefold():
            return str(wave["name"])
    names = ", ".join(w["name"] for w in execution["waves"])
    return err_exit(
        f"Execution {execution['id']} has no wave named {name!r} (its waves: {names})",
        "WAVE_NOT_FOUND",
    )


def _steer(
    command: Command,
    execution_id: str,
    api: str | None,
    as_json: bool,
    body: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    client = Api(api)
    sent = None
    if body is not None:
        sent = body(client.json("GET", f"/executions/{execution_id}"))
    path = f"/executions/{execution_id}/{command.value}"
    execution: dict[str, Any] = client.json("POST", path, json=sent)
    _print(execution)
    return execution


@app.command()
@api_errors
def pause(execution_id: ExecutionArg, api: ApiOption = None, as_json: JsonOption = False) -> None:
    """Hold at the next wave boundary (waves under way finish)."""
    _steer(Command.PAUSE, execution_id, api, as_json)


@app.command()
@api_errors
def resume(execution_id: ExecutionArg, api: ApiOption = None, as_json: JsonOption = False) -> None:
    """Go on after a pause."""
    _steer(Command.RESUME, execution_id, api, as_json)


@app.command()
@api_errors
def cancel(
    execution_id: ExecutionArg,
    terminate: Annotated[bool, typer.Option(help="Also terminate what was launched.")] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start nothing new; running DRS jobs finish."""
    _steer(Command.CANCEL, execution_id, api, as_json, lambda _: {"terminate": terminate})


def _waiting_wave(execution: dict[str, Any]) -> str:
    waiting = [a["wave"] for a in execution["pendingApprovals"]]
    if not waiting:
        status = display.label(display.EXECUTION, execution["status"]).lower()
        err_exit(f"Execution {execution['id']} ({status}) waits for no approval",
                 "NO_PENDING_APPROVAL")  # fmt: skip
    if len(waiting) > 1:
        err_exit(f"Several waves wait for approval ({', '.join(waiting)}): choose one with "
                 "--wave", "APPROVAL_AMBIGUOUS")  # fmt: skip
    return str(waiting[0])


@app.command()
@api_errors
def approve(
    execution_id: ExecutionArg,
    wave: Annotated[
        str | None,
        typer.Option(
            "--wave", metavar="WAVE", help="The wave (any case); default: the one waiting."
        ),
    ] = None,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a wave's approval gate: the only one waiting, or the --wave named."""

    def body(e: dict[str, Any]) -> dict[str, Any]:
        return {"wave": _waiting_wave(e) if wave is None else wave_named(e, wave)}

    _steer(Command.APPROVE, execution_id, api, as_json, body)


@app.command()
@api_errors
def retry(
    execution_id: ExecutionArg, wave: WaveOption, api: ApiOption = None, as_json: JsonOption = False
) -> None:
    """Launch a failed wave's failed servers again."""
    _steer(Command.RETRY_WAVE, execution_id, api, as_json, lambda e: {"wave": wave_named(e, wave)})


@app.command()
@api_errors
def skip(
    execution_id: ExecutionArg, wave: WaveOption, api: ApiOption = None, as_json: JsonOption = False
) -> None:
    """Give a wave up so that its dependants run."""
    _steer(Command.SKIP_WAVE, execution_id, api, as_json, lambda e: {"wave": wave_named(e, wave)})


@app.command()
@api_errors
def cleanup(
    execution_id: ExecutionArg,
    wait: Annotated[bool, typer.Option(help="Follow it until the instances are gone.")] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Terminate every recovery instance the execution launched, and say which."""
    client = Api(api)
    execution = client.json("POST", f"/executions/{execution_id}/{Command.CLEANUP.value}")
    said = err if as_json else out
    instances = _instances(execution)
    said.print(
        f"{display.label(display.CLEANUP, execution['cleanup'])}: DRS terminates "
        f"{display.plural(len(instances), 'recovery instance')}"
        + (f": {', '.join(instances)}" if instances else ""),
        soft_wrap=True,
    )
    if wait:
        execution = follow(client, execution_id, as_json=as_json)
    if jobs := execution.get("cleanupJobIds"):
        said.print(f"DRS {'job' if len(jobs) == 1 else 'jobs'}: {', '.join(jobs)}")
    if not wait:
        said.print(f"Follow it: {cli_name()} executions show {execution_id} --wait")
    if as_json:
        emit_json(execution)


@api_errors
def report(
    execution_id: ExecutionArg,
    format_: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="html or json")
    ] = "html",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Where to write it (default: report-EXECUTION_ID.html or .json here; "
            "- for stdout).",
        ),
    ] = None,
    api: ApiOption = None,
) -> None:
    """An execution's report, the evidence of a drill or recovery: written to a file, with
    a summary printed."""
    if format_ not in {"html", "json"}:
        err_exit("--format is html or json", "INVALID_FORMAT", 2)
    client = Api(api)
    path = f"/executions/{execution_id}/report"
    text = client.call("GET", path, params={"format": format_}).text
    if str(output) == "-":
        print(text, end="" if text.endswith("\n") else "\n")
        return
    evidence = json.loads(text) if format_ == "json" else client.json("GET", path)
    target = output or Path(f"report-{execution_id}.{format_}")
    target.write_text(text)
    _summary(evidence)
    out.print(f"Report written to {target}", soft_wrap=True)


def _summary(r: dict[str, Any]) -> None:
    rto = r["measuredRtoSeconds"]
    target = r["rtoTargetMinutes"]
    met = {True: "met", False: "missed", None: "unknown"}[r["rtoMet"]]
    cleanup = display.label(display.CLEANUP, r["cleanup"]["status"])
    if r["cleanup"]["stillRunning"]:
        running = r["cleanup"]["stillRunning"]
        cleanup += f" — {display.plural(running, 'recovery instance')} still running"
    lines = [
        f"{display.label(display.MODE, r['mode'])} of {r['planName']} (version "
        f"{r['planVersion']}): {display.label(display.EXECUTION, r['status'])}",
        f"Started {when(r['startedAt'])}, ended {when(r['endedAt'])}",
        (
            f"Measured RTO: {display.duration(rto)}"
            + (f" against a target of {display.duration(target * 60)}: {met}" if target else "")
            if rto is not None
            else "Measured RTO: not measured (the service was not fully restored)"
            + (f"; the target is {display.duration(target * 60)}" if target else "")
        ),
        f"Clean-up: {cleanup}",
    ]
    for line in lines:
        out.print(line, soft_wrap=True)
