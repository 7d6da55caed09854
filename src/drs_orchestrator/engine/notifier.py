"""Telling whoever listens that an execution changed: the API's live streams, each on its
own event loop, and threads that wait for a change."""

from __future__ import annotations

import asyncio
import threading


class Notifier:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._generation = 0
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def changed(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()
            listeners = list(self._listeners)
        for loop, event in listeners:
            loop.call_soon_threadsafe(event.set)

    def listen(self) -> asyncio.Event:
        """An event set whenever any execution changes (for streams on the running loop)."""
        event = asyncio.Event()
        with self._changed:
            self._listeners.add((asyncio.get_running_loop(), event))
        return event

    def unlisten(self, event: asyncio.Event) -> None:
        with self._changed:
            self._listeners = {(lp, ev) for lp, ev in self._listeners if ev is not event}

    def wait(self, timeout: float) -> bool:
        """Block this thread until the next change; False when none came within `timeout`."""
        with self._changed:
            seen = self._generation
            return self._changed.wait_for(lambda: self._generation != seen, timeout)
