"""The import contracts (pyproject.toml, [tool.importlinter]) say what design.md §2 says, and
they really break: lint-imports run on a copy of the package passes untouched and fails, naming
the contract, once a wrong import is written in, also into a part of ours added later."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest

import drs_orchestrator

pytestmark = pytest.mark.unit

PACKAGE = Path(drs_orchestrator.__file__).parent
PYPROJECT = PACKAGE.parents[1] / "pyproject.toml"

EMULATOR = "The emulator is independent: it imports nothing else of ours"
DOMAIN = "The domain is pure: nothing of ours, no I/O frameworks"
CORE = "The engine's functional core is pure: only the domain of ours, no I/O, no DBOS"
ROOT = "Nor do they import the package's root module"
API = "The api reaches the store and the database only through service/"
ROUTES = "Routers do not import one another: what they share is in api/schemas.py"

# Runtime dependencies the pure parts may use: the domain's models and validation, the
# engine's state documents.
ALLOWED_IN_PURE_PARTS = {"pydantic"}


def _pyproject() -> dict[str, Any]:
    with PYPROJECT.open("rb") as file:
        return tomllib.load(file)


def _contract(name: str) -> dict[str, Any]:
    contracts = _pyproject()["tool"]["importlinter"]["contracts"]
    [found] = [c for c in contracts if c["name"] == name]
    return found


def _canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _runtime_imports() -> set[str]:
    """The top-level modules that [project].dependencies install (private ones aside)."""
    wanted = {
        _canonical(re.split(r"[^A-Za-z0-9._-]", d, maxsplit=1)[0])
        for d in _pyproject()["project"]["dependencies"]
    }
    found: dict[str, set[str]] = {}
    for module, distributions in packages_distributions().items():
        for distribution in map(_canonical, distributions):
            if distribution in wanted and not module.startswith("_"):
                found.setdefault(distribution, set()).add(module)
    assert set(found) == wanted, f"no module found for {sorted(wanted - set(found))}"
    return set().union(*found.values())


@pytest.mark.parametrize("name", [DOMAIN, CORE])
def test_pure_parts_forbid_every_runtime_dependency_but_pydantic(name: str) -> None:
    external = {m for m in _contract(name)["forbidden_modules"] if "drs_orchestrator" not in m}
    assert external == _runtime_imports() - ALLOWED_IN_PURE_PARTS


def _copy_of_the_package(tmp_path: Path) -> Path:
    """src/drs_orchestrator's Python files and pyproject.toml, under tmp_path."""
    src = tmp_path / "src"
    for path in PACKAGE.rglob("*.py"):
        target = src / "drs_orchestrator" / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(PYPROJECT, tmp_path / "pyproject.toml")
    return src


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the copy: it puts its working directory first on sys.path."""
    program = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(program), "--config", str(src.parent / "pyproject.toml"), "--no-cache"],
        cwd=src,
        env={**os.environ, "PYTHONPATH": str(src), "COLUMNS": "1000"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _sections(output: str) -> dict[str, str]:
    """lint-imports' report by heading (a line underlined with dashes of its length)."""
    lines = output.splitlines()
    starts = [
        i
        for i in range(len(lines) - 1)
        if lines[i] and lines[i + 1] == "-" * len(lines[i].rstrip())
    ]
    return {
        lines[start].rstrip(): "\n".join(lines[start + 2 : end])
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)
    }


def test_the_untouched_copy_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint_imports(_copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken." in result.stdout


_OURS = "drs_orchestrator"
WRONG_IMPORTS = [
    # (module, a line written at its end, the contract it breaks, the import in the report)
    ("domain/graph.py", "import dbos", DOMAIN, "domain.graph -> dbos"),
    ("domain/rto.py", "import yaml", DOMAIN, "domain.rto -> yaml"),
    ("domain/plans.py", f"from {_OURS}.store import db", DOMAIN, "domain.plans -> .store.db"),
    ("domain/plans.py", f"import {_OURS}.later", DOMAIN, "domain.plans -> .later"),
    (
        "emulator/clock.py",
        f"from {_OURS}.engine import clock",
        EMULATOR,
        "emulator.clock -> .engine.clock",
    ),
    (
        "emulator/ids.py",
        f"from {_OURS}.reports import html",
        EMULATOR,
        "emulator.ids -> .reports.html",
    ),
    ("emulator/jobs.py", f"import {_OURS}.later", EMULATOR, "emulator.jobs -> .later"),
    ("engine/core/admission.py", "import dbos", CORE, "engine.core.admission -> dbos"),
    (
        "engine/core/cadence.py",
        f"from {_OURS}.engine import clock",
        CORE,
        "engine.core.cadence -> .engine.clock",
    ),
    ("engine/core/freeze.py", f"import {_OURS}.later", CORE, "engine.core.freeze -> .later"),
    ("domain/display.py", f"from {_OURS} import __version__", ROOT, "domain.display -> ."),
    (
        "api/routes/audit.py",
        f"from {_OURS}.store import audit",
        API,
        "api.routes.audit -> .store.audit",
    ),
    ("api/app.py", "import sqlalchemy", API, "api.app -> sqlalchemy"),
    (
        "api/routes/groups.py",
        f"from {_OURS}.api.routes import discovery",
        ROUTES,
        "api.routes.groups -> .api.routes.discovery",
    ),
]


@pytest.mark.parametrize(("module", "line", "contract", "named"), WRONG_IMPORTS)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str, named: str
) -> None:
    """`named` is the import reported: the importer in drs_orchestrator, then the imported
    module (".x": drs_orchestrator.x, ".": drs_orchestrator itself)."""
    src = _copy_of_the_package(tmp_path)
    # A part of ours that does not exist yet: "drs_orchestrator.*" covers it too.
    (src / _OURS / "later").mkdir()
    (src / _OURS / "later" / "__init__.py").write_text('"""Added later."""\n')
    with (src / _OURS / module).open("a") as file:
        file.write(f"\n{line}\n")

    result = _lint_imports(src)

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"^{re.escape(contract)} BROKEN", result.stdout, re.MULTILINE)
    importer, imported = named.split(" -> ")
    if imported.startswith("."):
        imported = _OURS + imported.rstrip(".")
    report = _sections(result.stdout)[contract]
    assert f" {_OURS}.{importer} -> {imported} (l." in report, result.stdout
