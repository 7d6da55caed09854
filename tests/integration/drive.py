"""Driving the engine through emulated time in tests: the manual clock moves only when a
test moves it, and nothing sleeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from drs_orchestrator.emulator import Emulator
from drs_orchestrator.engine.clock import Clock
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.engine.runner import Engine
from tests.integration.probe import settling


def manual_clock(emulator: Emulator) -> Clock:
    """The engine keeps the emulator's manual time."""
    return Clock(lambda: datetime.fromtimestamp(emulator.clock.now(), UTC), speed=None)


class Drive:
    """Moves emulated time and lets the engine see it: poll DRS, wake every workflow."""

    def __init__(self, emulator: Emulator, engine: Engine) -> None:
        self.emulator = emulator
        self.engine = engine
        self.probe = settling(engine)

    def settle(self) -> None:
        """Let every workflow finish what it can do at this moment."""
        self.probe.settle()

    def advance(self, seconds: float) -> None:
        self.emulator.advance(seconds)
        self.engine.poller.poll_now()
        self.engine.resume_unattended()  # as the heartbeat does
        self.engine.wake_all()
        self.probe.settle()

    def until(
        self, execution_id: str, done: Callable[[ExecutionState], bool], step: float = 120
    ) -> ExecutionState:
        """Advance emulated time in steps until `done` holds (at most 6 emulated hours)."""
        self.probe.settle()
        for _ in range(int(6 * 3600 / step)):
            state = self.engine.state(execution_id)
            if done(state):
                return state
            self.advance(step)
        state = self.engine.state(execution_id)
        waves = [(w.name, w.status, [(h.hook.type, h.status, h.detail) for h in w.hooks])
                 for w in state.waves]  # fmt: skip
        raise AssertionError(f"never reached: {state.status} {waves}")
