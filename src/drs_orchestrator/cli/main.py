"""The `drs-orchestrator` / `drso` entry point."""

from __future__ import annotations

import typer

from .demo_cmd import demo
from .emulator_cmd import emulator

app = typer.Typer(
    name="drs-orchestrator",
    help="Disaster-recovery orchestration for AWS Elastic Disaster Recovery.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(emulator)
app.command()(demo)

if __name__ == "__main__":  # pragma: no cover
    app()
