"""A faithful AWS Elastic Disaster Recovery emulator, speaking DRS's real wire protocol.

It imports nothing else from drs_orchestrator: it stands alone, as DRS does.
"""

from .app import create_app
from .clock import Clock, ManualClock, ScaledClock
from .emulator import Emulator
from .scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from .server import EmulatorThread

__all__ = [
    "Clock",
    "Emulator",
    "EmulatorThread",
    "ManualClock",
    "ScaledClock",
    "Scenario",
    "ScenarioError",
    "create_app",
    "load_scenario",
    "parse_scenario",
]
