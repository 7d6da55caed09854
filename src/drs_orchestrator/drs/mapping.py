"""DRS answers turned into domain facts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from drs_orchestrator.domain.servers import ServerFacts
from drs_orchestrator.domain.snapshots import RecoverySnapshot

_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def duration_seconds(text: str | None) -> int | None:
    """DRS reports lag as an ISO-8601 duration (`PT1H30M`); None when absent or unreadable."""
    if not text or not (match := _DURATION.match(text)):
        return None
    d, h, m, s = (float(match.group(k) or 0) for k in "dhms")
    return int(d * 86400 + h * 3600 + m * 60 + s)


def timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def server_facts(server: Any) -> ServerFacts:
    info = server.get("dataReplicationInfo") or {}
    life = server.get("lifeCycle") or {}
    hints = (server.get("sourceProperties") or {}).get("identificationHints") or {}
    os_info = (server.get("sourceProperties") or {}).get("os") or {}
    initiated = (life.get("lastLaunch") or {}).get("initiated") or {}
    launched_at = timestamp(initiated.get("apiCallDateTime"))
    kind = initiated.get("type")
    cloud = server.get("sourceCloudProperties") or {}
    return ServerFacts(
        source_server_id=server["sourceServerID"],
        hostname=hints.get("hostname") or hints.get("fqdn") or "unknown",
        replication_state=info.get("dataReplicationState") or "UNKNOWN",
        lag_seconds=duration_seconds(info.get("lagDuration")),
        last_seen_at=timestamp(life.get("lastSeenByServiceDateTime")),
        last_drill_at=launched_at if kind == "DRILL" else None,
        last_recovery_at=launched_at if kind == "RECOVERY" else None,
        tags=dict(server.get("tags") or {}),
        os=str(os_info.get("fullString") or ""),
        ips=_ips((server.get("sourceProperties") or {}).get("networkInterfaces") or []),
        origin_region=cloud.get("originRegion") or None,
        origin_account=cloud.get("originAccountID") or None,
        direction=str(server.get("replicationDirection") or "FAILOVER"),
        reversed_server_arn=server.get("reversedDirectionSourceServerArn") or None,
    )


def _ips(interfaces: list[Any]) -> tuple[str, ...]:
    primary_first = sorted(interfaces, key=lambda n: not n.get("isPrimary"))
    return tuple(ip for n in primary_first for ip in n.get("ips") or [])


def recovery_snapshot(item: Any) -> RecoverySnapshot:
    taken = timestamp(item.get("timestamp") or item.get("expectedTimestamp"))
    if taken is None:
        raise ValueError(f"DRS gave recovery snapshot {item['snapshotID']} no time")
    return RecoverySnapshot(item["snapshotID"], item["sourceServerID"], taken)
