"""What every use case needs: the database, DRS, the settings and the time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from drs_orchestrator.config import Settings
from drs_orchestrator.drs.gateway import DrsGateway


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    engine: sa.Engine
    drs: DrsGateway
    settings: Settings
    now: Callable[[], datetime] = field(default=utc_now)

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One transaction: everything in it lands, or nothing does."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    def database_error(self) -> str | None:
        """None when the database answers a trivial query; else the kind of error it raised."""
        try:
            with self.read() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as error:
            return type(error).__name__
        return None
