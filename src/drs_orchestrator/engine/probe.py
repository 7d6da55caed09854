"""Where the engine says what its workflows are doing. Production ignores it; a test's
probe counts wake-ups and rests so it can wait until every workflow has settled."""

from __future__ import annotations


class Probe:
    def started(self, execution_id: str) -> None:
        """A workflow was started for the execution by this worker."""

    def sent(self, execution_id: str) -> None:
        """A wake-up was sent to the execution's workflow."""

    def woke(self, execution_id: str, message: object) -> None:
        """The workflow woke: by a wake-up (`message`), or by its own timeout (None)."""

    def resting(self, execution_id: str, *, finished: bool) -> None:
        """The workflow waits for news, or has ended (`finished`)."""

    def changed(self) -> None:
        """Some execution's state was stored."""
