"""Hook types declare what running them takes; the list of types is read from the union."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter

from drs_orchestrator.domain.hooks import HOOK_CLASSES, HOOK_TYPES, Hook, HttpCheck

pytestmark = pytest.mark.unit


def test_hook_types_are_the_union_s_members() -> None:
    adapter = TypeAdapter(Hook)
    expected = {"manualApproval", "wait", "httpCheck", "ssmAutomation", "ssmCommand", "lambda"}
    assert expected == HOOK_TYPES
    for name, cls in HOOK_CLASSES.items():
        assert cls.model_fields["type"].annotation.__args__ == (name,)
    assert type(adapter.validate_python({"type": "wait", "durationSeconds": 5})).__name__ == "Wait"


def test_each_type_is_a_gate_a_timer_or_run_outside_and_says_its_numbers() -> None:
    adapter = TypeAdapter(Hook)
    for name, cls in HOOK_CLASSES.items():
        caps = cls.CAPABILITIES
        assert [caps.gate, caps.timer, caps.external].count(True) == 1, name
    approval = adapter.validate_python({"type": "manualApproval", "message": "go?"})
    assert approval.limit() == timedelta(minutes=60)
    wait = adapter.validate_python({"type": "wait", "durationSeconds": 90})
    assert wait.wait() == timedelta(seconds=90)
    assert wait.limit() is None
    ssm = adapter.validate_python({"type": "ssmCommand", "documentName": "AWS-RunShellScript"})
    assert ssm.CAPABILITIES.needs_instances
    assert ssm.limit() == timedelta(minutes=30)
    check = HttpCheck(type="httpCheck", url="http://127.0.0.1/", retries=2, intervalSeconds=7)
    assert check.retry_after(1) == check.retry_after(2) == timedelta(seconds=7)
    assert check.retry_after(3) is None
    assert ssm.retry_after(1) is None
