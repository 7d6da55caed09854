"""Local users, passwords (argon2) and API tokens (stored as SHA-256 of a random secret)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field, StringConstraints
from sqlalchemy.exc import IntegrityError

from drs_orchestrator.domain.errors import Conflict, InvalidInput, NotFound, Unauthorized, Violation
from drs_orchestrator.domain.model import Document
from drs_orchestrator.domain.roles import ROLE_PERMISSIONS, Role, permissions_of
from drs_orchestrator.service.context import Context
from drs_orchestrator.store import audit, pages, users
from drs_orchestrator.store.tables import users as users_table
from drs_orchestrator.store.users import TokenRecord, UserRecord
from drs_orchestrator.store.versioned import bump, check_version, current_version

TOKEN_PREFIX = "drso_"
_HASHER = PasswordHasher()
# Verifying against this keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")

Username = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,127}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


class UserSpec(Document):
    username: Username
    password: Password
    roles: list[Role] = Field(min_length=1, max_length=4)


class UserUpdate(Document):
    password: Password | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)


class TokenSpec(Document):
    # The user the token acts as; default the caller.
    username: Username | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    # A subset of the owner's roles; default all of them.
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


@dataclass(frozen=True)
class Identity:
    """Who is asking, however they proved it."""

    subject: str
    username: str
    roles: frozenset[Role]
    via: str  # "password", "jwt", "api-token", "cognito"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _public(user: UserRecord) -> dict[str, object]:
    return {"username": user.username, "roles": user.roles, "version": user.version}


class UserService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def bootstrap_admin(self) -> str | None:
        """Create `admin` on the first start; a generated password is returned once, not stored."""
        with self.ctx.read() as conn:
            if users.count(conn):
                return None
        password = self.ctx.settings.admin_password or secrets.token_urlsafe(12)
        try:
            self.create(UserSpec(username="admin", password=password, roles=[Role.ADMIN]), "system")
        except Conflict:  # another worker created it first
            return None
        return None if self.ctx.settings.admin_password else password

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
        self, username: str, change: UserUpdate, if_match: int | None, actor: str
    ) -> UserRecord:
        user = self.get(username)
        values: dict[str, object] = {}
        if change.password is not None:
            values["password_hash"] = _HASHER.hash(change.password)
        if change.roles is not None:
            values["roles"] = sorted({str(r) for r in change.roles})
        now = self.ctx.now()
        with self.ctx.write() as conn:
            version = check_version(
                if_match,
                current_version(conn, users_table, user.id, "User", "USER_NOT_FOUND"),
                "User",
            )
            if user.username == actor and Role.ADMIN not in values.get("roles", [Role.ADMIN]):  # type: ignore[operator]
                raise InvalidInput(
                    [Violation("roles", "SELF_DEMOTION", "You cannot remove your own admin role")]
                )
            bump(conn, users_table, user.id, version=version, now=now, values=values, what="User")
            after = users.by_id(conn, user.id)
            assert after is not None
            audit.record(
                conn,
                at=now,
                actor=actor,
                action="update",
                resource_type="user",
                resource_id=user.id,
                before=_public(user),
                after={**_public(after), "passwordChanged": change.password is not None},
            )
        return after

    def delete(self, username: str, actor: str) -> None:
        user = self.get(username)
        if user.username == actor:
            raise InvalidInput(
                [Violation("username", "SELF_DELETION", "You cannot delete yourself")]
            )
        with self.ctx.write() as conn:
            users.delete(conn, user.id)
            audit.record(
                conn,
                at=self.ctx.now(),
                actor=actor,
                action="delete",
                resource_type="user",
                resource_id=user.id,
                before=_public(user),
            )

    def authenticate(self, username: str, password: str) -> UserRecord:
        with self.ctx.read() as conn:
            user = users.by_name(conn, username)
        try:
            _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            user = None
        if user is None:
            raise Unauthorized("INVALID_CREDENTIALS", "Wrong username or password")
        return user

    # API tokens

    def create_token(self, owner: Identity, spec: TokenSpec) -> tuple[TokenRecord, str]:
        user = self.get(spec.username or owner.username)
        roles = set(spec.roles or user.roles)
        if not roles <= set(user.roles):
            raise InvalidInput(
                [
                    Violation(
                        "roles", "ROLE_NOT_HELD", "A token can only carry roles its owner holds"
                    )
                ]
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id, now = str(uuid.uuid4()), self.ctx.now()
        expires = now + timedelta(days=spec.expires_in_days) if spec.expires_in_days else None
        with self.ctx.write() as conn:
            users.insert_token(
                conn,
                {
                    "id": token_id,
                    "user_id": user.id,
                    "name": spec.name,
                    "token_hash": token_hash(secret),
                    "prefix": secret[:12],
                    "roles": sorted(str(r) for r in roles),
                    "created_at": now,
                    "expires_at": expires,
                },
            )
            record = users.token_by_id(conn, token_id)
            assert record is not None
            audit.record(
                conn,
                at=now,
                actor=owner.username,
                action="create",
                resource_type="api-token",
                resource_id=token_id,
                after={"name": spec.name, "roles": record.roles, "owner": user.username},
            )
        return record, secret

    def tokens(
        self, owner: Identity, everyone: bool, limit: int, cursor: str | None
    ) -> pages.Page[TokenRecord]:
        user_id = None if everyone else self.get(owner.username).id
        with self.ctx.read() as conn:
            return users.tokens_page(conn, user_id, limit, cursor)

    def revoke_token(self, owner: Identity, token_id: str, may_revoke_any: bool) -> TokenRecord:
        with self.ctx.write() as conn:
            record = users.token_by_id(conn, token_id)
            if record is None or (record.username != owner.username and not may_revoke_any):
                raise NotFound("TOKEN_NOT_FOUND", f"API token {token_id} not found")
            now = self.ctx.now()
            users.revoke_token(conn, token_id, now)
            audit.record(
                conn,
                at=now,
                actor=owner.username,
                action="revoke",
                resource_type="api-token",
                resource_id=token_id,
                before={"name": record.name, "owner": record.username},
            )
            after = users.token_by_id(conn, token_id)
            assert after is not None
            return after

    def identify_token(self, secret: str) -> Identity:
        now = self.ctx.now()
        with self.ctx.write() as conn:
            record = users.token_by_hash(conn, token_hash(secret))
            if record is None or record.revoked_at is not None or _expired(record.expires_at, now):
                raise Unauthorized("INVALID_TOKEN", "The API token is unknown, revoked or expired")
            users.touch_token(conn, record.id, now)
        # A token never carries more than its owner holds now.
        roles = within({Role(r) for r in record.roles}, {Role(r) for r in record.user_roles})
        return Identity(record.user_id, record.username, roles, "api-token")


def within(token_roles: set[Role], owner_roles: set[Role]) -> frozenset[Role]:
    """The roles whose every permission both the token and its owner grant now."""
    allowed = permissions_of(token_roles) & permissions_of(owner_roles)
    return frozenset(r for r in token_roles | owner_roles if ROLE_PERMISSIONS[r] <= allowed)


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now
