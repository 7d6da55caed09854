"""Where the CLI prints: stdout and stderr consoles that print every message as written.

Rich markup is off, so text that holds brackets (a region pattern `^[a-z]{2}...`, a server's
message, a field path `waves[0]`) is never eaten as markup; style is given by `style=`."""

from __future__ import annotations

from rich.console import Console

out = Console(markup=False, highlight=False, soft_wrap=True)
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)
