"""Worker leases: each worker beats its heart in the database; a survivor takes over the
workflows of a worker whose heart stopped (several workers on PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from dbos import DBOS

from drs_orchestrator.store import workers

log = logging.getLogger(__name__)


class Workers:
    def __init__(
        self,
        db: sa.Engine,
        executor_id: str,
        lease_seconds: float,
        took_over: Callable[[str], None],
    ) -> None:
        self.db = db
        self.me = executor_id
        self.lease_seconds = lease_seconds
        self._took_over = took_over  # with each execution whose workflow this worker resumed

    def beat(self) -> None:
        """Beat our heart; take over the workflows of workers whose heart stopped."""
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=self.lease_seconds)
        with self.db.begin() as conn:
            workers.beat(conn, self.me, now)
            silent = [w for w in workers.silent_since(conn, cutoff) if w != self.me]
        for dead in silent:
            with self.db.begin() as conn:
                claimed = workers.claim(conn, dead, cutoff)
            if claimed:
                log.warning("worker %s is silent; taking over its workflows", dead)
                for workflow_id in recover_workflows_of(dead):
                    self._took_over(workflow_id.split("/", 1)[0])

    def leave(self) -> None:
        """A clean exit is not a death: nobody takes over."""
        with self.db.begin() as conn:
            workers.leave(conn, self.me)


def recover_workflows_of(executor_id: str) -> list[str]:
    """Resume another executor's pending workflows here; their IDs. DBOS has no public call
    for this (its Conductor uses the same private one), so it is made in this one place
    and tested against the pinned DBOS range."""
    return [h.workflow_id for h in DBOS._recover_pending_workflows([executor_id])]
