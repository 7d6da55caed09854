"""Local users and their passwords (argon2); what every request learns of its user.

A user's `token_epoch` moves on whenever their password or roles change or they are disabled;
every JWT and console session carries the epoch it was issued in, so it dies at that moment
(see `UserStates`, which every verification reads).
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TTLCache
from pydantic import Field, StringConstraints
from sqlalchemy.exc import IntegrityError

from drs_orchestrator.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    Violation,
)
from drs_orchestrator.domain.model import Boolean, Document
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.service.context import Context
from drs_orchestrator.store import audit, pages, users
from drs_orchestrator.store.tables import users as users_table
from drs_orchestrator.store.users import UserRecord
from drs_orchestrator.store.versioned import (
    Expected,
    bump,
    check_version,
    current_version,
    retrying,
)

_HASHER = PasswordHasher()
# Verifying against this keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")

Username = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,127}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


class UserSpec(Document):
    username: Username
    password: Password
    roles: list[Role] = Field(min_length=1, max_length=4)
    password_change_required: Boolean = Field(
        default=False, description="Make the user choose their own password at first sign-in."
    )


class UserUpdate(Document):
    password: Password | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)
    disabled: Boolean | None = Field(
        default=None, description="A disabled user cannot sign in; their tokens stop working."
    )
    password_change_required: Boolean | None = None


class PasswordChange(Document):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new_password: Password


@dataclass(frozen=True)
class Identity:
    """Who is asking, however they proved it."""

    subject: str
    username: str
    roles: frozenset[Role]
    via: str  # "jwt", "api-token", "cognito", "session"
    password_change_required: bool = False
    expires_at: datetime | None = None  # of the token it came with, when it has one


@dataclass(frozen=True)
class UserState:
    """What a request must know of its user now."""

    id: str
    username: str
    roles: frozenset[Role]
    epoch: int
    disabled: bool
    password_change_required: bool

    def refusal(self, epoch: int) -> str | None:
        """Why a credential issued in `epoch` no longer stands for this user, if it does not."""
        if self.disabled:
            return f"user {self.username} is disabled"
        if epoch != self.epoch:
            return "it was revoked: the user's password or roles changed since it was issued"
        return None


def _state(record: UserRecord) -> UserState:
    return UserState(
        record.id,
        record.username,
        frozenset(Role(r) for r in record.roles if r in Role.__members__.values()),
        record.token_epoch,
        record.disabled,
        record.password_change_required,
    )


_UNKNOWN = object()  # not cached (None is cached too: a user that does not exist)


class UserStates:
    """The current state of users by ID, read from the database and trusted for a moment
    (`DRSO_USER_CACHE_SECONDS`); a change made through this worker is seen at once."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        ttl = ctx.settings.user_cache_seconds
        self._cache: TTLCache[str, UserState | None] | None = (
            TTLCache(maxsize=10_000, ttl=ttl) if ttl > 0 else None
        )
        self._lock = threading.Lock()

    def get(self, user_id: str) -> UserState | None:
        if self._cache is not None:
            with self._lock:  # one lookup: an entry can expire between two
                found = self._cache.get(user_id, _UNKNOWN)
            if found is not _UNKNOWN:
                return cast("UserState | None", found)
        with self.ctx.read() as conn:
            record = users.by_id(conn, user_id)
        state = _state(record) if record is not None else None
        if self._cache is not None:
            with self._lock:
                self._cache[user_id] = state
        return state

    def cached(self, user_id: str) -> UserState | None:
        """The user's state if this worker holds it now, without reading the database (None
        when it does not, or the user is known not to exist)."""
        if self._cache is None:
            return None
        with self._lock:
            found = self._cache.get(user_id)
        return found if isinstance(found, UserState) else None

    def forget(self, user_id: str) -> None:
        if self._cache is not None:
            with self._lock:
                self._cache.pop(user_id, None)


def _public(user: UserRecord) -> dict[str, object]:
    return {
        "username": user.username,
        "roles": user.roles,
        "version": user.version,
        "disabled": user.disabled,
        "passwordChangeRequired": user.password_change_required,
    }


