"""`schemathesis run --checks all` over every operation, as each role and as nobody: no
input may make the server fail (no 5xx), and every answer must match the OpenAPI document
(status codes, content types, schemas, Allow headers, auth enforced, resources gone after a
delete). One check stands in for `positive_data_acceptance`: see schemathesis_hooks.py.

It runs the real CLI against the live server (over HTTP, talking to the emulator, with the
engine running), so what is checked is what a user of the API meets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from drs_orchestrator.api.services import Services

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[3]
ARTIFACTS = ROOT / "test-artifacts"
ROLES = [None, "viewer", "operator", "recovery-admin", "admin"]
SEED = "20261201"


@pytest.fixture
def services(engine_services: Services) -> Services:
    return engine_services


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_operation_passes_every_check(
    role: str | None,
    admin: httpx.Client,
    as_role: Callable[[str], httpx.Client],
    api_url: str,
    tmp_path: Path,
) -> None:
    client = None if role is None else admin if role == "admin" else as_role(role)
    auth = ["-H", f"Authorization: {client.headers['Authorization']}"] if client else []
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{api_url}/openapi.json",
        "--checks", "all",
        "--exclude-checks", "positive_data_acceptance",
        "--max-examples", "5",
        "--seed", SEED,
        "--workers", "1",
        "--no-color",
        *auth,
    ]  # fmt: skip
    # Run from a directory of its own: schemathesis keeps a cache of past failures in its
    # working directory (.schemathesis/), which must neither dirty the checkout nor replay
    # another run's cases; the hooks module is found through PYTHONPATH.
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.integration.api.schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"schemathesis-{role or 'anonymous'}.txt").write_text(done.stdout)
    failures = done.stdout.split("= FAILURES =")[-1].split("= WARNINGS =")[0]
    assert done.returncode == 0, failures[:20000] or done.stdout[-5000:]
