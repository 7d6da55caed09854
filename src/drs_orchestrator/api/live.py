"""Live streams, shared: one reader of an execution's events per process, fanned out to every
client that follows it. A change costs one events query and one serialisation per event,
however many follow; whether the execution is over is read from its events, not by loading
its state."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from fastapi.sse import format_sse_event

from drs_orchestrator.domain.executions import CleanupStatus, ExecutionStatus
from drs_orchestrator.reports.evidence import Transition
from drs_orchestrator.service.records import EventRow

_log = logging.getLogger(__name__)

# Without an engine in this process (another worker runs the execution) changes are polled.
POLL_SECONDS = 1.0
_CLEANING = {CleanupStatus.REQUESTED.value, CleanupStatus.RUNNING.value}

ReadAfter = Callable[[int], Awaitable[list[EventRow]]]


class Listened(Protocol):
    """What tells of changes: the engine running in this process."""

    def listen(self) -> asyncio.Event: ...

    def unlisten(self, event: asyncio.Event) -> None: ...


def sse(row: EventRow) -> bytes:
    body = Transition.model_validate(row.__dict__).model_dump_json(by_alias=True)
    return format_sse_event(data_str=body, event=row.kind, id=str(row.seq))


@dataclass
class Feed:
    """An execution's events read so far (each serialised once), and where it stands."""

    read_after: ReadAfter
    seqs: list[int] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)
    status: str = ExecutionStatus.PENDING.value
    cleanup: str = CleanupStatus.NONE.value
    grew: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reading: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def over(self) -> bool:
        """Ended, and no clean-up under way: nothing more will happen on its own."""
        return not ExecutionStatus(self.status).active and self.cleanup not in _CLEANING

    async def refresh(self) -> None:
        """Read what was recorded since the last read (every page of it)."""
        async with self._reading:
            while rows := await self.read_after(self.seqs[-1] if self.seqs else -1):
                for row in rows:
                    self.seqs.append(row.seq)
                    self.frames.append(sse(row))
                    if row.kind == "execution" and row.new is not None:
                        self.status = row.new
                    elif row.kind == "cleanup" and row.new is not None:
                        self.cleanup = row.new
        async with self.grew:
            self.grew.notify_all()

    def index_after(self, seq: int) -> int:
        return bisect.bisect_right(self.seqs, seq)

    async def wait(self, index: int, timeout: float) -> bool:
        """Until there is an event at `index` or the feed is over; False after `timeout`."""
        async with self.grew:
            try:
                await asyncio.wait_for(
                    self.grew.wait_for(lambda: len(self.frames) > index or self.over), timeout
                )
            except TimeoutError:
                return False
        return True


@dataclass
class _Followed:
    feed: Feed
    pump: asyncio.Task[None]
    followers: int = 0


class Feeds:
    """The feeds of this process, one per execution that someone follows."""

    def __init__(self) -> None:
        self._followed: dict[str, _Followed] = {}
        self._opening = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def follow(
        self, execution_id: str, read_after: ReadAfter, engine: Listened | None
    ) -> AsyncIterator[Feed]:
        async with self._opening:
            followed = self._followed.get(execution_id)
            if followed is None:
                feed = Feed(read_after)
                await feed.refresh()
                pump = asyncio.create_task(_pump(feed, engine))
                followed = self._followed[execution_id] = _Followed(feed, pump)
            followed.followers += 1
        try:
            yield followed.feed
        finally:
            followed.followers -= 1
            if followed.followers == 0 and self._followed.get(execution_id) is followed:
                del self._followed[execution_id]
                followed.pump.cancel()

    def following(self, execution_id: str) -> int:
        """How many follow the execution in this process (one reader for all of them)."""
        found = self._followed.get(execution_id)
        return found.followers if found else 0


async def _pump(feed: Feed, engine: Listened | None) -> None:
    """Read again whenever the engine records a change (or every POLL_SECONDS without one
    here), until the execution is over."""
    changed = engine.listen() if engine is not None else None
    try:
        while not feed.over:
            await changed_within(changed, POLL_SECONDS)
            await feed.refresh()
    finally:
        if engine is not None and changed is not None:
            engine.unlisten(changed)


async def changed_within(changed: asyncio.Event | None, seconds: float) -> bool:
    """True when something changed within `seconds` (without an engine: just wait)."""
    if changed is None:
        await asyncio.sleep(seconds)
        return False
    try:
        await asyncio.wait_for(changed.wait(), seconds)
    except TimeoutError:
        return False
    changed.clear()
    return True


MakeBody = Callable[[], Awaitable[str]]


class Board:
    """One document that many follow (the active executions), made again when the engine
    records a change and shared: however many consoles show it, a change costs one read and
    one serialisation. Followers see each new body once (`generation` counts them)."""

    def __init__(self) -> None:
        self.body = ""
        self.generation = 0
        self._grew = asyncio.Condition()
        self._opening = asyncio.Lock()
        self._pump: asyncio.Task[None] | None = None
        self._followers = 0

    @contextlib.asynccontextmanager
    async def follow(self, make: MakeBody, engine: Listened | None) -> AsyncIterator[Board]:
        async with self._opening:
            if self._pump is None:
                await self._remake(make)  # the first follower is answered at once
                self._pump = asyncio.create_task(self._pumping(make, engine))
            self._followers += 1
        try:
            yield self
        finally:
            self._followers -= 1
            if self._followers == 0 and self._pump is not None:
                self._pump.cancel()
                self._pump = None

    @property
    def followers(self) -> int:
        return self._followers

    async def wait(self, seen: int, timeout: float) -> bool:
        """Until a body newer than generation `seen`; False after `timeout`."""
        async with self._grew:
            try:
                await asyncio.wait_for(self._grew.wait_for(lambda: self.generation > seen), timeout)
            except TimeoutError:
                return False
        return True

    async def _remake(self, make: MakeBody) -> None:
        body = await make()
        if body != self.body:
            self.body, self.generation = body, self.generation + 1
            async with self._grew:
                self._grew.notify_all()

    async def _pumping(self, make: MakeBody, engine: Listened | None) -> None:
        changed = engine.listen() if engine is not None else None
        try:
            while True:
                await changed_within(changed, POLL_SECONDS)
                try:
                    await self._remake(make)
                except Exception:  # a failed read (the database away) is tried at the next change
                    _log.exception("The active executions could not be read")
        finally:
            if engine is not None and changed is not None:
                engine.unlisten(changed)
