"""The `drs-orchestrator` / `drso` entry point."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from . import help as help_words
from .emulator_cmd import emulator
from .keys_cmd import app as keys_app
from .openapi_cmd import openapi
from .pg_cmd import app as pg_app
from .plan_cmd import app as plan_app
from .run_cmd import app as executions_app
from .run_cmd import report, run
from .serve_cmd import serve
from .session_cmd import login, password, servers, users_app

app = typer.Typer(
    rich_markup_mode=None,
    name="drs-orchestrator",
    help="Disaster-recovery orchestration for AWS Elastic Disaster Recovery.",
    no_args_is_help=True,
    add_completion=False,
)

help_words.install()


def _version(shown: bool) -> None:
    if shown:
        print(f"drs-orchestrator {version('drs-orchestrator')}")
        raise typer.Exit()


@app.callback()
def main(
    _: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Disaster-recovery orchestration for AWS Elastic Disaster Recovery."""


app.command()(serve)
app.command()(emulator)
app.command()(login)
app.command()(password)
app.command()(servers)
app.command()(run)
app.command()(report)
app.command()(openapi)
app.add_typer(pg_app, name="pg")
app.add_typer(plan_app, name="plan")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(executions_app, name="executions")

if __name__ == "__main__":  # pragma: no cover
    app()
