"""One poller per account and region for every execution: each pass is one DescribeJobs
naming all the jobs followed there; the job log is read only for jobs that changed."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from drs_orchestrator.domain.errors import DomainError
from drs_orchestrator.domain.executions import JobStatus
from drs_orchestrator.drs.jobs import fingerprint, observed
from drs_orchestrator.engine import records
from drs_orchestrator.engine.admission_control import admit_place
from drs_orchestrator.engine.core.cadence import next_poll_seconds
from drs_orchestrator.engine.port import Port
from drs_orchestrator.store import jobs

log = logging.getLogger(__name__)
LEASE_SECONDS = 60
# Wall-clock bounds on the poll cadence, whatever the engine's clock speed.
MIN_WALL_INTERVAL = 0.25
MAX_WALL_INTERVAL = 30.0


class Poller:
    def __init__(self, port: Port, *, heartbeat: Callable[[], None], beat_every: float) -> None:
        self.port = port
        self._heartbeat = heartbeat  # beats with every pass, well within a worker's lease
        self._beat_every = beat_every
        self.holder = f"worker-{uuid.uuid4().hex[:12]}"
        self._news = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="drs-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._news.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def news(self) -> None:
        """A new job to follow: poll soon rather than at the next planned pass."""
        self._news.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._heartbeat()
                wait = self.poll_now()
            except Exception:  # a poller must outlive any one bad pass
                log.exception("poll pass failed")
                wait = MAX_WALL_INTERVAL
            # the heartbeat must beat well within the lease others judge it by
            self._news.wait(min(wait, self._beat_every))
            self._news.clear()

    def poll_now(self) -> float:
        """One pass over every place with followed jobs; wall seconds until the next."""
        port = self.port
        with port.db.connect() as conn:
            places = jobs.followed_places(conn)
            typical = jobs.completed_launch_durations(conn)
        waits = [MAX_WALL_INTERVAL]
        for place in places:
            try:
                ahead = self.poll_place(place, typical)
            except DomainError as error:  # DRS unreachable: try again later
                log.warning("polling %s: %s", place, error)
                ahead = 30.0
            if ahead is not None:
                waits.append(port.clock.wall_seconds(ahead, MAX_WALL_INTERVAL))
        return max(MIN_WALL_INTERVAL, min(waits))

    def poll_place(self, place: tuple[str, str], typical: list[float]) -> float | None:
        """Poll one place if we hold its lease; engine seconds until it is worth polling again."""
        port = self.port
        now = port.clock.now()
        with port.db.begin() as conn:
            if not jobs.take_lease(
                conn, place, self.holder, now, now + timedelta(seconds=LEASE_SECONDS)
            ):
                return None
            followed = jobs.followed(conn, place)
        if not followed:
            return None
        known = {j.job_id: j for j in followed}
        answers = port.drs.describe(place, sorted(known))
        woken: set[str] = set()
        freed = False
        for job in answers:
            row = known[job["jobID"]]
            seen = observed(job, port.drs.log(place, row.job_id)) if _changed(row, job) else None
            if seen is None:
                continue
            with port.db.begin() as conn:
                jobs.observe(
                    conn,
                    job_id=row.job_id,
                    status=seen.view.status,
                    fingerprint=seen.fingerprint,
                    view=records.view_json(seen.view),
                    ended_at=seen.view.ended_at,
                )
            woken.add(row.execution_id)
            freed = freed or seen.view.status == JobStatus.COMPLETED
        if freed:
            woken |= {r.execution_id for r in admit_place(port, place)}
        for execution_id in sorted(woken):
            port.wake(execution_id)
        return next_poll_seconds(
            [(j.created_at, j.kind, j.status) for j in known.values()], now, typical
        )


def _changed(row: jobs.JobRow, job: dict[str, Any]) -> bool:
    return row.fingerprint != fingerprint(job)
