"""`pg list|show|create|delete`, `pg launch-settings show|set`: protection groups."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
import yaml

from drs_orchestrator.cli.api_client import Api
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

app = typer.Typer(rich_markup_mode=None, help="Protection groups.", no_args_is_help=True)


def find(client: Api, name_or_id: str) -> dict[str, Any]:
    """A group by ID or by name (any case)."""
    groups = client.all_pages("/protection-groups")
    for group in groups:
        if name_or_id == group["id"] or group["name"].casefold() == name_or_id.casefold():
            return group
    return err_exit(f"No protection group named or with ID {name_or_id!r}", "GROUP_NOT_FOUND")


@app.command("list")
@api_errors
def list_groups(api: ApiOption = None, as_json: JsonOption = False) -> None:
    """Every protection group, with how its servers are chosen."""
    items = Api(api).all_pages("/protection-groups")
    if as_json:
        emit_json(items)
        return
    rows = []
    for g in items:
        how = (
            "tags " + json.dumps(g["serverSelector"]["tags"]) if g["serverSelector"] else "explicit"
        )
        rows.append((g["name"], g["region"], g["accountId"], len(g["serverIds"]), how, g["id"]))
    table("Protection groups", ["name", "region", "account", "servers", "selection", "id"], rows)


@app.command()
@api_errors
def show(group: str, api: ApiOption = None, as_json: JsonOption = False) -> None:
    """One group and its servers now."""
    client = Api(api)
    found = find(client, group)
    if as_json:
        emit_json(found)
        return
    out.print(
        f"{found['name']} ({found['id']}) {found['region']} v{found['version']}", style="bold"
    )
    servers = client.json("GET", "/drs/source-servers", params={"protectionGroupId": found["id"]})[
        "items"
    ]
    table(
        None,
        ["hostname", "id", "replication"],
        [
            (s["hostname"], s["sourceServerId"], display.replication(s["replicationState"]))
            for s in servers
        ],
    )


@app.command()
@api_errors
def create(
    name: str,
    region: Annotated[str, typer.Option()],
    server: Annotated[
        list[str] | None, typer.Option("--server", help="Source server ID (repeat)")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="KEY=VALUE selector (repeat)")
    ] = None,
    description: Annotated[str, typer.Option()] = "",
    account: Annotated[str | None, typer.Option()] = None,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a group from explicit servers (--server) or a tag selector (--tag)."""
    body: dict[str, Any] = {"name": name, "region": region, "description": description}
    if account:
        body["accountId"] = account
    if server:
        body["sourceServerIds"] = server
    if tag:
        pairs = [t.split("=", 1) for t in tag]
        if any(len(p) != 2 for p in pairs):
            out.print("--tag takes KEY=VALUE", style="red")
            raise typer.Exit(2)
        body["serverSelector"] = {"tags": dict(pairs)}
    group = Api(api).json("POST", "/protection-groups", json=body)
    if as_json:
        emit_json(group)
    else:
        servers = display.plural(len(group["serverIds"]), "server")
        out.print(f"Created {group['name']} ({group['id']}) with {servers}")


@app.command()
@api_errors
def delete(group: str, api: ApiOption = None) -> None:
    """Delete a group that no plan uses."""
    client = Api(api)
    found = find(client, group)
    client.call(
        "DELETE", f"/protection-groups/{found['id']}", headers={"If-Match": f'"{found["version"]}"'}
    )
    out.print(f"Deleted {found['name']}")


launch = typer.Typer(
    rich_markup_mode=None,
    help="A group's launch settings: defaults, subnet and tag rules, per-server overrides.",
    no_args_is_help=True,
)
app.add_typer(launch, name="launch-settings")


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
