"""Human tables by default, JSON for scripts; API failures reported, not raised.

Everything printed goes through the consoles of cli/consoles.py (markup off: messages are
printed as written) and says things with domain/display.py (the console's words)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.table import Table
from rich.text import Text

from drs_orchestrator.cli.api_client import ApiError, report
from drs_orchestrator.cli.consoles import err, out
from drs_orchestrator.domain import display

__all__ = ["err", "out"]
P = ParamSpec("P")
R = TypeVar("R")

ApiOption = Annotated[
    str | None,
    typer.Option(
        "--api", metavar="URL", help="API base URL (env DRSO_API_URL; default: the last login's)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def api_errors(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ApiError as error:
            report(error)
            raise typer.Exit(1) from None

    return run


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2), flush=True)


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Cells wrap (long IDs fold) rather than being cut with an ellipsis."""
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold", no_wrap=c == "id")  # an ID reads whole
    for row in rows:
        t.add_row(*(v if isinstance(v, Text) else Text("" if v is None else str(v)) for v in row))
    out.print(t)


def cli_name() -> str:
    """The command as it was typed (`.venv/bin/drs-orchestrator` from the project folder), so
    the commands suggested can be pasted as they are."""
    typed = sys.argv[0] if sys.argv else ""
    return typed if Path(typed).name in {"drs-orchestrator", "drso"} else "drs-orchestrator"


def err_exit(message: str, code: str, status: int = 1) -> NoReturn:
    """A refusal the CLI decides itself, with a stable code as the API's refusals have."""
    err.print(f"{code}: {message}", style="red")
    raise typer.Exit(status)


def when(value: str | None) -> str:
    """An API timestamp in this machine's zone, named: `2026-12-01 20:10:05 CET`."""
    if not value:
        return display.NONE
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    return display.moment(at.astimezone())
