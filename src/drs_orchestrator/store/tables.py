"""The schema. Uniqueness and references are enforced here, by the database, not by a
read-then-write check in code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which forgets zones) as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(36), primary_key=True)


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    ]


protection_groups = sa.Table(
    "protection_groups",
    metadata,
    _id(),
    sa.Column("name", sa.String(128), nullable=False),
    # casefolded name: the unique index makes names unique without regard to case
    sa.Column("name_key", sa.String(128), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("source_server_ids", sa.JSON, nullable=True),
    sa.Column("selector_tags", sa.JSON, nullable=True),
    *_stamps(),
)

# A group's launch settings (domain/launch_settings.py), one document per group: its `id` is
# the group's, and it goes with the group.
launch_settings = sa.Table(
    "launch_settings",
    metadata,
    sa.Column(
        "id",
        sa.String(36),
        sa.ForeignKey("protection_groups.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("document", sa.JSON, nullable=False),
    *_stamps(),
    sa.Column("updated_by", sa.String(256), nullable=False),
)

# Each apply of a group's launch settings (service/launch_settings.py): followed like other
# work; the database holds at most one running apply per group.
_RUNNING = sa.text("state = 'RUNNING'")
launch_applies = sa.Table(
    "launch_applies",
    metadata,
    _id(),
    sa.Column(
        "group_id",
        sa.String(36),
        sa.ForeignKey("protection_groups.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("state", sa.String(16), nullable=False),  # RUNNING | COMPLETED | FAILED
    sa.Column("settings_version", sa.Integer, nullable=False),
    sa.Column("requested_by", sa.String(256), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),  # each server done moves it
    sa.Column("servers", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("unchanged", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index(
        "uq_launch_applies_running",
        "group_id",
        unique=True,
        sqlite_where=_RUNNING,
        postgresql_where=_RUNNING,
    ),
)

# What the last apply did to each server of a group: the state a drift check starts from.
launch_applied = sa.Table(
    "launch_applied",
    metadata,
    sa.Column(
        "group_id",
        sa.String(36),
        sa.ForeignKey("protection_groups.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("server_id", sa.String(32), primary_key=True),
    sa.Column("apply_id", sa.String(36), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # APPLIED | FAILED
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("by", sa.String(256), nullable=False),
    sa.Column("changed", sa.JSON, nullable=False),  # the fields this apply wrote
    sa.Column("template_version", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)

# One row per server a group holds (explicit, or resolved from its selector when saved).
# The primary key is the rule "a server belongs to one group at most".
group_servers = sa.Table(
    "group_servers",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("source_server_id", sa.String(19), primary_key=True),
    sa.Column(
        "group_id",
        sa.String(36),
        sa.ForeignKey("protection_groups.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

recovery_plans = sa.Table(
    "recovery_plans",
    metadata,
    _id(),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("name_key", sa.String(128), nullable=False, unique=True),
    sa.Column("document", sa.JSON, nullable=False),
    *_stamps(),
)

plan_versions = sa.Table(
    "plan_versions",
    metadata,
    sa.Column(
        "plan_id",
        sa.String(36),
        sa.ForeignKey("recovery_plans.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(256), nullable=False),
)

# Which groups each plan uses; RESTRICT makes "a referenced group cannot be deleted" hold
# even against a concurrent plan save.
plan_groups = sa.Table(
    "plan_groups",
    metadata,
    sa.Column(
        "plan_id",
        sa.String(36),
        sa.ForeignKey("recovery_plans.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "group_id",
        sa.String(36),
        sa.ForeignKey("protection_groups.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("username", sa.String(128), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    # Bumped whenever the user's password or roles change or the user is disabled: every
    # token and session carries the epoch it was issued in and dies when it moves on.
    sa.Column("token_epoch", sa.Integer, nullable=False, server_default="0"),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    # A generated one-time password must be replaced before anything else is allowed.
    sa.Column("password_change_required", sa.Boolean, nullable=False, server_default=sa.false()),
    *_stamps(),
)

# Console sign-ins: the HttpOnly cookie holds a random secret whose SHA-256 is kept here.
sessions = sa.Table(
    "sessions",
    metadata,
    _id(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    # A local user's session dies with the user; a Cognito session has no local user.
    sa.Column(
        "user_id",
        sa.String(36),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("username", sa.String(256), nullable=False),
    sa.Column("via", sa.String(16), nullable=False),  # password | cognito
    sa.Column("roles", sa.JSON, nullable=False),  # Cognito's groups at sign-in
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _id(),
    sa.Column(
        "user_id",
        sa.String(36),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    # The private key, encrypted with a key from configuration (DRSO_SECRET_KEY), never clear.
    sa.Column("sealed_key", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("resource_id", sa.String(64), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Index("ix_audit_log_resource", "resource_type", "resource_id"),
)

# --- executions ---------------------------------------------------------------------------------

executions = sa.Table(
    "executions",
    metadata,
    _id(),
    # No foreign key: an execution's record outlives its plan (the plan is frozen in `state`).
    sa.Column("plan_id", sa.String(36), nullable=False),
    sa.Column("plan_name", sa.String(128), nullable=False),
    sa.Column("plan_version", sa.Integer, nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    # Active, or ended with a clean-up under way or due: a worker must run its workflow.
    sa.Column("has_work", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
    sa.Column("initiated_by", sa.String(256), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("workflow_id", sa.String(80), nullable=True),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Index("ix_executions_created", "created_at", "id"),
    sa.Index("ix_executions_plan", "plan_id", "created_at"),
    sa.Index("ix_executions_active", "active", "created_at"),
)

execution_events = sa.Table(
    "execution_events",
    metadata,
    sa.Column(
        "execution_id",
        sa.String(36),
        sa.ForeignKey("executions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("old", sa.String(32), nullable=True),
    sa.Column("new", sa.String(32), nullable=True),
    sa.Column("detail", sa.JSON, nullable=False),
)

# A server is in at most one active execution: the primary key refuses a second one, and the
# row goes when its execution ends.
execution_servers = sa.Table(
    "execution_servers",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("server_id", sa.String(32), primary_key=True),
    sa.Column(
        "execution_id",
        sa.String(36),
        sa.ForeignKey("executions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

# Launch batches across executions: what admission control counts and where the intent to
# call StartRecovery is recorded before the call.
launch_batches = sa.Table(
    "launch_batches",
    metadata,
    sa.Column(
        "execution_id",
        sa.String(36),
        sa.ForeignKey("executions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("batch_key", sa.String(80), primary_key=True),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("server_count", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # QUEUED | ADMITTED | RUNNING | ENDED
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("admitted_at", UtcDateTime, nullable=True),
    sa.Column("intent_at", UtcDateTime, nullable=True),
    sa.Column("job_id", sa.String(32), nullable=True),
    sa.Index("ix_launch_batches_place", "account_id", "region", "state"),
)

# Calls to AWS that create something (a TERMINATE job, an SSM run, a Lambda invocation):
# the intent is stored before the call and what it created after, so that a worker that died
# in between looks for what it may have created before calling again.
call_intents = sa.Table(
    "call_intents",
    metadata,
    sa.Column(
        "execution_id",
        sa.String(36),
        sa.ForeignKey("executions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("call_key", sa.String(200), primary_key=True),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("intent_at", UtcDateTime, nullable=False),
    sa.Column("result", sa.String(128), nullable=True),  # the job, run or invocation it made
    sa.Column("done_at", UtcDateTime, nullable=True),
)

# Every DRS job we follow (launches and terminations), as the poller last saw it.
drs_jobs = sa.Table(
    "drs_jobs",
    metadata,
    sa.Column("job_id", sa.String(32), primary_key=True),
    sa.Column(
        "execution_id",
        sa.String(36),
        sa.ForeignKey("executions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("kind", sa.String(16), nullable=False),  # LAUNCH | TERMINATE
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("server_count", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # PENDING | STARTED | COMPLETED
    sa.Column("fingerprint", sa.String(64), nullable=True),
    sa.Column("view", sa.JSON, nullable=True),
    sa.Column("observed_seq", sa.Integer, nullable=False),  # bumped on every change seen
    sa.Column("applied_seq", sa.Integer, nullable=False),  # what the execution has taken in
    sa.Column("followed", sa.Boolean, nullable=False),  # the poller still asks about it
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Index("ix_drs_jobs_place", "account_id", "region", "status"),
    sa.Index("ix_drs_jobs_followed", "followed", "account_id", "region"),
)

# One poller per account and region across every worker: whoever holds the lease polls.
poller_leases = sa.Table(
    "poller_leases",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("holder", sa.String(80), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

# Workers alive, by DBOS executor ID: a survivor takes over the workflows of one whose
# heartbeat stopped.
workers = sa.Table(
    "workers",
    metadata,
    sa.Column("executor_id", sa.String(80), primary_key=True),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),
)

# --- the way home -------------------------------------------------------------------------------

# Where each plan stands in the round trip (domain/site.py); no row is PROTECTED.
site_states = sa.Table(
    "site_states",
    metadata,
    sa.Column(
        "plan_id",
        sa.String(36),
        sa.ForeignKey("recovery_plans.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("since", UtcDateTime, nullable=False),
    # The execution or reprotect that moved it last (what its end is read from).
    sa.Column("moved_by", sa.String(36), nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# Every move of a plan's site state: the round trip's timeline.
site_events = sa.Table(
    "site_events",
    metadata,
    sa.Column(
        "plan_id",
        sa.String(36),
        sa.ForeignKey("recovery_plans.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("old", sa.String(16), nullable=False),
    sa.Column("new", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("moved_by", sa.String(36), nullable=True),
    sa.Column("detail", sa.JSON, nullable=False),
)

# Reprotects: ReverseReplication of a plan's recovery instances, in the background.
reprotects = sa.Table(
    "reprotects",
    metadata,
    _id(),
    sa.Column(
        "plan_id",
        sa.String(36),
        sa.ForeignKey("recovery_plans.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("state", sa.String(16), nullable=False),  # RUNNING | COMPLETED | FAILED
    sa.Column("waves", sa.JSON, nullable=True),  # the waves asked for; null for all
    sa.Column("requested_by", sa.String(256), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    # The worker (executor ID) running it; another takes it over only once this one's
    # heart has stopped (workers), or this one, restarted, takes it up again.
    sa.Column("owner", sa.String(80), nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Column("servers", sa.Integer, nullable=False),
    sa.Column("reversed", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    # One running reprotect per plan.
    sa.Index(
        "uq_reprotects_running",
        "plan_id",
        unique=True,
        sqlite_where=_RUNNING,
        postgresql_where=_RUNNING,
    ),
)

# Each ReverseReplication: the intent is stored before the call, the reversed server after.
reprotect_calls = sa.Table(
    "reprotect_calls",
    metadata,
    sa.Column(
        "reprotect_id",
        sa.String(36),
        sa.ForeignKey("reprotects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("server_id", sa.String(32), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),  # the order the intents were stored in
    sa.Column("recovery_instance_id", sa.String(32), nullable=False),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("intent_at", UtcDateTime, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),  # REVERSED | SKIPPED | FAILED
    sa.Column("result", sa.String(256), nullable=True),  # the reversed server's ARN
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("done_at", UtcDateTime, nullable=True),
)
