"""`keys`: the JWT signing keys, run on a server host against its database (like `serve`).

The server's modules are imported when a key command runs, not when the CLI starts: every
other command stays quick to start."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from drs_orchestrator.cli.consoles import out as console

if TYPE_CHECKING:
    from drs_orchestrator.api.services import Services

app = typer.Typer(
    rich_markup_mode=None,
    help="JWT signing keys (on a server host; DRSO_* configuration as for `serve`).",
    no_args_is_help=True,
)


def _services() -> Services:
    from drs_orchestrator.api.services import Services, StartupError
    from drs_orchestrator.config import Settings

    try:
        return Services.build(Settings())
    except StartupError as error:
        console.print(f"Cannot open the database: {error}", style="red")
        raise typer.Exit(2) from None


@app.command("rotate")
def rotate() -> None:
    """Sign new tokens with a new key. Tokens signed before keep working until they expire;
    keys no token can still need (superseded longer ago than DRSO_TOKEN_TTL_SECONDS) are
    deleted. Every worker picks the new key up within a minute."""
    services = _services()
    kid, retired = services.issuer.rotate()
    console.print(f"New signing key {kid}.")
    if retired:
        console.print(f"Retired: {', '.join(retired)}.")


@app.command("reseal")
def reseal() -> None:
    """Seal every signing key under the first secret of DRSO_SECRET_KEY (also done at every
    start): step two of rotating the secret key, before the old secret is dropped."""
    _services()  # building the services reseals
    console.print("Every signing key is sealed under the newest secret.")
