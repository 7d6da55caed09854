"""Console sessions: what the HttpOnly session cookie stands for.

The cookie holds a random secret; the database keeps its SHA-256, the user, the epoch it was
opened in and the CSRF token that state-changing requests must echo. A session dies when it
expires, when its user signs out, and when its user's epoch moves on (password or roles
changed, user disabled or deleted).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from drs_orchestrator.domain.errors import Forbidden, Unauthorized
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.tokens import token_hash
from drs_orchestrator.service.users import Identity, UserStates
from drs_orchestrator.store import users
from drs_orchestrator.store.users import SessionRecord, UserRecord


@dataclass(frozen=True)
class Opened:
    secret: str  # the cookie's value: shown to the browser only, never stored
    csrf_token: str
    expires_at: datetime


def _ended(reason: str) -> Unauthorized:
    return Unauthorized("SESSION_ENDED", f"Your session has ended ({reason}); sign in again")


class SessionService:
    def __init__(self, ctx: Context, states: UserStates) -> None:
        self.ctx = ctx
        self.states = states

    def open_local(self, user: UserRecord) -> Opened:
        expires = self.ctx.now() + timedelta(seconds=self.ctx.settings.session_ttl_seconds)
        return self._open(
            user.id, user.username, "session", [], epoch=user.token_epoch, expires_at=expires
        )

    def open_federated(self, who: Identity, expires_at: datetime) -> Opened:
        """A session for a Cognito user (no local user: the roles are Cognito's groups now)."""
        limit = self.ctx.now() + timedelta(seconds=self.ctx.settings.session_ttl_seconds)
        roles = sorted(str(r) for r in who.roles)
        return self._open(
            None, who.username, "cognito", roles, epoch=0, expires_at=min(expires_at, limit)
        )

    def _open(
        self,
        user_id: str | None,
        username: str,
        via: str,
        roles: list[str],
        *,
        epoch: int,
        expires_at: datetime,
    ) -> Opened:
        secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.ctx.now()
        with self.ctx.write() as conn:
            users.delete_sessions_before(conn, now - timedelta(days=1))
            users.insert_session(
                conn,
                {
                    "id": str(uuid.uuid4()),
                    "token_hash": token_hash(secret),
                    "user_id": user_id,
                    "username": username,
                    "via": via,
                    "roles": roles,
                    "epoch": epoch,
                    "csrf_token": csrf,
                    "created_at": now,
                    "expires_at": expires_at,
                },
            )
        return Opened(secret, csrf, expires_at)

    def find(self, secret: str) -> SessionRecord:
        with self.ctx.read() as conn:
            record = users.session_by_hash(conn, token_hash(secret))
        if record is None:
            raise _ended("unknown session")
        if record.revoked_at is not None:
            raise _ended("signed out")
        if record.expires_at <= self.ctx.now():
            raise _ended("expired")
        return record

    def identify(self, record: SessionRecord) -> Identity:
        if record.user_id is None:  # Cognito
            roles = frozenset(Role(r) for r in record.roles if r in Role.__members__.values())
            return Identity(record.username, record.username, roles, record.via)
        state = self.states.get(record.user_id)
        if state is None:
            raise _ended("the user no longer exists")
        if (why := state.refusal(record.epoch)) is not None:
            raise _ended(why)
        return Identity(
            state.id,
            state.username,
            state.roles,
            record.via,
            password_change_required=state.password_change_required,
        )

    @staticmethod
    def check_csrf(record: SessionRecord, presented: str | None) -> None:
        """State-changing requests made with the cookie must echo the session's CSRF token
        (a page of another site can send the cookie, but cannot read the token)."""
        if not presented or not hmac.compare_digest(presented, record.csrf_token):
            raise Forbidden(
                "CSRF_TOKEN_INVALID",
                "A change made with the console's session needs its X-CSRF-Token header",
            )

    def close(self, secret: str) -> None:
        with self.ctx.write() as conn:
            record = users.session_by_hash(conn, token_hash(secret))
            if record is not None:
                users.revoke_session(conn, record.id, self.ctx.now())
