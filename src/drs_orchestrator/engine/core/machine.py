"""The execution state machine, one façade over its parts: `progress` moves an execution on,
`waves` takes each wave through its phases, `finish` decides outcomes and cleans up,
`observe` takes in what DRS and hooks report, `commands` carries out what operators ask.

No I/O, no clock reads, no DBOS: the runner feeds observations in and performs the actions
that come out. Every function returns a `Step`: the new state (the input is never changed),
the transitions it made and the actions to perform.
"""

from __future__ import annotations

from drs_orchestrator.engine.core.commands import (
    Allowed,
    Approve,
    Cancel,
    Cleanup,
    OperatorCommand,
    Pause,
    Resume,
    RetryWave,
    SkipWave,
    allowed_commands,
    approver_role,
    refusal,
    required_permissions,
)
from drs_orchestrator.engine.core.commands import apply as command
from drs_orchestrator.engine.core.finish import has_work
from drs_orchestrator.engine.core.observe import (
    admitted,
    cleanup_failed,
    cleanup_started,
    drs_asked,
    hook_finished,
    hook_pending,
    instances_observed,
    job_deferred,
    job_not_started,
    job_observed,
    job_started,
    launch_settings_prepared,
    snapshots_chosen,
)
from drs_orchestrator.engine.core.progress import advance, start

__all__ = [
    "Allowed",
    "Approve",
    "Cancel",
    "Cleanup",
    "OperatorCommand",
    "Pause",
    "Resume",
    "RetryWave",
    "SkipWave",
    "admitted",
    "advance",
    "allowed_commands",
    "approver_role",
    "cleanup_failed",
    "cleanup_started",
    "command",
    "drs_asked",
    "has_work",
    "hook_finished",
    "hook_pending",
    "instances_observed",
    "job_deferred",
    "job_not_started",
    "job_observed",
    "job_started",
    "launch_settings_prepared",
    "refusal",
    "required_permissions",
    "snapshots_chosen",
    "start",
]
