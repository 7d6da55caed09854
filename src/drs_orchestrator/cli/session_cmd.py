"""`login`, `password`, `servers`, `users`: signing in, discovery, and user administration."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from drs_orchestrator.cli.api_client import Api, api_url, save_credentials
from drs_orchestrator.cli.output import (
    ApiOption,
    JsonOption,
    api_errors,
    emit_json,
    out,
    table,
    when,
)
from drs_orchestrator.domain import display


@api_errors
def login(
    username: Annotated[
        str | None, typer.Option(metavar="NAME", help="Asked for when omitted.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(metavar="PASSWORD", help="Asked for (hidden) when omitted; prefer that."),
    ] = None,
    api: ApiOption = None,
) -> None:
    """Sign in and keep the token for later commands."""
    username = username or typer.prompt("Username")
    password = password or typer.prompt("Password", hide_input=True)
    client = Api(api, token="")
    answer = client.json("POST", "/auth/token", data={"username": username, "password": password})
    path = save_credentials(api_url(api), answer["access_token"])
    out.print(f"Signed in as {username} at {client.url}; token saved to {path}")
    if not answer.get("password_change_required"):
        return
    if not sys.stdin.isatty():
        out.print(
            "This password is a one-time one: nothing else is allowed until you change it with "
            "`drs-orchestrator password`."
        )
        return
    out.print("This password is a one-time one: choose your own now.")
    new = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    _change_password(api, password, new)


def _change_password(api: str | None, current: str, new: str) -> None:
    answer = Api(api).json(
        "POST", "/auth/password", json={"currentPassword": current, "newPassword": new}
    )
    path = save_credentials(api_url(api), answer["access_token"])
    out.print(f"Password changed; earlier tokens no longer work. New token saved to {path}")


@api_errors
def password(
    current: Annotated[
        str, typer.Option(prompt="Current password", hide_input=True, help="Your password now.")
    ],
    new: Annotated[
        str,
        typer.Option(
            prompt="New password", hide_input=True, confirmation_prompt=True, help="At least 8."
        ),
    ],
    api: ApiOption = None,
) -> None:
    """Change your password (first of all, a generated one-time one)."""
    _change_password(api, current, new)


@api_errors
def servers(
    region: Annotated[str, typer.Option(help="AWS region, e.g. us-east-1")],
    account: Annotated[
        str | None, typer.Option(help="Account ID; default the deployment's")
    ] = None,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """DRS source servers in a region, with replication, last drill and group."""
    client = Api(api)
    params = {"region": region, **({"accountId": account} if account else {})}
    items = client.all_pages("/drs/source-servers", **params)
    if as_json:
        emit_json(items)
        return
    rows = [
        (
            s["hostname"],
            s["sourceServerId"],
            display.replication(s["replicationState"]),
            "" if s["lagSeconds"] is None else display.duration(s["lagSeconds"]),
            when(s["lastDrillAt"]) if s["lastDrillAt"] else "never",
            s["protectionGroupName"] or "",
        )
        for s in items
    ]
    table(
        f"DRS source servers in {region}",
        ["hostname", "id", "replication", "lag", "last drill", "group"],
        rows,
    )


users_app = typer.Typer(
    rich_markup_mode=None, help="Local users (admins only).", no_args_is_help=True
)


@users_app.command("list")
@api_errors
def users_list(api: ApiOption = None, as_json: JsonOption = False) -> None:
    """Every local user and their roles."""
    items = Api(api).all_pages("/users")
    if as_json:
        emit_json(items)
        return
    table(
        "Users",
        ["username", "roles", "created"],
        [(u["username"], ", ".join(u["roles"]), when(u["createdAt"])) for u in items],
    )


@users_app.command("create")
@api_errors
def users_create(
    username: str,
    role: Annotated[
        list[str], typer.Option("--role", help="viewer, operator, recovery-admin or admin")
    ],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user with one or more roles (the password is asked for when omitted)."""
    user = Api(api).json(
        "POST", "/users", json={"username": username, "password": password, "roles": role}
    )
    if as_json:
        emit_json(user)
    else:
        out.print(f"Created {user['username']} ({', '.join(user['roles'])})")


@users_app.command("delete")
@api_errors
def users_delete(username: str, api: ApiOption = None) -> None:
    """Delete a user; their tokens stop working."""
    Api(api).call("DELETE", f"/users/{username}")
    out.print(f"Deleted {username}")
