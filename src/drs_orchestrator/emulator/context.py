"""What an operation handler sees: one call, and the few parts of the emulator it may use.

The handlers (operations.py) take a `Call`, never the Emulator itself: emulator.py builds the
Call and dispatches to the handlers, so the dependency runs one way only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .estate import Region, SourceServer
from .failback import FailbackPlanner
from .faults import FaultSet
from .ids import IdFactory
from .jobs import JobPlanner
from .scenario import Quotas, ServerSpec

if TYPE_CHECKING:
    from .ec2 import RegionEc2


@dataclass(frozen=True)
class Call:
    """One DRS call: its region's estate and validated parameters, at the emulated `now`."""

    region: Region
    params: dict[str, Any]
    now: float
    quotas: Quotas
    ids: IdFactory
    faults: FaultSet
    # The region's job planner, made on first use (most calls never plan a job).
    planner_for: Callable[[Region], JobPlanner]
    failback: FailbackPlanner
    # Every (account, region) of the estate: ReverseReplication reaches the origin region.
    regions: Mapping[tuple[str, str], Region]
    # Adds a source server to a region as the scenario's would be (with its launch template).
    add_server: Callable[[Region, ServerSpec, str], SourceServer]
    ec2: RegionEc2 | None = None  # the region's EC2, when the emulator keeps it

    def planner(self) -> JobPlanner:
        return self.planner_for(self.region)


Handler = Callable[[Call], dict[str, Any]]
