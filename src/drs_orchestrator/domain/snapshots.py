"""Which recovery snapshot a server launches from: the latest data unless an operator chose a
point in time (e.g. the last one before a ransomware event) or a snapshot of its own.

DRS keeps a thinning grid of points in time (every 10 minutes for an hour, hourly for a day,
daily for a week), so a point in time resolves to the latest snapshot taken at or before it,
asked again when each wave starts: a 10-minute point may be gone by then, its hourly one not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RecoverySnapshot:
    snapshot_id: str
    server_id: str
    taken_at: datetime


def at_or_before(
    snapshots: Iterable[RecoverySnapshot], moment: datetime
) -> RecoverySnapshot | None:
    """The latest snapshot taken at or before `moment`, if any."""
    earlier = [s for s in snapshots if s.taken_at <= moment]
    return max(earlier, key=lambda s: s.taken_at) if earlier else None


def none_before(server: str, moment: datetime, snapshots: list[RecoverySnapshot]) -> str:
    """Why a server cannot launch from `moment`, in words."""
    if not snapshots:
        return f"{server} has no recovery snapshot yet (its initial sync may not have completed)"
    oldest = min(s.taken_at for s in snapshots)
    return (
        f"{server} has no recovery snapshot taken at or before {moment.isoformat()}; its "
        f"oldest is from {oldest.isoformat()}"
    )
