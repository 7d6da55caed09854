"""The emulator's modules import one another without a cycle, imports made only for type checking
(under `if TYPE_CHECKING:`) included: each module can be read, tested and changed knowing only
the modules below it. The operation handlers, say, take a `Call` (context.py), not the Emulator.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import grimp
import pytest

pytestmark = pytest.mark.unit

EMULATOR = "drs_orchestrator.emulator"


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The import cycles among `package` and its modules: each set of modules that reach one
    another through imports (Tarjan's strongly connected components), sorted."""
    modules = sorted(graph.find_descendants(package) | {package})
    inside = set(modules)
    imports = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in imports[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in imports[module]:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return sorted(found)


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    members = set(cycle)
    return "; ".join(
        f"{m} -> {', '.join(sorted(graph.find_modules_directly_imported_by(m) & members))}"
        for m in cycle
    )


def test_no_import_cycle_among_the_emulators_modules() -> None:
    graph = grimp.build_graph("drs_orchestrator", cache_dir=None)
    assert EMULATOR in graph.modules
    assert len(graph.find_descendants(EMULATOR)) > 10  # the emulator's modules were all read
    cycles = _cycles(graph, EMULATOR)
    assert not cycles, "import cycles in the emulator: " + " | ".join(
        _describe(graph, c) for c in cycles
    )


def test_the_check_sees_a_cycle_made_only_for_type_checking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above would catch the emulator's old cycle: a module importing another at run
    time, which imports it back only under `if TYPE_CHECKING:`."""
    package = tmp_path / "cyclic_sample"
    package.mkdir()
    files = {
        "__init__.py": "",
        "engine.py": "from .handlers import HANDLERS\n",
        "handlers.py": """
            from typing import TYPE_CHECKING

            from .leaf import VALUE

            if TYPE_CHECKING:
                from .engine import Engine

            HANDLERS = {"x": VALUE}
            """,
        "leaf.py": "VALUE = 1\n",
    }
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclic_sample", cache_dir=None)
    assert _cycles(graph, "cyclic_sample") == [["cyclic_sample.engine", "cyclic_sample.handlers"]]
