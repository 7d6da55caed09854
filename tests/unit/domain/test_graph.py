"""The wave graph: cycles are found and named, levels and the critical path respect order."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drs_orchestrator.domain import graph

pytestmark = pytest.mark.unit


@st.composite
def dags(draw: st.DrawFn) -> dict[str, list[str]]:
    """Random acyclic graphs: each node depends only on nodes before it."""
    n = draw(st.integers(1, 12))
    names = [f"w{i}" for i in range(n)]
    return {
        name: draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
        for i, name in enumerate(names)
    }


@given(dags())
def test_acyclic_graphs_have_no_cycle_and_levels_follow_dependencies(
    edges: dict[str, list[str]],
) -> None:
    assert graph.find_cycle(edges) is None
    level_of = {n: i for i, level in enumerate(graph.levels(edges)) for n in level}
    assert set(level_of) == set(edges)
    for node, deps in edges.items():
        assert all(level_of[d] < level_of[node] for d in deps)
        if deps:
            assert level_of[node] == 1 + max(level_of[d] for d in deps)


@given(dags(), st.data())
def test_a_back_edge_makes_a_cycle_made_of_real_edges(
    edges: dict[str, list[str]], data: st.DataObject
) -> None:
    names = list(edges)
    # pick a node with an ancestor path and add an edge from an ancestor back to it
    with_deps = [n for n in names if edges[n]]
    if not with_deps:
        edges[names[0]] = [names[0]]
        assert graph.find_cycle(edges) == [names[0], names[0]]
        return
    node = data.draw(st.sampled_from(with_deps))
    ancestor = data.draw(st.sampled_from(edges[node]))
    edges[ancestor] = [*edges[ancestor], node]
    cycle = graph.find_cycle(edges)
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    for a, b in itertools.pairwise(cycle):
        assert b in edges[a]


@given(dags(), st.data())
def test_critical_path_is_the_longest_chain(
    edges: dict[str, list[str]], data: st.DataObject
) -> None:
    duration = {n: data.draw(st.floats(1, 100)) for n in edges}
    total, path = graph.critical_path(edges, duration)
    assert total == pytest.approx(sum(duration[n] for n in path))
    for a, b in itertools.pairwise(path):
        assert a in edges[b]
    # no single wave takes longer than the whole critical path
    assert total >= max(duration.values()) - 1e-9


def test_the_named_cycle() -> None:
    assert graph.find_cycle({"DB": ["Web"], "App": ["DB"], "Web": ["App"]}) == [
        "DB",
        "Web",
        "App",
        "DB",
    ]
