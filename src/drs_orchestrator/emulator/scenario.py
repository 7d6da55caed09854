"""Scenario documents: the estate (accounts, regions, servers), timing, quotas and faults.

The format is documented in docs/emulator.md; `demo` is built in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ReplicationState = Literal[
    "STOPPED",
    "INITIATING",
    "INITIAL_SYNC",
    "BACKLOG",
    "CREATING_SNAPSHOT",
    "CONTINUOUS",
    "PAUSED",
    "RESCAN",
    "STALLED",
    "DISCONNECTED",
]
Phase = Literal["SNAPSHOT", "CONVERSION", "LAUNCH", "POST_LAUNCH"]


class ScenarioError(ValueError):
    """A scenario document that cannot be used; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSpec(_Strict):
    hostname: str | None = Field(None, min_length=1, max_length=200)
    count: int | None = Field(None, ge=1, le=10000)
    hostnamePrefix: str | None = Field(None, min_length=1, max_length=190)
    sourceServerID: str | None = Field(None, pattern=r"^s-[0-9a-zA-Z]{17}$")
    os: Literal["linux", "windows"] = "linux"
    tags: dict[str, str] = Field(default_factory=dict)
    dataReplicationState: ReplicationState = "CONTINUOUS"
    lagSeconds: float | None = Field(None, ge=0)
    postLaunchEnabled: bool = False
    recoveryMode: Literal["FAST", "OPTIMAL"] = "OPTIMAL"
    cpus: int = Field(2, ge=1, le=256)
    ramGiB: int = Field(8, ge=1, le=24576)
    disksGiB: list[int] = Field(default_factory=lambda: [50], min_length=1, max_length=60)
    instanceType: str = "m5.large"
    # An AWS origin: the machine runs in this region of the same account (cross-region DR);
    # unset, it runs on premises. It decides how the way home works (docs/emulator.md).
    originRegion: str | None = Field(None, pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")

    @model_validator(mode="after")
    def _one_or_many(self) -> ServerSpec:
        if self.count is None and self.hostname is None:
            raise ValueError("a server needs a hostname, or count with hostnamePrefix")
        if self.count is not None and (self.hostname is not None or not self.hostnamePrefix):
            raise ValueError("count goes with hostnamePrefix, not hostname")
        if self.count is not None and self.sourceServerID is not None:
            raise ValueError("sourceServerID names one server; it cannot go with count")
        return self

    def hostnames(self) -> list[str]:
        if self.count is None:
            return [self.hostname or ""]
        width = max(3, len(str(self.count)))
        return [f"{self.hostnamePrefix}{i:0{width}d}" for i in range(1, self.count + 1)]


class SubnetSpec(_Strict):
    cidr: str
    availabilityZone: str | None = None  # else the region's zones in turn: a, b, ...


class RecoveryNetwork(_Strict):
    """The recovery VPC in EC2 (when the emulator serves EC2): its subnets, the first of
    which each server's launch template names."""

    vpcCidr: str = "10.100.0.0/16"
    subnets: list[SubnetSpec] = Field(
        default_factory=lambda: [
            SubnetSpec(cidr="10.100.1.0/24"),
            SubnetSpec(cidr="10.100.2.0/24"),
        ],
        min_length=1,
    )


class RegionSpec(_Strict):
    initialized: bool = True
    servers: list[ServerSpec] = Field(default_factory=list)
    recoveryNetwork: RecoveryNetwork = Field(default_factory=RecoveryNetwork)


class AccountSpec(_Strict):
    regions: dict[str, RegionSpec] = Field(default_factory=dict)


class Timing(_Strict):
    """Emulated seconds per phase; real drills spend ~13.5 min in snapshots, ~6 min launching."""

    snapshotSeconds: float = Field(808, ge=0)
    conversionSeconds: float = Field(300, ge=0)
    launchSeconds: float = Field(76, ge=0)
    postLaunchSeconds: float = Field(600, ge=0)
    ssmDiscoverySeconds: float = Field(90, ge=0)
    terminateSeconds: float = Field(90, ge=0)
    # The way home: a replication back's initial sync, and an on-premises failback launch.
    reverseSyncSeconds: float = Field(1800, ge=0)
    failbackLaunchSeconds: float = Field(900, ge=0)
    # When set, the DRS Failback Client "boots" by itself this long after an on-premises
    # origin's recovery instance runs (an operator doing it); unset, only the admin API
    # (POST /_emulator/failback-clients) boots it.
    failbackClientBootSeconds: float | None = Field(None, ge=0)
    windowsFactor: float = Field(1.6, ge=1)
    jitter: float = Field(0.1, ge=0, lt=1)


class Quotas(_Strict):
    # DRS's quotas per account and region, as the emulator models them (a scenario may change
    # them). The orchestrator's own copy is domain/quotas.py: the emulator imports nothing of
    # ours, so it keeps these; tests/unit/domain/test_quotas.py holds the two equal.
    serversPerJob: int = Field(100, ge=1, le=200)
    concurrentJobs: int = Field(20, ge=1)
    serversInActiveJobs: int = Field(500, ge=1)


class FailServerFault(_Strict):
    kind: Literal["failServer"]
    hostname: str | None = None
    sourceServerID: str | None = None
    phase: Phase
    rawError: str = "Injected failure"
    count: int | None = Field(None, ge=1, description="launches to fail; unset: every launch")

    @model_validator(mode="after")
    def _names_a_server(self) -> FailServerFault:
        if (self.hostname is None) == (self.sourceServerID is None):
            raise ValueError("failServer names exactly one of hostname or sourceServerID")
        return self


FailbackError = Literal[
    "AGENT_NOT_SEEN",
    "FAILBACK_CLIENT_NOT_SEEN",
    "NOT_CONVERGING",
    "UNSTABLE_NETWORK",
    "FAILED_TO_ESTABLISH_RECOVERY_INSTANCE_COMMUNICATION",
    "FAILED_TO_DOWNLOAD_REPLICATION_SOFTWARE_TO_FAILBACK_CLIENT",
    "FAILED_TO_CONFIGURE_REPLICATION_SOFTWARE",
    "FAILED_TO_PAIR_AGENT_WITH_REPLICATION_SOFTWARE",
    "FAILED_TO_START_DATA_TRANSFER",
]


class FailFailbackFault(_Strict):
    """The replication back of one server stalls midway through its initial sync."""

    kind: Literal["failFailback"]
    hostname: str | None = None
    sourceServerID: str | None = None
    error: FailbackError = "NOT_CONVERGING"
    rawError: str = "Injected failure of the replication back"

    @model_validator(mode="after")
    def _names_a_server(self) -> FailFailbackFault:
        if (self.hostname is None) == (self.sourceServerID is None):
            raise ValueError("failFailback names exactly one of hostname or sourceServerID")
        return self


class ThrottleFault(_Strict):
    kind: Literal["throttle"]
    operation: str = "*"
    fraction: float | None = Field(None, gt=0, le=1)
    ratePerSecond: float | None = Field(None, gt=0)
    retryAfterSeconds: int = Field(1, ge=0)

    @model_validator(mode="after")
    def _fraction_or_rate(self) -> ThrottleFault:
        if (self.fraction is None) == (self.ratePerSecond is None):
            raise ValueError("throttle takes exactly one of fraction or ratePerSecond")
        return self


class InternalErrorFault(_Strict):
    kind: Literal["internalError"]
    operation: str = "*"
    fraction: float = Field(1.0, gt=0, le=1)
    retryAfterSeconds: int | None = Field(None, ge=0)


class LatencyFault(_Strict):
    kind: Literal["latency"]
    operation: str = "*"
    milliseconds: int = Field(ge=0, le=60000)


Fault = Annotated[
    FailServerFault | FailFailbackFault | ThrottleFault | InternalErrorFault | LatencyFault,
    Field(discriminator="kind"),
]


class FaultList(_Strict):
    faults: list[Fault] = Field(default_factory=list)


class Scenario(_Strict):
    seed: int = 0
    startTime: datetime | None = None
    accounts: dict[Annotated[str, Field(pattern=r"^[0-9]{12}$")], AccountSpec] = Field(min_length=1)
    timing: Timing = Field(default_factory=Timing)
    quotas: Quotas = Field(default_factory=Quotas)
    faults: list[Fault] = Field(default_factory=list)

    def start_epoch(self) -> float | None:
        """The scenario's own start, if it fixes one (else the clock chooses)."""
        start = self.startTime
        if start is None:
            return None
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        return start.timestamp()


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "<document>"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_scenario(document: Any) -> Scenario:
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc)) from exc


def parse_faults(document: Any) -> list[Any]:
    try:
        return list(FaultList.model_validate(document).faults)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc)) from exc


def parse_text(text: str | bytes) -> Any:
    """JSON or YAML (JSON is YAML, but JSON's own parser gives better errors)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML or JSON: {exc}") from exc


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name (`demo`), or a YAML/JSON file."""
    builtin = resources.files("drs_orchestrator.emulator") / "scenarios" / f"{name_or_path}.yaml"
    if "/" not in name_or_path and builtin.is_file():
        return parse_scenario(parse_text(builtin.read_text()))
    path = Path(name_or_path)
    if not path.is_file():
        raise ScenarioError(f"no built-in scenario or file named {name_or_path!r}")
    return parse_scenario(parse_text(path.read_text()))
