"""Admission control: which queued batches may start now without passing a DRS quota, shared
fairly between executions (round-robin in order of their oldest request)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from drs_orchestrator.domain.quotas import CONCURRENT_JOBS, SERVERS_IN_ACTIVE_JOBS


@dataclass(frozen=True)
class Request:
    execution_id: str
    batch_key: str
    servers: int
    requested_at: datetime


@dataclass(frozen=True)
class Usage:
    jobs: int
    servers: int


def admit(
    queue: Sequence[Request],
    usage: Usage,
    max_jobs: int = CONCURRENT_JOBS,
    max_servers: int = SERVERS_IN_ACTIVE_JOBS,
) -> list[Request]:
    """The requests to admit, in admission order.

    Each execution's own batches go in its order; executions take turns, so a plan with
    twenty batches cannot hold a smaller plan behind it until it is done.
    """
    lines: dict[str, deque[Request]] = {}
    for request in sorted(queue, key=lambda r: (r.requested_at, r.execution_id, r.batch_key)):
        lines.setdefault(request.execution_id, deque()).append(request)
    jobs, servers = usage.jobs, usage.servers
    admitted: list[Request] = []
    moved = True
    while moved and jobs < max_jobs:
        moved = False
        for line in lines.values():
            if not line or jobs >= max_jobs:
                continue
            head = line[0]
            if servers + head.servers > max_servers:
                continue  # another execution's smaller batch may still fit
            line.popleft()
            admitted.append(head)
            jobs += 1
            servers += head.servers
            moved = True
    return admitted
