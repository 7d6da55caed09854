"""The wave dependency graph: cycles, order and the critical path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycle(edges: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle as the names along it, first name repeated at the end; None when acyclic.

    Edges point from a wave to the waves it depends on; unknown names are ignored (they are
    reported separately).
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(edges, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in colour:
                continue
            if colour[nxt] == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour[nxt] == white and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        colour[node] = black
        return None

    for node in edges:
        if colour[node] == white and (cycle := visit(node)):
            return cycle
    return None


def levels(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Waves grouped by how many dependency steps precede them (acyclic graphs only)."""
    depth: dict[str, int] = {}

    def depth_of(node: str) -> int:
        if node not in depth:
            parents = [p for p in edges[node] if p in edges]
            depth[node] = 1 + max((depth_of(p) for p in parents), default=-1)
        return depth[node]

    for node in edges:
        depth_of(node)
    out: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in edges:
        out[depth[node]].append(node)
    return out


def critical_path(
    edges: Mapping[str, Sequence[str]], duration: Mapping[str, float]
) -> tuple[float, list[str]]:
    """The longest chain of dependent waves and its total duration (acyclic graphs only)."""
    finish: dict[str, tuple[float, list[str]]] = {}

    def finish_of(node: str) -> tuple[float, list[str]]:
        if node not in finish:
            parents = [finish_of(p) for p in edges[node] if p in edges]
            before, path = max(parents, default=(0.0, []), key=lambda t: t[0])
            finish[node] = (before + duration[node], [*path, node])
        return finish[node]

    return max((finish_of(n) for n in edges), default=(0.0, []), key=lambda t: t[0])
