"""`drs-orchestrator serve`: the API (and, with --demo, the DRS emulator and a demo plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drs_orchestrator.cli.consoles import err


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8080,
    demo: Annotated[
        bool, typer.Option(help="Also run the DRS emulator in-process with its demo estate.")
    ] = False,
    emulator_speed: Annotated[
        float, typer.Option(min=1, max=10000, help="Emulated seconds per second (--demo).")
    ] = 60.0,
    tls_cert: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Serve HTTPS with this certificate (PEM)."),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="The certificate's private key (PEM)."),
    ] = None,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Proxies whose X-Forwarded-For/-Proto are trusted (comma-separated addresses)."
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the REST API; configuration from DRSO_* variables (see docs/operations.md)."""
    if (tls_cert is None) != (tls_key is None):
        err.print("--tls-cert and --tls-key go together", style="red")
        raise typer.Exit(2)
    from drs_orchestrator.cli import server_run  # the server's modules, only when serving

    server_run.run(
        host=host,
        port=port,
        demo=demo,
        emulator_speed=emulator_speed,
        tls_cert=tls_cert,
        tls_key=tls_key,
        forwarded_allow_ips=forwarded_allow_ips,
    )
