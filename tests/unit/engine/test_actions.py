"""The shell keeps one runner per hook type that runs outside, and one caller per DRS launch."""

from __future__ import annotations

import pytest

from drs_orchestrator.domain.hooks import HOOK_CLASSES
from drs_orchestrator.domain.modes import LaunchCall
from drs_orchestrator.engine import actions

pytestmark = pytest.mark.unit


def test_every_external_hook_type_has_exactly_one_runner() -> None:
    external = {name for name, cls in HOOK_CLASSES.items() if cls.CAPABILITIES.external}
    assert set(actions._HOOK_RUNNERS) == external


def test_every_launch_call_of_the_mode_table_has_a_caller() -> None:
    assert set(actions._LAUNCHERS) == set(LaunchCall)
