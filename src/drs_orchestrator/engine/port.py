"""What the engine's actions, poller and admission need of it, and nothing more: they are
given this rather than the whole engine (so they do not import the runner)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from drs_orchestrator.drs.hooks import AwsHooks
from drs_orchestrator.drs.jobs import DrsJobs
from drs_orchestrator.engine.clock import Clock
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.core.step import Step
from drs_orchestrator.engine.launch_settings import LaunchPrep

# A change to one execution: the core function to apply to its stored state at a moment.
Change = Callable[[ExecutionState, datetime], Step]


@dataclass(frozen=True)
class Port:
    db: sa.Engine
    drs: DrsJobs
    hooks: AwsHooks
    clock: Clock
    tag_jobs: bool
    admission_lock: threading.Lock
    apply: Callable[[str, Change], Step]  # load, change and store with compare-and-set
    state: Callable[[str], ExecutionState]
    wake: Callable[[str], None]  # the execution's workflow has news
    jobs_started: Callable[[], None]  # a new DRS job to follow: poll soon
    launch: LaunchPrep | None = None  # launch settings before a wave (None: left alone)
