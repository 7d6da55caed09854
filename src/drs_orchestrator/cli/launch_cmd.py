"""`pg launch-settings show|set|apply|drift`: a group's launch settings, applying them to DRS
and EC2, and how far what they hold has drifted from them."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
import yaml

from drs_orchestrator.cli.api_client import Api
from drs_orchestrator.cli.lookup import find_group as find
from drs_orchestrator.cli.output import (
    ApiOption,
    JsonOption,
    api_errors,
    emit_json,
    err_exit,
    out,
    table,
    when,
)
from drs_orchestrator.domain import display

launch = typer.Typer(
    rich_markup_mode=None,
    help="A group's launch settings: defaults, subnet and tag rules, per-server overrides.",
    no_args_is_help=True,
)


def _settings_path(group_id: str) -> str:
    return f"/protection-groups/{group_id}/launch-settings"


@launch.command("show")
@api_errors
def launch_show(group: str, api: ApiOption = None, as_json: JsonOption = False) -> None:
    """The group's launch settings as YAML (the form `set` takes), with their version."""
    client = Api(api)
    found = find(client, group)
    held = client.json("GET", _settings_path(found["id"]))
    if as_json:
        emit_json(held)
        return
    version, by = held.pop("version"), held.pop("updatedBy", None)
    when_saved = held.pop("updatedAt", None)
    if version == 0:
        out.print(f"{found['name']}: no launch settings saved; DRS and EC2 keep what they hold")
    else:
        out.print(f"{found['name']}: launch settings v{version}, saved by {by} {when(when_saved)}")
    out.print(yaml.safe_dump(held, sort_keys=False).rstrip())


@launch.command("set")
@api_errors
def launch_set(
    group: str,
    file: Annotated[typer.FileText, typer.Argument(help="YAML or JSON, as `show` prints it")],
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the group's launch settings with FILE's (checked against EC2 first: on any
    fault nothing is written and each fault is named with its field)."""
    try:
        body = yaml.safe_load(file.read())
    except yaml.YAMLError as error:
        err_exit(f"{file.name} is not YAML: {error}", "NOT_YAML", 2)
    if not isinstance(body, dict):
        err_exit(
            f"{file.name} must hold a mapping (defaults, rules, overrides)", "NOT_A_MAPPING", 2
        )
    client = Api(api)
    found = find(client, group)
    current = client.json("GET", _settings_path(found["id"]))
    held = client.json(
        "PUT",
        _settings_path(found["id"]),
        json=body,
        headers={"If-Match": f'"{current["version"]}"'},
    )
    if as_json:
        emit_json(held)
    else:
        out.print(f"Saved the launch settings of {found['name']} (v{held['version']})")


def _apply_line(done: dict[str, Any]) -> str:
    counts = f"{done['changed']} changed, {done['unchanged']} unchanged, {done['failed']} failed"
    return f"{display.plural(done['servers'], 'server')}: {counts}"


@launch.command("apply")
@api_errors
def launch_apply(
    group: str,
    api: ApiOption = None,
    as_json: JsonOption = False,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow the apply until it ends.")
    ] = True,
) -> None:
    """Make DRS and each server's launch template hold the group's saved settings (checked
    against EC2 first; only what differs is written). Exits 1 when a server failed."""
    client = Api(api)
    found = find(client, group)
    current = client.json("GET", _settings_path(found["id"]))
    done = client.json(
        "POST",
        f"{_settings_path(found['id'])}/apply",
        headers={"If-Match": f'"{current["version"]}"'},
    )
    path = done["url"].removeprefix("/api/v1")
    while wait and done["state"] == "RUNNING":
        time.sleep(1)  # a person is waiting: once a second is enough, and light on the API
        done = client.json("GET", path)
    if as_json:
        emit_json(done)
    elif done["state"] == "RUNNING":
        out.print(f"Applying v{done['settingsVersion']} to {found['name']}: follow {done['url']}")
    else:
        verb = "Applied" if done["state"] == "COMPLETED" else "Apply failed for"
        out.print(f"{verb} v{done['settingsVersion']} of {found['name']}; {_apply_line(done)}")
        if done.get("error"):
            out.print(done["error"], style="red")
        for failure in done["failures"]:
            out.print(f"  {failure['sourceServerId']}: {failure['error']}", style="red")
    if done["state"] == "FAILED":
        raise typer.Exit(1)


@launch.command("drift")
@api_errors
def launch_drift(
    group: str,
    api: ApiOption = None,
    as_json: JsonOption = False,
    fail_on_drift: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 3 when a server is not in sync (for pipelines)."),
    ] = False,
) -> None:
    """Each server's launch settings against what DRS and its launch template hold now."""
    client = Api(api)
    found = find(client, group)
    status = client.json("GET", f"{_settings_path(found['id'])}/status")
    if as_json:
        emit_json(status)
    else:
        counts = status["counts"]
        summary = ", ".join(
            f"{n} {display.label(display.LAUNCH_SYNC, state).lower()}"
            for state, n in counts.items()
            if n
        )
        out.print(
            f"{found['name']}: launch settings v{status['settingsVersion']}; "
            f"{summary or 'no servers'} (checked {when(status['checkedAt'])})"
        )
        table(
            None,
            ["server", "hostname", "state", "differs", "held now", "last applied"],
            [
                [
                    s["sourceServerId"],
                    s["hostname"],
                    display.label(display.LAUNCH_SYNC, s["state"]),
                    ", ".join(s["differing"]) or display.NONE,
                    s["error"] or _held(s["held"]),
                    when(s["lastAppliedAt"]),
                ]
                for s in status["servers"]
            ],
        )
    if fail_on_drift and any(s["state"] != "IN_SYNC" for s in status["servers"]):
        raise typer.Exit(3)


def _held(held: dict[str, Any]) -> str:
    return "; ".join(f"{k}={display.NONE if v is None else v}" for k, v in held.items()) or (
        display.NONE
    )
