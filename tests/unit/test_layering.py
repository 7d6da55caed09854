"""The emulator stands alone: it imports nothing else of ours (import-linter checks the
named packages; this also covers packages added later)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import drs_orchestrator.emulator

pytestmark = pytest.mark.unit


def test_emulator_imports_nothing_else_from_drs_orchestrator() -> None:
    root = Path(drs_orchestrator.emulator.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith("drs_orchestrator")
                and not n.startswith("drs_orchestrator.emulator")
            ]
    assert offenders == []
