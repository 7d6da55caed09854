"""How things are said: one duration rule and one set of status labels, the same as the
console's (web/src/lib/durations.cases.json and web/src/lib/status.ts are read here)."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from drs_orchestrator.domain import display
from drs_orchestrator.domain.executions import (
    CleanupStatus,
    ExecutionStatus,
    HookStatus,
    Mode,
    ServerStatus,
    WaveStatus,
)
from drs_orchestrator.domain.hooks import (
    HttpCheck,
    LambdaInvoke,
    ManualApproval,
    SsmAutomation,
    SsmCommand,
    Wait,
)
from drs_orchestrator.domain.launch_settings import SyncState

pytestmark = pytest.mark.unit
WEB_LIB = Path(__file__).parents[3] / "web" / "src" / "lib"
CASES = json.loads((WEB_LIB / "durations.cases.json").read_text())


@pytest.mark.parametrize(("seconds", "text"), CASES, ids=[repr(c[0]) for c in CASES])
def test_durations_read_as_the_console_reads_them(seconds: float | None, text: str) -> None:
    assert display.duration(seconds) == text


def test_the_shared_cases_cover_every_unit_and_the_unknown() -> None:
    texts = " ".join(t for _, t in CASES)
    assert None in [s for s, _ in CASES]
    assert all(unit in texts for unit in (" s", " min", " h", " d", display.NONE))


@pytest.mark.parametrize("seconds", [math.nan, math.inf, -math.inf])
def test_what_json_cannot_hold_is_unknown_too(seconds: float) -> None:
    assert display.duration(seconds) == display.NONE


def _labels(source: str, name: str) -> dict[str, str]:
    """One `export const NAME: Record<...> = { KEY: { label: "..." } | "..." }` of status.ts."""
    block = re.search(rf"export const {name}: Record<\w+, \w+> = \{{(.*?)\n?\}};", source, re.S)
    assert block, f"{name} not found in status.ts"
    body = block.group(1)
    pairs = re.findall(r'(\w+): \{ label: "([^"]*)"', body) or re.findall(r'(\w+): "([^"]*)"', body)
    return dict(pairs)


@pytest.mark.parametrize(
    ("name", "table", "codes"),
    [
        ("EXECUTION", display.EXECUTION, ExecutionStatus),
        ("WAVE", display.WAVE, WaveStatus),
        ("SERVER", display.SERVER, ServerStatus),
        ("HOOK", display.HOOK, HookStatus),
        ("CLEANUP", display.CLEANUP, CleanupStatus),
        ("MODE", display.MODE, Mode),
        ("LAUNCH_SYNC", display.LAUNCH_SYNC, SyncState),
    ],
)
def test_status_labels_are_the_consoles_words(
    name: str, table: dict[str, str], codes: type[ExecutionStatus]
) -> None:
    console = _labels((WEB_LIB / "status.ts").read_text(), name)

    assert dict(table) == console
    assert set(table) == {c.value for c in codes}  # every status named, none invented


def test_an_unknown_status_is_shown_as_it_is() -> None:
    assert display.label(display.SERVER, "READY") == "Ready"
    assert display.label(display.SERVER, "MELTED") == "MELTED"
    assert display.label(display.SERVER, None) == display.NONE


@pytest.mark.parametrize(
    ("hook", "name"),
    [
        (ManualApproval(type="manualApproval", message="Go?"), "Manual approval"),
        (Wait(type="wait", duration_seconds=300), "Wait 5 min"),
        (HttpCheck(type="httpCheck", url="http://shop.example/health"),
         "HTTP check http://shop.example/health"),
        (SsmCommand(type="ssmCommand", document_name="AWS-RunShellScript"),
         "SSM command AWS-RunShellScript"),
        (SsmAutomation(type="ssmAutomation", document_name="AWS-RestartEC2Instance"),
         "SSM Automation AWS-RestartEC2Instance"),
        (LambdaInvoke(type="lambda", function_name="smoke-test"), "Lambda smoke-test"),
        (LambdaInvoke(type="lambda",
                      function_name="arn:aws:lambda:us-east-1:111111111111:function:smoke:live"),
         "Lambda arn:aws:lambda:us-east-1:111111111111:function:smoke:live"),
    ],
)  # fmt: skip
def test_hooks_are_named_by_type_and_what_they_run(hook: display.HookSpec, name: str) -> None:
    assert display.hook_name(hook) == name


def test_a_hook_in_its_wave_reads_as_the_event_log_says_it() -> None:
    hook = SsmCommand(type="ssmCommand", document_name="AWS-RunShellScript")
    assert display.hook_in_wave("Web", "post", hook) == (
        "Web: after launch, SSM command AWS-RunShellScript"
    )


@pytest.mark.parametrize(
    ("bounds", "text"),
    [
        ((66.8, 66.8, 66.8), "1 h 7 min"),  # one past run: no range of one value
        ((66.8, 66.6, 67.1), "1 h 7 min"),  # bounds the same to the minute
        ((20.0, 12.0, 35.0), "20 min (12 min to 35 min)"),
        ((20.04, 20.0, 20.4), "20 min"),  # to the minute, never "20 min 2 s"
    ],
)
def test_an_rto_estimate_has_a_range_only_when_its_bounds_differ(
    bounds: tuple[float, float, float], text: str
) -> None:
    assert display.estimate(*bounds) == text


def test_counts_and_instants() -> None:
    assert [display.plural(n, "warning") for n in (0, 1, 2)] == [
        "0 warnings",
        "1 warning",
        "2 warnings",
    ]
    at = datetime(2026, 12, 1, 20, 10, 5, tzinfo=UTC)
    assert display.moment(at) == "2026-12-01 20:10:05 UTC"
    paris = at.astimezone(timezone(timedelta(hours=1), "CET"))
    assert display.moment(paris) == "2026-12-01 21:10:05 CET"
    assert display.moment(None) == display.NONE
