"""launch settings applies, and what the last one did to each server

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RUNNING = sa.text("state = 'RUNNING'")


def upgrade() -> None:
    op.create_table(
        "launch_applies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("settings_version", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=256), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("servers", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["protection_groups.id"],
            name=op.f("fk_launch_applies_group_id_protection_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_applies")),
    )
    op.create_index(
        op.f("ix_launch_applies_group_id"), "launch_applies", ["group_id"], unique=False
    )
    op.create_index(
        "uq_launch_applies_running",
        "launch_applies",
        ["group_id"],
        unique=True,
        sqlite_where=_RUNNING,
        postgresql_where=_RUNNING,
    )
    op.create_table(
        "launch_applied",
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("server_id", sa.String(length=32), nullable=False),
        sa.Column("apply_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=256), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["protection_groups.id"],
            name=op.f("fk_launch_applied_group_id_protection_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "server_id", name=op.f("pk_launch_applied")),
    )


def downgrade() -> None:
    op.drop_table("launch_applied")
    op.drop_index("uq_launch_applies_running", table_name="launch_applies")
    op.drop_index(op.f("ix_launch_applies_group_id"), table_name="launch_applies")
    op.drop_table("launch_applies")
