"""Stored execution documents carry their schema version and migrate when loaded."""

from __future__ import annotations

import pytest

from drs_orchestrator.engine.core.state import SCHEMA_VERSION, load_state
from tests.unit.engine.core.test_machine import group, new, plan, wave

pytestmark = pytest.mark.unit


def version_1(status: str) -> dict[str, object]:
    """A document as version 1 stored it: no schemaVersion, and pauseRequested."""
    document = new(plan(wave("DB", "db")), [group("db", 0, 1)]).model_dump(
        mode="json", by_alias=True
    )
    del document["schemaVersion"]
    return {**document, "status": status, "pauseRequested": True, "pausedReason": "Paused by bob"}


def test_a_version_1_document_that_was_paused_then_cancelled_loads_without_its_pause() -> None:
    state = load_state(version_1("CANCELLED"))
    assert state.schema_version == SCHEMA_VERSION == 2
    assert state.paused_reason is None
    assert "pauseRequested" not in state.model_dump(by_alias=True)


def test_a_version_1_document_still_paused_keeps_its_reason() -> None:
    state = load_state(version_1("PAUSED"))
    assert state.paused_reason == "Paused by bob"


def test_a_current_document_loads_as_it_is() -> None:
    current = new(plan(wave("DB", "db")), [group("db", 0, 1)])
    assert load_state(current.model_dump(mode="json", by_alias=True)) == current
