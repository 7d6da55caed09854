"""What the orchestrator knows of a DRS source server (mapped from DRS by `drs/`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

CONTINUOUS = "CONTINUOUS"


@dataclass(frozen=True)
class ServerFacts:
    source_server_id: str
    hostname: str
    replication_state: str
    lag_seconds: int | None
    last_seen_at: datetime | None
    last_drill_at: datetime | None
    last_recovery_at: datetime | None
    tags: Mapping[str, str] = field(default_factory=dict)
    post_launch_enabled: bool = False
    os: str = ""
    ips: tuple[str, ...] = ()  # the source's addresses, primary interface first
    origin_region: str | None = None  # an AWS origin's region; None: on premises
    origin_account: str | None = None  # the account of that origin, where it fails back to
    direction: str = "FAILOVER"  # FAILBACK: a reversed server, replicating a recovery back
    reversed_server_arn: str | None = None  # the server of the other direction, once made


def matches(tags: Mapping[str, str], selector: Mapping[str, str]) -> bool:
    """A selector matches when every one of its key/value pairs is among the server's tags."""
    return all(tags.get(key) == value for key, value in selector.items())


def select(servers: Iterable[ServerFacts], selector: Mapping[str, str]) -> list[ServerFacts]:
    return [s for s in servers if matches(s.tags, selector)]
