"""Human tables by default, JSON for scripts; API failures reported, not raised."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from drs_orchestrator.cli.api_client import ApiError, report

out = Console()
P = ParamSpec("P")
R = TypeVar("R")

ApiOption = Annotated[
    str | None, typer.Option("--api", help="API base URL [env DRSO_API_URL; default: last login]")
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
    print(json.dumps(data, indent=2))


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title)
    for c in columns:
        t.add_column(c)
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    out.print(t)


def err_exit(message: str, code: int = 1) -> NoReturn:
    Console(stderr=True).print(f"[red]{message}[/]")
    raise typer.Exit(code)
