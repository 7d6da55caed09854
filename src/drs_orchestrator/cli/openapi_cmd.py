"""`drs-orchestrator openapi`: the API's OpenAPI document, which the console's types come from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def openapi(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Print the OpenAPI document (no database or server needed)."""
    from drs_orchestrator.api.app import openapi_document  # the whole API: only when asked

    text = json.dumps(openapi_document(), indent=1, sort_keys=True) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
