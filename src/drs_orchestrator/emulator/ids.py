"""Seeded identifiers: the same seed and the same calls give the same IDs."""

from __future__ import annotations

import random
import uuid


class IdFactory:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ids/{seed}")

    def _hex(self, length: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(length))

    def source_server(self) -> str:
        return "s-" + self._hex(17)

    def job(self) -> str:
        return "drsjob-" + self._hex(17)

    def instance(self) -> str:
        return "i-" + self._hex(17)

    def snapshot(self) -> str:
        return "pit-" + self._hex(17)

    def ebs_snapshot(self) -> str:
        return "snap-" + self._hex(17)

    def launch_template(self) -> str:
        return "lt-" + self._hex(17)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
