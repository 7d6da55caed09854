"""trust: token epochs, disabled users, forced password change, console sessions, sealed
signing keys, intents of AWS calls that create something

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("token_epoch", sa.Integer(), nullable=False, server_default="0"))
        users.add_column(
            sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        users.add_column(
            sa.Column(
                "password_change_required", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    # Keys written in the clear before this revision are sealed at the next start (the
    # migration does not know the secret key); until then the column holds their PEM.
    with op.batch_alter_table("signing_keys") as keys:
        keys.alter_column("private_pem", new_column_name="sealed_key")
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("username", sa.String(length=256), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"], unique=False)
    op.create_index(op.f("ix_sessions_expires_at"), "sessions", ["expires_at"], unique=False)
    with op.batch_alter_table("executions") as executions:
        executions.add_column(
            sa.Column("has_work", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        executions.create_index("ix_executions_has_work", ["has_work"], unique=False)
    op.execute("UPDATE executions SET has_work = active")
    op.create_table(
        "call_intents",
        sa.Column("execution_id", sa.String(length=36), nullable=False),
        sa.Column("call_key", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("intent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=128), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["executions.id"],
            name=op.f("fk_call_intents_execution_id_executions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("execution_id", "call_key", name=op.f("pk_call_intents")),
    )


def downgrade() -> None:
    op.drop_table("call_intents")
    with op.batch_alter_table("executions") as executions:
        executions.drop_index("ix_executions_has_work")
        executions.drop_column("has_work")
    op.drop_index(op.f("ix_sessions_expires_at"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_table("sessions")
    with op.batch_alter_table("signing_keys") as keys:
        keys.alter_column("sealed_key", new_column_name="private_pem")
    with op.batch_alter_table("users") as users:
        users.drop_column("password_change_required")
        users.drop_column("disabled")
        users.drop_column("token_epoch")
