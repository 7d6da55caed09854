"""The migrations build exactly the schema the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from drs_orchestrator.store.db import create_engine, migrate
from drs_orchestrator.store.tables import metadata
from tests.store_backends import drop, fresh_database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    url = fresh_database_url(request.param, tmp_path)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    drop(url)


def test_migrating_a_fresh_database_gives_the_declared_schema(engine: sa.Engine) -> None:
    migrate(engine)
    migrate(engine)  # and again: nothing to do

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)

    assert differences == []
    assert {"executions", "execution_events", "drs_jobs"} <= set(
        sa.inspect(engine).get_table_names()
    )