class UserService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.states = UserStates(ctx)

    def bootstrap_admin(self) -> str | None:
        """Create `admin` on the first start. A generated password is returned once, never
        stored, and must be changed at first sign-in; DRSO_ADMIN_PASSWORD's is not forced."""
        with self.ctx.read() as conn:
            if users.count(conn):
                return None
        chosen = self.ctx.settings.admin_password
        password = chosen or secrets.token_urlsafe(12)
        spec = UserSpec(
            username="admin",
            password=password,
            roles=[Role.ADMIN],
            password_change_required=chosen is None,
        )
        try:
            self.create(spec, "system")
        except Conflict:  # another worker created it first
            return None
        return None if chosen else password

    def create(self, spec: UserSpec, actor: str) -> UserRecord:
        user_id, now = str(uuid.uuid4()), self.ctx.now()
        try:
            with self.ctx.write() as conn:
                users.insert(
                    conn,
                    {
                        "id": user_id,
                        "username": spec.username.casefold(),
                        "password_hash": _HASHER.hash(spec.password),
                        "roles": sorted({str(r) for r in spec.roles}),
                        "password_change_required": spec.password_change_required,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "created_by": actor,
                    },
                )
                record = users.by_id(conn, user_id)
                assert record is not None
                audit.record(
                    conn,
                    at=now,
                    actor=actor,
                    action="create",
                    resource_type="user",
                    resource_id=user_id,
                    after=_public(record),
                )
        except IntegrityError:
            raise Conflict(
                "USER_EXISTS", f"A user named {spec.username!r} already exists"
            ) from None
        return record

    def get(self, username: str) -> UserRecord:
        with self.ctx.read() as conn:
            user = users.by_name(conn, username)
        if user is None:
            raise NotFound("USER_NOT_FOUND", f"User {username} not found")
        return user

    def list(self, limit: int, cursor: str | None) -> pages.Page[UserRecord]:
        with self.ctx.read() as conn:
            return users.list_page(conn, limit, cursor)

    def update(
        self, username: str, change: UserUpdate, if_match: Expected, actor: str
    ) -> UserRecord:
        user = self.get(username)
        self_refusals = [
            Violation(field, code, message)
            for field, code, message, refused in (
                (
                    "roles",
                    "SELF_DEMOTION",
                    "You cannot remove your own admin role",
                    change.roles is not None and Role.ADMIN not in change.roles,
                ),
                ("disabled", "SELF_DISABLE", "You cannot disable yourself", bool(change.disabled)),
            )
            if refused and user.username == actor
        ]
        if self_refusals:
            raise InvalidInput(self_refusals)
        password_hash = _HASHER.hash(change.password) if change.password is not None else None
        after = retrying(
            if_match, lambda: self._save(user.id, change, password_hash, if_match, actor)
        )
        self.states.forget(user.id)
        return after

    def _save(
        self,
        user_id: str,
        change: UserUpdate,
        password_hash: str | None,
        if_match: Expected,
        actor: str,
    ) -> UserRecord:
        now = self.ctx.now()
        with self.ctx.write() as conn:
            version = check_version(
                if_match,
                current_version(conn, users_table, user_id, "User", "USER_NOT_FOUND"),
                "User",
            )
            before = users.by_id(conn, user_id)
            assert before is not None
            values = _changed_values(before, change, password_hash)
            bump(conn, users_table, user_id, version=version, now=now, values=values, what="User")
            after = users.by_id(conn, user_id)
            assert after is not None
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="update",
                resource_type="user",
                resource_id=user_id,
                before=_public(before),
                after={
                    **_public(after),
                    "passwordChanged": password_hash is not None,
                    "tokensRevoked": after.token_epoch != before.token_epoch,
                },
            )
        return after

    def delete(self, username: str, actor: str) -> None:
        user = self.get(username)
        if user.username == actor:
            raise InvalidInput(
                [Violation("username", "SELF_DELETION", "You cannot delete yourself")]
            )
        with self.ctx.write() as conn:
            users.delete(conn, user.id)  # its sessions and API tokens go with it
            audit.record(
                conn,
                at=self.ctx.now(),
                actor=actor,
                action="delete",
                resource_type="user",
                resource_id=user.id,
                before=_public(user),
            )
        self.states.forget(user.id)

    def authenticate(self, username: str, password: str) -> UserRecord:
        with self.ctx.read() as conn:
            user = users.by_name(conn, username)
        try:
            _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            user = None
        if user is None or user.disabled:  # a disabled user learns no more than a stranger
            raise Unauthorized("INVALID_CREDENTIALS", "Wrong username or password")
        return user

    def change_own_password(self, who: Identity, change: PasswordChange) -> UserRecord:
        """The signed-in user's new password (the one thing allowed while a change is due):
        every earlier token and session of theirs stops working."""
        if who.via in {"cognito", "api-token"}:
            raise Forbidden(
                "PASSWORD_MANAGED_ELSEWHERE",
                "Change this password where it is managed: Cognito, or the user's own sign-in",
            )
        user = self.states.get(who.subject)
        if user is None:
            raise Unauthorized("INVALID_TOKEN", "The user no longer exists")
        record = self.get(user.username)
        try:
            _HASHER.verify(record.password_hash, change.current_password)
        except (VerificationError, InvalidHashError):
            raise InvalidInput(
                [Violation("currentPassword", "WRONG_PASSWORD", "This is not your password")]
            ) from None
        if change.new_password == change.current_password:
            raise InvalidInput(
                [Violation("newPassword", "PASSWORD_UNCHANGED", "Choose a different password")]
            )
        update = UserUpdate(password=change.new_password, password_change_required=False)
        return self.update(record.username, update, None, record.username)


def _changed_values(
    before: UserRecord, change: UserUpdate, password_hash: str | None
) -> dict[str, object]:
    values: dict[str, object] = {}
    revoke = False
    if password_hash is not None:
        values["password_hash"] = password_hash
        revoke = True
    if change.roles is not None:
        roles = sorted({str(r) for r in change.roles})
        values["roles"] = roles
        revoke = revoke or roles != sorted(before.roles)
    if change.disabled is not None:
        values["disabled"] = change.disabled
        revoke = revoke or (change.disabled and not before.disabled)
    if change.password_change_required is not None:
        values["password_change_required"] = change.password_change_required
    if revoke:
        values["token_epoch"] = before.token_epoch + 1
    return values
