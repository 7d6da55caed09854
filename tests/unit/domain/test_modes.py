"""The mode table: every mode has its row, and the rows say what the product promises."""

from __future__ import annotations

import pytest

from drs_orchestrator.domain.executions import Mode
from drs_orchestrator.domain.modes import MODES, LaunchCall, policy
from drs_orchestrator.domain.roles import Permission

pytestmark = pytest.mark.unit


def test_every_mode_has_a_row_named_for_it() -> None:
    assert set(MODES) == set(Mode)
    assert all(policy(mode).mode == mode for mode in Mode)


def test_a_recovery_is_guarded_and_a_drill_is_disposable() -> None:
    recovery, drill = policy(Mode.RECOVERY), policy(Mode.DRILL)
    assert recovery.permission == Permission.RUN_RECOVERY
    assert recovery.confirm_plan_name
    assert recovery.terminate_permission == Permission.TERMINATE
    assert recovery.awaits_post_launch
    assert not recovery.scheduled_cleanup
    assert recovery.launch == LaunchCall.START_RECOVERY
    assert drill.permission == Permission.RUN_DRILL
    assert drill.terminate_permission is None
    assert drill.scheduled_cleanup
    assert drill.launch == LaunchCall.START_DRILL
