"""Databases for tests: a SQLite file, or a fresh schema in the machine's PostgreSQL."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("DRSO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_reachable: bool | None = None


def postgres_reachable() -> bool:
    global _reachable  # noqa: PLW0603 - probed once per session
    if _reachable is None:
        try:
            engine = sa.create_engine(
                POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"),
                connect_args={"connect_timeout": 3},
            )
            with engine.connect():
                pass
            engine.dispose()
            _reachable = True
        except sa.exc.OperationalError:
            _reachable = False
    return _reachable


def drop(url: str) -> None:
    """Drop the PostgreSQL schema `fresh_database_url` made (SQLite files go with tmp_path)."""
    if "search_path" in url:
        drop_schema(url.rsplit("%3D", 1)[1])


def drop_schema(schema: str) -> None:
    engine = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def fresh_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'drso.db'}"
    if not postgres_reachable():
        pytest.skip(
            f"PostgreSQL is not reachable at {POSTGRES_URL}; start it (`.ci/run` does) or set "
            "DRSO_TEST_POSTGRES_URL"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
