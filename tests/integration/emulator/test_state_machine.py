"""Random sequences of StartRecovery, TerminateRecoveryInstances and clock advances, over
real HTTP: no job, server or instance status ever moves backwards, no quota is ever exceeded,
and the emulator refuses exactly the calls a model of DRS's rules says it must refuse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from drs_orchestrator.emulator import Emulator, EmulatorThread, parse_scenario

pytestmark = pytest.mark.integration

PER_JOB, CONCURRENT, IN_ACTIVE = 4, 3, 6
SCENARIO = {
    "seed": 11,
    "accounts": {
        "111111111111": {
            "regions": {
                "us-east-1": {
                    "servers": [
                        {"count": 6, "hostnamePrefix": "lin-"},
                        {
                            "count": 3,
                            "hostnamePrefix": "win-",
                            "os": "windows",
                            "postLaunchEnabled": True,
                        },
                        {"hostname": "lagging", "dataReplicationState": "STALLED"},
                    ]
                }
            }
        }
    },
    "timing": {
        "snapshotSeconds": 300,
        "conversionSeconds": 120,
        "launchSeconds": 60,
        "terminateSeconds": 60,
        "postLaunchSeconds": 120,
    },
    "quotas": {
        "serversPerJob": PER_JOB,
        "concurrentJobs": CONCURRENT,
        "serversInActiveJobs": IN_ACTIVE,
    },
    "faults": [{"kind": "failServer", "hostname": "lin-002", "phase": "CONVERSION", "count": 2}],
}
JOB_RANK = {"PENDING": 0, "STARTED": 1, "COMPLETED": 2}
LAUNCH_RANK = {"PENDING": 0, "IN_PROGRESS": 1, "LAUNCHED": 2, "FAILED": 2, "TERMINATED": 3}
EC2_RANK = {"PENDING": 0, "RUNNING": 1, "SHUTTING-DOWN": 2, "TERMINATED": 3}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(parse_scenario(SCENARIO), strict=True)
    with EmulatorThread(emulator) as endpoint:
        yield emulator, endpoint


class DrsRules(RuleBasedStateMachine):
    emulator: Emulator
    endpoint: str

    def __init__(self) -> None:
        super().__init__()
        self.emulator.load(parse_scenario(SCENARIO))
        self.drs = boto3.client(
            "drs",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="111111111111",
            aws_secret_access_key="x",
            config=Config(retries={"total_max_attempts": 1}),
        )
        self.server_ids = [s["sourceServerID"] for s in self.drs.describe_source_servers()["items"]]
        self.jobs_seen: dict[str, dict[str, Any]] = {}
        self.instances_seen: dict[str, str] = {}

    # -- what the rules of DRS predict ------------------------------------------------------

    def _active(self) -> list[dict[str, Any]]:
        jobs = self.drs.describe_jobs()["items"]
        return [j for j in jobs if j["status"] != "COMPLETED"]

    def _busy(self) -> set[str]:
        return {p["sourceServerID"] for j in self._active() for p in j["participatingServers"]}

    def _expected_refusal(self, servers: list[str]) -> str | None:
        busy, active = self._busy(), self._active()
        if set(servers) & busy:
            return "ConflictException"
        if len(active) >= CONCURRENT or len(busy) + len(servers) > IN_ACTIVE:
            return "ServiceQuotaExceededException"
        return None

    def _outcome(self, call: Any) -> str | None:
        try:
            call()
        except self.drs.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        return None

    # -- rules --------------------------------------------------------------------------------

    @rule(
        picks=st.lists(st.integers(0, 9), min_size=1, max_size=6, unique=True), drill=st.booleans()
    )
    def start_recovery(self, picks: list[int], drill: bool) -> None:
        servers = [self.server_ids[i] for i in picks]
        expected = (
            "ServiceQuotaExceededException"
            if len(servers) > PER_JOB
            else self._expected_refusal(servers)
        )
        got = self._outcome(
            lambda: self.drs.start_recovery(
                sourceServers=[{"sourceServerID": s} for s in servers], isDrill=drill
            )
        )
        assert got == expected

    @rule(pick=st.integers(0, 50))
    def terminate(self, pick: int) -> None:
        instances = [
            i
            for i in self.drs.describe_recovery_instances()["items"]
            if i["ec2InstanceState"] in ("PENDING", "RUNNING")
        ]
        if not instances:
            return
        instance = instances[pick % len(instances)]
        expected = self._expected_refusal([instance["sourceServerID"]])
        got = self._outcome(
            lambda: self.drs.terminate_recovery_instances(
                recoveryInstanceIDs=[instance["recoveryInstanceID"]]
            )
        )
        assert got == expected

    @rule(seconds=st.integers(0, 900))
    def advance(self, seconds: int) -> None:
        self.emulator.advance(seconds)

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def nothing_moves_backwards_and_quotas_hold(self) -> None:
        jobs = self.drs.describe_jobs()["items"]
        active = [j for j in jobs if j["status"] != "COMPLETED"]
        assert len(active) <= CONCURRENT
        busy = [p["sourceServerID"] for j in active for p in j["participatingServers"]]
        assert len(busy) <= IN_ACTIVE
        assert len(busy) == len(set(busy)), "a server is in two active jobs"
        for job in jobs:
            assert len(job["participatingServers"]) <= PER_JOB
            before = self.jobs_seen.get(job["jobID"])
            if before is not None:
                assert JOB_RANK[job["status"]] >= JOB_RANK[before["status"]]
                for p in job["participatingServers"]:
                    old = before["servers"][p["sourceServerID"]]
                    assert LAUNCH_RANK[p["launchStatus"]] >= LAUNCH_RANK[old], (old, p)
            self.jobs_seen[job["jobID"]] = {
                "status": job["status"],
                "servers": {
                    p["sourceServerID"]: p["launchStatus"] for p in job["participatingServers"]
                },
            }
        for instance in self.drs.describe_recovery_instances()["items"]:
            state, old_state = (
                instance["ec2InstanceState"],
                self.instances_seen.get(instance["recoveryInstanceID"]),
            )
            if old_state is not None:
                assert EC2_RANK[state] >= EC2_RANK[old_state]
            self.instances_seen[instance["recoveryInstanceID"]] = state


def test_random_sequences_keep_drs_rules(served: tuple[Emulator, str]) -> None:
    DrsRules.emulator, DrsRules.endpoint = served
    run_state_machine_as_test(
        DrsRules,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
