"""Local users, their API tokens and console sessions, and the local issuer's signing keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from drs_orchestrator.store import pages
from drs_orchestrator.store.tables import api_tokens, sessions, signing_keys, users


@dataclass(frozen=True)
class UserRecord:
    id: str
    username: str
    password_hash: str
    roles: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    token_epoch: int = 0
    disabled: bool = False
    password_change_required: bool = False


@dataclass(frozen=True)
class TokenRecord:
    id: str
    user_id: str
    username: str
    name: str
    prefix: str
    roles: list[str]
    user_roles: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def _user(row: Any) -> UserRecord:
    return UserRecord(
        row.id,
        row.username,
        row.password_hash,
        list(row.roles),
        row.version,
        row.created_at,
        row.updated_at,
        row.created_by,
        row.token_epoch,
        bool(row.disabled),
        bool(row.password_change_required),
    )


def count(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())


def by_name(conn: sa.Connection, username: str) -> UserRecord | None:
    row = conn.execute(sa.select(users).where(users.c.username == username.casefold())).first()
    return _user(row) if row else None


def by_id(conn: sa.Connection, user_id: str) -> UserRecord | None:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def list_page(conn: sa.Connection, limit: int, cursor: str | None) -> pages.Page[UserRecord]:
    query = sa.select(users).order_by(users.c.username).limit(limit + 1)
    if (after := pages.decode(cursor, str)) is not None:
        query = query.where(users.c.username > after)
    rows = [_user(r) for r in conn.execute(query)]
    return pages.cut(rows, limit, rows[limit - 1].username if len(rows) > limit else None)


def insert(conn: sa.Connection, values: dict[str, Any]) -> None:
    conn.execute(sa.insert(users).values(**values))


def delete(conn: sa.Connection, user_id: str) -> None:
    conn.execute(sa.delete(users).where(users.c.id == user_id))


def active_admins(conn: sa.Connection) -> list[str]:
    """Usernames of the enabled users holding the admin role."""
    rows = conn.execute(sa.select(users.c.username, users.c.roles).where(~users.c.disabled))
    return sorted(r.username for r in rows if "admin" in (r.roles or []))


def _token(row: Any) -> TokenRecord:
    return TokenRecord(
        row.id,
        row.user_id,
        row.username,
        row.name,
        row.prefix,
        list(row.roles),
        list(row.user_roles),
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.revoked_at,
    )


_TOKEN_QUERY = sa.select(api_tokens, users.c.username, users.c.roles.label("user_roles")).join(
    users, users.c.id == api_tokens.c.user_id
)


def insert_token(conn: sa.Connection, values: dict[str, Any]) -> None:
    conn.execute(sa.insert(api_tokens).values(**values))


def token_by_hash(conn: sa.Connection, token_hash: str) -> TokenRecord | None:
    row = conn.execute(_TOKEN_QUERY.where(api_tokens.c.token_hash == token_hash)).first()
    return _token(row) if row else None


def token_by_id(conn: sa.Connection, token_id: str) -> TokenRecord | None:
    row = conn.execute(_TOKEN_QUERY.where(api_tokens.c.id == token_id)).first()
    return _token(row) if row else None


def tokens_page(
    conn: sa.Connection, user_id: str | None, limit: int, cursor: str | None
) -> pages.Page[TokenRecord]:
    """Newest first; every user's when `user_id` is None."""
    query = _TOKEN_QUERY.order_by(api_tokens.c.id.desc()).limit(limit + 1)
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    if (after := pages.decode(cursor, str)) is not None:
        query = query.where(api_tokens.c.id < after)
    rows = [_token(r) for r in conn.execute(query)]
    return pages.cut(rows, limit, rows[limit - 1].id if len(rows) > limit else None)


def touch_token(conn: sa.Connection, token_id: str, now: datetime) -> None:
    conn.execute(sa.update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


def revoke_token(conn: sa.Connection, token_id: str, now: datetime) -> None:
    conn.execute(
        sa.update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def signing_key(conn: sa.Connection) -> tuple[str, str] | None:
    """(kid, sealed private key) of the newest key."""
    row = conn.execute(
        sa.select(signing_keys).order_by(signing_keys.c.created_at.desc()).limit(1)
    ).first()
    return (row.kid, row.sealed_key) if row else None


def all_signing_keys(conn: sa.Connection) -> list[tuple[str, str, datetime]]:
    """(kid, sealed private key, created at), oldest first."""
    rows = conn.execute(sa.select(signing_keys).order_by(signing_keys.c.created_at))
    return [(r.kid, r.sealed_key, r.created_at) for r in rows]


def insert_signing_key(conn: sa.Connection, kid: str, sealed: str, now: datetime) -> None:
    conn.execute(sa.insert(signing_keys).values(kid=kid, sealed_key=sealed, created_at=now))


def reseal_signing_key(conn: sa.Connection, kid: str, sealed: str) -> None:
    conn.execute(sa.update(signing_keys).where(signing_keys.c.kid == kid).values(sealed_key=sealed))


def delete_signing_key(conn: sa.Connection, kid: str) -> None:
    conn.execute(sa.delete(signing_keys).where(signing_keys.c.kid == kid))


# --- console sessions --------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str | None
    username: str
    via: str
    roles: list[str]
    epoch: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def insert_session(conn: sa.Connection, values: dict[str, Any]) -> None:
    conn.execute(sa.insert(sessions).values(**values))


def session_by_hash(conn: sa.Connection, token_hash: str) -> SessionRecord | None:
    row = conn.execute(sa.select(sessions).where(sessions.c.token_hash == token_hash)).first()
    if row is None:
        return None
    return SessionRecord(
        row.id,
        row.user_id,
        row.username,
        row.via,
        list(row.roles),
        row.epoch,
        row.csrf_token,
        row.created_at,
        row.expires_at,
        row.revoked_at,
    )


def revoke_session(conn: sa.Connection, session_id: str, now: datetime) -> None:
    conn.execute(
        sa.update(sessions)
        .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def delete_sessions_before(conn: sa.Connection, moment: datetime) -> None:
    """Forget sessions that expired before `moment` (an index range on expires_at)."""
    conn.execute(sa.delete(sessions).where(sessions.c.expires_at < moment))
