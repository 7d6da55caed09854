"""Where the CLI prints: stdout and stderr consoles that print every message as written.

Rich markup is off, so text that holds brackets (a region pattern `^[a-z]{2}...`, a server's
message, a field path `waves[0]`) is never eaten as markup; style is given by `style=`.

Printed to a file or a pipe, rich would fold tables to 80 columns and break IDs and states
mid-word ("CONTINUOU S"); there, unless COLUMNS says otherwise, lines may be as wide as a
table needs, up to PIPE_WIDTH."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console

PIPE_WIDTH = 200


def _width(stream: TextIO) -> int | None:
    if os.environ.get("COLUMNS") or stream.isatty():
        return None  # rich asks the terminal, or reads COLUMNS
    return PIPE_WIDTH


out = Console(markup=False, highlight=False, soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True, width=_width(sys.stderr))
