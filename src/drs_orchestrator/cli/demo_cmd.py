"""`drs-orchestrator demo`: a first look at the product on one machine, no AWS account.

Starts the DRS emulator with the demo estate, drills the three-tier shop wave by wave (db,
app, web: one DRS job per wave), shows each server's progress live, cleans the drill
instances up, then keeps the emulator serving for you to explore.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from drs_orchestrator.drs.client import drs_client
from drs_orchestrator.drs.rehearsal import (
    ServerProgress,
    WaveProgress,
    hostname_of,
    run_waves,
    servers_by_tag,
    terminate_instances,
)
from drs_orchestrator.emulator import Emulator, EmulatorThread, ScaledClock, load_scenario

console = Console()
TIERS = ("db", "app", "web")
STATUS_STYLE = {"LAUNCHED": "green", "FAILED": "red", "IN_PROGRESS": "yellow"}


def _render(waves: list[WaveProgress]) -> Group:
    parts: list[Text | Table] = []
    for wave in waves:
        heading = f"Wave {wave.name}: {wave.job_id or 'waiting'} {wave.job_status}"
        if wave.created is not None and wave.ended is not None:
            minutes, seconds = divmod(int((wave.ended - wave.created).total_seconds()), 60)
            heading += f" in {minutes}m {seconds:02d}s (DRS job time)"
        table = Table(expand=False)
        for column in ("server", "launch status", "phase", "recovery instance"):
            table.add_column(column)
        for s in wave.servers:
            style = STATUS_STYLE.get(s.launch_status, "")
            status = f"[{style}]{s.launch_status}[/]" if style else s.launch_status
            phase = f"{s.phase}: {s.error}" if s.error else s.phase
            table.add_row(s.hostname, status, phase, s.recovery_instance_id or "")
        parts += [Text(heading, style="bold"), table]
    return Group(*parts)


def demo(
    speed: Annotated[float, typer.Option(help="Emulated seconds per wall second.")] = 60.0,
    port: Annotated[int, typer.Option(help="Emulator port; 0 picks a free one.")] = 8787,
    serve: Annotated[bool, typer.Option(help="Keep the emulator serving afterwards.")] = True,
) -> None:
    """Drill the demo shop (db -> app -> web) against the DRS emulator, live."""
    emulator = Emulator(load_scenario("demo"), clock=ScaledClock(speed))
    try:
        server = EmulatorThread(emulator, port=port)
    except OSError:
        server = EmulatorThread(emulator, port=0)  # the usual port is taken: any free one
    endpoint = server.start()
    account = next(iter(emulator.scenario.accounts))
    console.print(f"[bold]DRS emulator[/] on {endpoint} with the demo estate, time x{speed:g}")
    client = drs_client(
        "us-east-1",
        endpoint_url=endpoint,
        access_key_id=account,
        secret_access_key="emulator",
    )
    tiers = servers_by_tag(client, "Tier")
    waves = [
        WaveProgress(
            tier,
            [ServerProgress(s["sourceServerID"], hostname_of(s)) for s in tiers.get(tier, [])],
        )
        for tier in TIERS
    ]
    console.print(
        "Drilling the shop: one DRS job per wave, each wave after the one before completes.\n"
    )
    tags = {"ManagedBy": "drs-orchestrator", "DRS:ExecutionType": "DRILL", "DRS:PlanName": "shop"}
    with Live(_render(waves), console=console, refresh_per_second=4) as live:
        run_waves(client, waves, tags, lambda: live.update(_render(waves)))
    launched = [s.recovery_instance_id for w in waves for s in w.servers if s.recovery_instance_id]
    failed = [s for w in waves for s in w.servers if s.launch_status == "FAILED"]
    console.print(
        f"\nDrill complete: {len(launched)} recovery instances launched, {len(failed)} failed."
    )
    if launched:
        jobs = terminate_instances(client, launched)
        console.print(f"Cleaning up the drill instances (DRS never does): {', '.join(jobs)}")
    if not serve:
        server.stop()
        return
    console.print(
        f"\nThe emulator keeps serving. Explore it with boto3 or the AWS CLI:\n"
        f"  export AWS_ENDPOINT_URL_DRS={endpoint}\n"
        f"  export AWS_ACCESS_KEY_ID={account} AWS_SECRET_ACCESS_KEY=emulator "
        f"AWS_DEFAULT_REGION=us-east-1\n"
        f"  Admin API: {endpoint}/_emulator/state\n"
        "Press Ctrl-C to stop.",
        highlight=False,
        soft_wrap=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
