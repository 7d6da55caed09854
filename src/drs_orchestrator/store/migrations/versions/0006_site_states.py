"""site states of plans, their timeline, and reprotects with their ReverseReplication calls

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_RUNNING = sa.text("state = 'RUNNING'")


def _plan_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["plan_id"],
        ["recovery_plans.id"],
        name=op.f(f"fk_{table}_plan_id_recovery_plans"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "site_states",
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _plan_fk("site_states"),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_site_states")),
    )
    op.create_table(
        "site_events",
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("old", sa.String(length=16), nullable=False),
        sa.Column("new", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("moved_by", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        _plan_fk("site_events"),
        sa.PrimaryKeyConstraint("plan_id", "seq", name=op.f("pk_site_events")),
    )
    op.create_table(
        "reprotects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("waves", sa.JSON(), nullable=True),
        sa.Column("requested_by", sa.String(length=256), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("servers", sa.Integer(), nullable=False),
        sa.Column("reversed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _plan_fk("reprotects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reprotects")),
    )
    op.create_index(op.f("ix_reprotects_plan_id"), "reprotects", ["plan_id"], unique=False)
    op.create_index(
        "uq_reprotects_running",
        "reprotects",
        ["plan_id"],
        unique=True,
        sqlite_where=_RUNNING,
        postgresql_where=_RUNNING,
    )
    op.create_table(
        "reprotect_calls",
        sa.Column("reprotect_id", sa.String(length=36), nullable=False),
        sa.Column("server_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("recovery_instance_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("intent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("result", sa.String(length=256), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reprotect_id"],
            ["reprotects.id"],
            name=op.f("fk_reprotect_calls_reprotect_id_reprotects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reprotect_id", "server_id", name=op.f("pk_reprotect_calls")),
    )


def downgrade() -> None:
    op.drop_table("reprotect_calls")
    op.drop_index("uq_reprotects_running", table_name="reprotects")
    op.drop_index(op.f("ix_reprotects_plan_id"), table_name="reprotects")
    op.drop_table("reprotects")
    op.drop_table("site_events")
    op.drop_table("site_states")
