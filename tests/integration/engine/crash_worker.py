"""A worker process for the crash tests: the engine alone, on the test's database, keeping
the emulator's (manual) time, polling DRS and waking its workflows as fast as it can.

    python -m tests.integration.engine.crash_worker DATABASE_URL EMULATOR_URL [--die-after-start]

It prints `ready` once launched; the test kills it with SIGKILL at random moments. With
`--die-after-start` it kills itself the moment DRS has accepted its first StartRecovery and
before anything is recorded: the worst moment, made certain.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.drs.jobs import DrsJobs
from drs_orchestrator.engine.clock import Clock
from tests.integration.probe import Settling


def main() -> None:
    database_url, emulator_url, *flags = sys.argv[1:]
    values: dict[str, Any] = {"database_url": database_url, "regions": ["us-east-1", "us-west-2"]}
    for flag in flags:  # --dbos=URL,SCHEMA --worker=ID --lease=SECONDS --no-tags
        name, _, value = flag.removeprefix("--").partition("=")
        if name == "dbos":
            url, schema = value.split(",")
            values |= {"dbos_database_url": url, "dbos_schema": schema}
        elif name == "worker":
            values["worker_id"] = value
        elif name == "lease":
            values["worker_lease_seconds"] = float(value)
        elif name == "no-tags":
            values["tag_jobs"] = False
    if "--die-after-start" in flags:
        start = DrsJobs.start_recovery

        def start_then_die(self: DrsJobs, *args: Any, **kwargs: Any) -> str:
            start(self, *args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            raise AssertionError("unreachable")

        DrsJobs.start_recovery = start_then_die  # type: ignore[method-assign]
    services = Services.build(Settings.model_validate(values))
    http = httpx.Client(base_url=emulator_url)

    def now() -> datetime:
        return datetime.fromtimestamp(http.get("/_emulator/clock").json()["epoch"], UTC)

    engine = services.start_engine(Clock(now, speed=None), poll=False, probe=Settling())
    print("ready", flush=True)
    while True:  # stands for time passing: the test decides when this process dies
        engine.keep_alive()
        engine.poller.poll_now()
        engine.wake_all()
        time.sleep(0.05)


if __name__ == "__main__":
    main()
