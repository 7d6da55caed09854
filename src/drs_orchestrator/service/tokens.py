"""API tokens for automation: a random secret shown once, stored as its SHA-256, revocable,
optionally expiring, never carrying more than its owner holds now."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from pydantic import Field

from drs_orchestrator.domain.errors import InvalidInput, NotFound, Unauthorized, Violation
from drs_orchestrator.domain.model import Document, Name, TenYearsOfDays
from drs_orchestrator.domain.roles import ROLE_PERMISSIONS, Role, permissions_of
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.users import Identity, Username, UserService
from drs_orchestrator.store import audit, pages, users
from drs_orchestrator.store.users import TokenRecord

TOKEN_PREFIX = "drso_"


class TokenSpec(Document):
    # The user the token acts as; default the caller.
    username: Username | None = None
    name: Name
    # A subset of the owner's roles; default all of them.
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=4)
    expires_in_days: TenYearsOfDays | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, ctx: Context, users_: UserService) -> None:
        self.ctx = ctx
        self.users = users_

    def create(self, owner: Identity, spec: TokenSpec) -> tuple[TokenRecord, str]:
        user = self.users.get(spec.username or owner.username)
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

    def page(
        self, owner: Identity, everyone: bool, limit: int, cursor: str | None
    ) -> pages.Page[TokenRecord]:
        user_id = None if everyone else self.users.get(owner.username).id
        with self.ctx.read() as conn:
            return users.tokens_page(conn, user_id, limit, cursor)

    def revoke(self, owner: Identity, token_id: str, may_revoke_any: bool) -> TokenRecord:
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

    def identify(self, secret: str) -> Identity:
        now = self.ctx.now()
        with self.ctx.write() as conn:
            record = users.token_by_hash(conn, token_hash(secret))
            if record is None or record.revoked_at is not None or _expired(record.expires_at, now):
                raise Unauthorized("INVALID_TOKEN", "The API token is unknown, revoked or expired")
            users.touch_token(conn, record.id, now)
        owner = self.users.states.get(record.user_id)
        if owner is None or owner.disabled:
            raise Unauthorized("INVALID_TOKEN", "The API token's user is disabled")
        # A token never carries more than its owner holds now.
        roles = within({Role(r) for r in record.roles}, set(owner.roles))
        return Identity(
            record.user_id,
            record.username,
            roles,
            "api-token",
            password_change_required=owner.password_change_required,
        )


def within(token_roles: set[Role], owner_roles: set[Role]) -> frozenset[Role]:
    """The roles whose every permission both the token and its owner grant now."""
    allowed = permissions_of(token_roles) & permissions_of(owner_roles)
    return frozenset(r for r in token_roles | owner_roles if ROLE_PERMISSIONS[r] <= allowed)


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now
