"""The `drs-orchestrator` / `drso` entry point."""

from __future__ import annotations

import typer

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
    name="drs-orchestrator",
    help="Disaster-recovery orchestration for AWS Elastic Disaster Recovery.",
    no_args_is_help=True,
    add_completion=False,
)
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
