"""Site states and reprotects in the store, on SQLite and on PostgreSQL: a move made from a
stale read writes nothing, and one reprotect runs per plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from drs_orchestrator.domain.plans import RecoveryPlanSpec
from drs_orchestrator.store import groups, plans, sites
from drs_orchestrator.store.db import create_engine, migrate
from tests.store_backends import drop, fresh_database_url

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
PLAN = "plan-1"
NEVER = sites.SiteRow("PROTECTED", datetime.min, None, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    url = fresh_database_url(request.param, tmp_path)
    engine = create_engine(url)
    migrate(engine)
    spec = RecoveryPlanSpec.model_validate(
        {"name": "Shop", "waves": [{"name": "DB", "protectionGroupIds": ["pg-1"]}]}
    )
    with engine.begin() as conn:
        groups.insert(conn, _group("pg-1"))
        plans.insert(conn, PLAN, spec, T0, "admin")
    yield engine
    engine.dispose()
    drop(url)


def _group(group_id: str) -> dict[str, object]:
    return {
        "id": group_id,
        "name": "DB servers",
        "name_key": "db servers",
        "description": "",
        "account_id": "111122223333",
        "region": "us-east-1",
        "source_server_ids": [],
        "selector_tags": None,
        "version": 1,
        "created_at": T0,
        "updated_at": T0,
        "created_by": "admin",
    }


def _move(conn: sa.Connection, held: sites.SiteRow, event: str, new: str, at: datetime) -> bool:
    return sites.move(
        conn, PLAN, held, event=event, new=new, at=at, actor="admin", moved_by="x", detail={}
    )


def test_a_move_from_a_stale_read_writes_nothing(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        assert _move(conn, NEVER, "RECOVERY_STARTED", "RECOVERING", T0)
    with engine.begin() as conn:
        assert not _move(conn, NEVER, "RECOVERY_STARTED", "RECOVERING", T0)  # first move raced
        held = sites.get(conn, PLAN)
    assert held is not None
    later = T0 + timedelta(minutes=30)
    with engine.begin() as conn:
        assert _move(conn, held, "RECOVERY_ENDED", "RECOVERED", later)
    with engine.begin() as conn:
        assert not _move(conn, held, "RECOVERY_LAUNCHED_NOTHING", "PROTECTED", later)

    with engine.connect() as conn:
        now = sites.get(conn, PLAN)
        timeline = sites.events(conn, PLAN)
    assert now == sites.SiteRow("RECOVERED", later, "x", 2)
    assert [(e.seq, e.old, e.new) for e in timeline] == [
        (1, "PROTECTED", "RECOVERING"),
        (2, "RECOVERING", "RECOVERED"),
    ]


def _reprotect(conn: sa.Connection, reprotect_id: str) -> None:
    sites.insert_reprotect(
        conn,
        reprotect_id=reprotect_id,
        plan_id=PLAN,
        waves=None,
        servers=2,
        actor="a",
        now=T0,
        owner="local",
    )


def test_one_reprotect_runs_per_plan_and_its_calls_keep_their_order(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _reprotect(conn, "r1")
        for server in ("s-b", "s-a"):
            sites.record_intent(
                conn, "r1", server_id=server, recovery_instance_id="i", place=("1", "r"), now=T0
            )
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        _reprotect(conn, "r2")

    with engine.begin() as conn:
        sites.complete_call(
            conn, "r1", "s-a", outcome=sites.REVERSED, result="arn", detail=None, now=T0
        )
        sites.complete_call(
            conn, "r1", "s-b", outcome=sites.SKIPPED, result=None, detail="on-prem", now=T0
        )
        sites.finish_reprotect(conn, "r1", state=sites.COMPLETED, now=T0)
        _reprotect(conn, "r2")  # the first one ended: a second may run
    with engine.connect() as conn:
        first = sites.reprotect(conn, "r1")
        calls = sites.calls(conn, "r1")
        running = sites.running_reprotects(conn)
    assert first is not None
    assert (first.state, first.reversed, first.skipped, first.failed) == ("COMPLETED", 1, 1, 0)
    assert list(calls) == ["s-b", "s-a"]
    assert [r.id for r in running] == ["r2"]
