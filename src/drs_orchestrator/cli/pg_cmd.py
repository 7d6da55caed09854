"""`pg list|show|create|delete`: protection groups (`pg launch-settings`: launch_cmd.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from drs_orchestrator.cli.api_client import Api
from drs_orchestrator.cli.launch_cmd import launch
from drs_orchestrator.cli.lookup import find_group as find
from drs_orchestrator.cli.output import (
    ApiOption,
    JsonOption,
    api_errors,
    emit_json,
    out,
    table,
)
from drs_orchestrator.domain import display

app = typer.Typer(rich_markup_mode=None, help="Protection groups.", no_args_is_help=True)


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


app.add_typer(launch, name="launch-settings")
