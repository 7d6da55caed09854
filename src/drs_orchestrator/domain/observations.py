"""What the runner reports from DRS, already mapped out of DRS's wire shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ServerView:
    server_id: str
    launch_status: str  # PENDING | IN_PROGRESS | LAUNCHED | FAILED | TERMINATED
    recovery_instance_id: str | None = None
    # Post-launch actions, summed up: None (none seen) | IN_PROGRESS | SUCCEEDED | FAILED
    post_launch: str | None = None
    post_launch_failure: str | None = None


@dataclass(frozen=True)
class JobView:
    job_id: str
    status: str  # PENDING | STARTED | COMPLETED
    servers: tuple[ServerView, ...]
    # From the job log: rawError per failed server, and phase events per server.
    failures: dict[str, str] = field(default_factory=dict)
    phases: dict[str, dict[str, datetime]] = field(default_factory=dict)
    ended_at: datetime | None = None


@dataclass(frozen=True)
class InstanceView:
    server_id: str
    recovery_instance_id: str | None
    ec2_instance_id: str | None
    ec2_state: str | None
    job_id: str | None = None  # the launch that created it
