"""The CLI starts without the server: `--version`, `login` or `run` must not wait for the
API, the engine, DBOS or the emulator to be imported (that took 2.7 s a call)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = [
    "drs_orchestrator.api.services",
    "drs_orchestrator.engine.runner",
    "drs_orchestrator.emulator",
    "dbos",
    "uvicorn",
    "fastapi",
    "moto",
]


def test_the_cli_imports_no_server_module_to_start() -> None:
    probe = (
        f"import sys, drs_orchestrator.cli.main\nprint([m for m in {HEAVY!r} if m in sys.modules])"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]", found.stdout
