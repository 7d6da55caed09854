"""The server's start-up."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from drs_orchestrator.api.app import settle_heap


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("thawed")
def test_settling_the_heap_takes_what_lives_now_out_of_the_collector_s_scans() -> None:
    assert gc.get_freeze_count() == 0
    gc.collect()  # what settle_heap collects first, so that what is alive now is counted
    alive = len(gc.get_objects())

    settle_heap()

    assert gc.get_freeze_count() >= alive * 0.99
    assert len(gc.get_objects()) < alive * 0.01  # the collector no longer scans them
