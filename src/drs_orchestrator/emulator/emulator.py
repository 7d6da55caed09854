"""The emulator's state and its single entry point for DRS calls (`call`)."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import TYPE_CHECKING, Any

from .clock import Clock, ManualClock, iso
from .context import Call
from .errors import DrsError, UninitializedAccountError, ValidationError
from .estate import RecoveryInstance, SourceServer
from .estate import Region as RegionEstate
from .failback import FailbackPlanner
from .failback_operations import HANDLERS as FAILBACK_HANDLERS
from .faults import FaultSet
from .ids import IdFactory
from .jobs import JobPlanner
from .operations import HANDLERS as LAUNCH_HANDLERS
from .operations import WITHOUT_INITIALIZATION
from .protocol import check_output, service_model, validate_input
from .scenario import Scenario, ServerSpec
from .scheduler import Scheduler

if TYPE_CHECKING:
    from .ec2 import Ec2, RegionEc2

RECENT_CALLS = 1000
_DAY = 86400.0
HANDLERS = {**LAUNCH_HANDLERS, **FAILBACK_HANDLERS}
FAILBACK_LAUNCH_TYPES = ("RECOVERY", "DRILL")


class Emulator:
    """A DRS service: accounts and regions built from a scenario, moving on its clock.

    Thread-safe: the HTTP app and in-process callers (tests, the CLI) share one lock.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        clock: Clock | None = None,
        strict: bool = False,
        ec2: bool = False,
    ):
        """`ec2`: also keep EC2 (moto's) for the estate: the recovery network, a launch
        template per server, recovered instances (see ec2.py and docs/emulator.md)."""
        self.clock = clock or ManualClock()
        self.strict = strict
        self.lock = threading.RLock()
        self.ec2 = _ec2() if ec2 else None
        self.load(scenario)

    # -- lifecycle ---------------------------------------------------------------------------

    def load(self, scenario: Scenario) -> None:
        """Replace the whole estate; the clock restarts at the scenario's start time."""
        with self.lock:
            self.scenario = scenario
            start = scenario.start_epoch()
            self.start = self.clock.default_start() if start is None else start
            self.clock.reset(self.start)
            self.ids = IdFactory(scenario.seed)
            self.faults = FaultSet(scenario.seed, list(scenario.faults))
            self.scheduler = Scheduler()
            self.failback = FailbackPlanner(
                self.scheduler, scenario.timing, self.faults, self.ids, scenario.seed
            )
            self.regions: dict[tuple[str, str], RegionEstate] = {}
            self._planners: dict[tuple[str, str], JobPlanner] = {}
            self.counts: Counter[str] = Counter()
            self.error_counts: Counter[str] = Counter()
            self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_CALLS)
            if self.ec2 is not None:
                self.ec2.reset(scenario.accounts)
            for account, account_spec in scenario.accounts.items():
                for name, region_spec in account_spec.regions.items():
                    region = RegionEstate(account, name, region_spec.initialized)
                    if self.ec2 is not None:
                        self.ec2.region(account, name).build_network(region_spec.recoveryNetwork)
                    for spec in region_spec.servers:
                        for hostname in spec.hostnames():
                            self._add_server(region, spec, hostname)
                    self.regions[(account, name)] = region

    def reset(self) -> None:
        self.load(self.scenario)

    def _add_server(self, region: RegionEstate, spec: ServerSpec, hostname: str) -> SourceServer:
        start = self.start
        server_id = spec.sourceServerID or self.ids.source_server()
        never_synced = spec.dataReplicationState in ("INITIATING", "INITIAL_SYNC")
        healthy = spec.dataReplicationState == "CONTINUOUS" or never_synced
        server = region.servers[server_id] = SourceServer(
            id=server_id,
            arn=region.arn("source-server", server_id),
            hostname=hostname,
            spec=spec,
            added_at=start - (2 * 3600 if never_synced else 30 * _DAY),
            unhealthy_since=None if healthy else start - (spec.lagSeconds or 3600),
            tags=dict(spec.tags),
            replication_state=spec.dataReplicationState,
            launch_config={
                "sourceServerID": server_id,
                "name": hostname,
                "ec2LaunchTemplateID": self._launch_template(region, hostname, spec),
                "launchDisposition": "STARTED",
                "targetInstanceTypeRightSizingMethod": "BASIC",
                "copyPrivateIp": False,
                "copyTags": True,
                "licensing": {"osByol": False},
                "postLaunchEnabled": spec.postLaunchEnabled,
                "recoveryMode": spec.recoveryMode,
            },
            origin_region=spec.originRegion,
            origin_account=region.account if spec.originRegion else None,
        )
        return server

    def _launch_template(self, region: RegionEstate, hostname: str, spec: ServerSpec) -> str:
        """Its EC2 launch template when EC2 is kept, else only an ID to show."""
        made = self.ids.launch_template()
        if self.ec2 is None:
            return made
        ec2 = self.ec2.region(region.account, region.name)
        return ec2.create_template(f"drs-{hostname}-{made}", spec.instanceType)

    def ec2_of(self, region: RegionEstate) -> RegionEc2 | None:
        return None if self.ec2 is None else self.ec2.region(region.account, region.name)

    def planner_for(self, region: RegionEstate) -> JobPlanner:
        key = (region.account, region.name)
        if key not in self._planners:
            self._planners[key] = JobPlanner(
                region,
                self.scheduler,
                self.scenario.timing,
                self.ids,
                self.scenario.seed,
                self.ec2_of(region),
                self.failback,
            )
        return self._planners[key]

    # -- time --------------------------------------------------------------------------------

    def settle(self) -> float:
        """Apply everything due by now; every read and write sees the present."""
        with self.lock:
            now = self.clock.now()
            self.scheduler.run_until(now)
            return now

    def advance(self, seconds: float) -> float:
        with self.lock:
            self.clock.advance(seconds)
            return self.settle()

    # -- calls -------------------------------------------------------------------------------

    def account_for(self, access_key_id: str | None) -> str:
        """A 12-digit access key naming a scenario account selects it; else the first."""
        if access_key_id and access_key_id in self.scenario.accounts:
            return access_key_id
        return next(iter(self.scenario.accounts))

    def region(self, account: str, name: str) -> RegionEstate | None:
        return self.regions.get((account, name))

    def call(
        self, operation: str, params: dict[str, Any], *, account: str, region: str
    ) -> dict[str, Any]:
        """Serve one DRS operation; raises DrsError as the service would answer it."""
        with self.lock:
            now = self.settle()
            try:
                result = self._serve(operation, params, account, region, now)
            except DrsError as error:
                self._record(operation, account, region, now, error.code)
                raise
            self._record(operation, account, region, now, None)
            return result

    def _serve(
        self, operation: str, params: dict[str, Any], account: str, region_name: str, now: float
    ) -> dict[str, Any]:
        model = service_model()
        if operation not in model.operation_names:
            raise ValidationError(f"Unknown operation {operation}", reason="unknownOperation")
        op = model.operation_model(operation)
        validate_input(op, params)
        error = self.faults.error_for(operation, now)
        if error is not None:
            raise error
        handler = HANDLERS.get(operation)
        if handler is None:
            raise ValidationError(
                f"{operation} is part of DRS but not emulated by drs-orchestrator's DRS "
                "emulator; see docs/emulator.md for the operations it serves",
                reason="unknownOperation",
            )
        region = self.regions.get((account, region_name))
        if region is None:
            region = RegionEstate(account, region_name, initialized=False)
            if operation == "InitializeService":
                self.regions[(account, region_name)] = region
        if not region.initialized and operation not in WITHOUT_INITIALIZATION:
            raise UninitializedAccountError(
                f"Account {account} is not initialized in {region_name}. "
                "Call InitializeService first."
            )
        call = Call(
            region=region,
            params=params,
            now=now,
            quotas=self.scenario.quotas,
            ids=self.ids,
            faults=self.faults,
            planner_for=self.planner_for,
            failback=self.failback,
            regions=self.regions,
            add_server=self._add_server,
            ec2=self.ec2_of(region),
        )
        result = handler(call)
        if self.strict:
            check_output(op, result)
        return result

    def _record(
        self, operation: str, account: str, region: str, now: float, error: str | None
    ) -> None:
        self.counts[operation] += 1
        if error:
            self.error_counts[f"{operation}:{error}"] += 1
        self.recent.append(
            {
                "operation": operation,
                "account": account,
                "region": region,
                "at": iso(now),
                "error": error,
            }
        )

    def clear_calls(self) -> None:
        with self.lock:
            self.counts.clear()
            self.error_counts.clear()
            self.recent.clear()

    # -- the operator's side of DRS ------------------------------------------------------------

    def boot_failback_clients(
        self,
        region: str,
        recovery_instance_ids: list[str],
        *,
        launch_type: str = "RECOVERY",
        account: str | None = None,
    ) -> list[dict[str, Any]]:
        """What an operator does on premises: boot the DRS Failback Client on each target
        machine and pair it with its recovery instance. Raises ValueError, changing nothing,
        when one of them cannot be paired."""
        with self.lock:
            now = self.settle()
            where = self.regions.get((account or next(iter(self.scenario.accounts)), region))
            if where is None:
                raise ValueError(f"no region {region} in the estate")
            if launch_type not in FAILBACK_LAUNCH_TYPES:
                raise ValueError(f"launchType must be one of {', '.join(FAILBACK_LAUNCH_TYPES)}")
            instances = [self._pairable(where, rid) for rid in recovery_instance_ids]
            for instance in instances:
                self.failback.boot_client(instance, launch_type, now)
            return [i.to_wire(where.name) for i in instances]

    @staticmethod
    def _pairable(region: RegionEstate, instance_id: str) -> RecoveryInstance:
        instance = region.instances.get(instance_id)
        if instance is None:
            raise ValueError(f"no recovery instance {instance_id} in {region.name}")
        if instance.origin_environment != "ON_PREMISES":
            raise ValueError(f"{instance_id} has an AWS origin: it needs no failback client")
        if instance.state != "RUNNING":
            raise ValueError(f"{instance_id} is {instance.state}, not RUNNING")
        if instance.failback.state not in ("FAILBACK_NOT_STARTED", "FAILBACK_ERROR"):
            raise ValueError(f"{instance_id} is already paired ({instance.failback.state})")
        return instance

    # -- inspection --------------------------------------------------------------------------

    def set_faults(self, faults: list[Any]) -> list[dict[str, Any]]:
        """Replace the active faults (parsed items, as in a scenario's `faults`)."""
        with self.lock:
            self.faults.replace(faults)
            return self.faults.to_wire()

    def state(self) -> dict[str, Any]:
        """A summary of everything, for the admin API and for people."""
        with self.lock:
            now = self.settle()
            regions = []
            for r in self.regions.values():
                replication = Counter(s.replication_state for s in r.servers.values())
                regions.append(
                    {
                        "account": r.account,
                        "region": r.name,
                        "initialized": r.initialized,
                        "sourceServers": len(r.servers),
                        "replication": dict(replication),
                        "jobs": dict(Counter(j.status for j in r.jobs.values())),
                        "activeJobs": len(r.active_jobs),
                        "serversInActiveJobs": r.servers_in_active_jobs(),
                        "recoveryInstances": dict(Counter(i.state for i in r.instances.values())),
                        "servers": [
                            {
                                "sourceServerID": s.id,
                                "hostname": s.hostname,
                                "dataReplicationState": s.replication_state,
                                "tags": s.tags,
                            }
                            for s in r.servers.values()
                        ],
                    }
                )
            next_due = self.scheduler.next_due()
            return {
                "clock": self.clock.describe(),
                "seed": self.scenario.seed,
                "quotas": self.scenario.quotas.model_dump(),
                "timing": self.scenario.timing.model_dump(),
                "faults": self.faults.to_wire(),
                "pendingEvents": len(self.scheduler),
                "nextEventAt": iso(next_due) if next_due is not None else None,
                "regions": regions,
                "now": iso(now),
            }


def _ec2() -> Ec2:
    """moto is imported only when EC2 is kept (it takes about a second)."""
    try:
        from .ec2 import Ec2
    except ImportError as missing:
        raise RuntimeError(
            f"The emulator's EC2 needs moto ({missing.name} is not installed): "
            "pip install 'drs-orchestrator[emulator]', or run without EC2"
        ) from missing
    return Ec2()
