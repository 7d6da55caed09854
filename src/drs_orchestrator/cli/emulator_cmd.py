"""`drs-orchestrator emulator`: serve the DRS emulator for rehearsals and tests."""

from __future__ import annotations

from typing import Annotated

import typer

from drs_orchestrator.cli.consoles import out as console


def emulator(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8787,
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario name (demo) or a YAML/JSON scenario file.")
    ] = "demo",
    speed: Annotated[
        float | None,
        typer.Option(help="Emulated seconds per wall-clock second (default 1: real time)."),
    ] = None,
    clock: Annotated[
        str, typer.Option(help="'scaled' (wall clock x speed) or 'manual' (advanced by API).")
    ] = "scaled",
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    strict: Annotated[
        bool, typer.Option(help="Check every response against the botocore model.")
    ] = False,
    ec2: Annotated[
        bool,
        typer.Option(
            help="Also keep and serve EC2 (moto's): launch templates, recovered instances."
        ),
    ] = True,
    ec2_port: Annotated[int, typer.Option(help="Port for EC2 and IAM; 0 picks a free one.")] = 8788,
) -> None:
    """Serve an emulated AWS DRS that real boto3 clients talk to."""
    # The emulator (moto, DBOS-free but heavy) is imported only by the command that runs it.
    from drs_orchestrator.emulator import Emulator, ManualClock, ScaledClock, ScenarioError
    from drs_orchestrator.emulator import load_scenario as load
    from drs_orchestrator.emulator.server import bind, endpoint_of, serve_forever

    if clock not in ("scaled", "manual"):
        raise typer.BadParameter("choose 'scaled' or 'manual'", param_hint="--clock")
    if clock == "manual" and speed is not None:
        raise typer.BadParameter("--speed goes with the scaled clock, not --clock manual")
    if speed is not None and speed <= 0:
        raise typer.BadParameter("must be positive", param_hint="--speed")
    try:
        chosen = load(scenario)
    except ScenarioError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scenario") from exc
    if seed is not None:
        chosen = chosen.model_copy(update={"seed": seed})
    the_clock = ManualClock() if clock == "manual" else ScaledClock(speed or 1.0)
    try:
        emu = Emulator(chosen, clock=the_clock, strict=strict, ec2=ec2)
    except RuntimeError as error:  # moto (EC2) is not installed
        raise typer.BadParameter(str(error), param_hint="--ec2") from error
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise typer.BadParameter(f"cannot listen on {host}:{port}: {exc}") from exc
    ec2_endpoint = None
    if ec2:
        from drs_orchestrator.emulator.ec2 import Ec2Server

        try:
            chosen_port = ec2_port if ec2_port is not None else (port + 1 if port else 0)
            counts = emu.ec2.counts if emu.ec2 is not None else None
            ec2_server = Ec2Server(emu.lock, host, chosen_port, counts=counts)
        except OSError as exc:
            raise typer.BadParameter(f"cannot listen on {host}:{chosen_port}: {exc}") from exc
        ec2_endpoint = ec2_server.start()
    endpoint = endpoint_of(sock)
    account = next(iter(chosen.accounts))
    mode = "manual clock" if clock == "manual" else f"speed x{speed or 1.0:g}"
    console.print(f"DRS emulator listening on {endpoint} ({scenario}, {mode})", highlight=False)
    console.print(f"export AWS_ENDPOINT_URL_DRS={endpoint}", highlight=False, soft_wrap=True)
    console.print(
        f"export AWS_ACCESS_KEY_ID={account} AWS_SECRET_ACCESS_KEY=emulator "
        "AWS_DEFAULT_REGION=us-east-1",
        highlight=False,
        soft_wrap=True,
    )
    if ec2_endpoint is not None:
        console.print(
            f"export AWS_ENDPOINT_URL_EC2={ec2_endpoint} AWS_ENDPOINT_URL_IAM={ec2_endpoint}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"Admin API: {endpoint}/_emulator/state", highlight=False)
    serve_forever(emu, sock)
