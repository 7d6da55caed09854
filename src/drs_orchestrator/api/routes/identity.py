"""/auth, /users, /tokens: signing in, local users and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Response, status
from pydantic import Field

from drs_orchestrator.api.auth import Anyone, UserAdmin
from drs_orchestrator.api.common import ApiModel, Cursor, IfMatch, Limit, Page, etag
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain.errors import InvalidInput, Violation
from drs_orchestrator.domain.roles import Permission, Role, covers, permissions_of
from drs_orchestrator.service.users import TokenSpec, UserSpec, UserUpdate
from drs_orchestrator.store.users import TokenRecord, UserRecord

router = APIRouter(tags=["identity"])


class TokenAnswer(ApiModel):
    """OAuth2's own field names (snake_case by the standard)."""

    access_token: str
    token_type: str
    expires_in: int

    model_config = {"alias_generator": None}


class MeOut(ApiModel):
    username: str
    roles: list[Role]
    via: str
    permissions: list[Permission]
    acts_as: list[Role] = Field(description="Roles these roles may act as (an approval's role).")


class UserOut(ApiModel):
    username: str
    roles: list[Role]
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str


class ApiTokenOut(ApiModel):
    id: str
    name: str
    username: str
    prefix: str
    roles: list[Role]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str


def user_out(u: UserRecord) -> UserOut:
    return UserOut(
        username=u.username,
        roles=[Role(r) for r in u.roles],
        version=u.version,
        created_at=u.created_at,
        updated_at=u.updated_at,
        created_by=u.created_by,
    )


def token_out(t: TokenRecord) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "username": t.username,
        "prefix": t.prefix,
        "roles": [Role(r) for r in t.roles],
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


class HostedUi(ApiModel):
    authorize_url: str
    client_id: str


class SignInOptions(ApiModel):
    local: bool
    cognito: HostedUi | None


@router.get("/auth/options", operation_id="signInOptions")
def sign_in_options(svc: Svc) -> SignInOptions:
    """How to sign in here (needs no sign-in): local users, or Cognito's hosted UI."""
    settings = svc.ctx.settings
    hosted = None
    if settings.cognito_enabled and settings.cognito_domain and settings.cognito_client_id:
        hosted = HostedUi(
            authorize_url=f"{settings.cognito_domain}/oauth2/authorize",
            client_id=settings.cognito_client_id,
        )
    return SignInOptions(local=not settings.cognito_enabled, cognito=hosted)


@router.post("/auth/token", responses=responses(400, 401), operation_id="signIn")
def sign_in(
    svc: Svc,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=256)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenAnswer:
    """OAuth2 password grant for local users (form fields `username`, `password`)."""
    if svc.ctx.settings.cognito_enabled:
        raise InvalidInput(
            [Violation("grant_type", "LOCAL_SIGN_IN_DISABLED", "Sign in through Cognito")],
            code="LOCAL_SIGN_IN_DISABLED",
        )
    user = svc.users.authenticate(username, password)
    token, ttl = svc.issuer.issue(user.id, user.username, user.roles, svc.ctx.now())
    return TokenAnswer(access_token=token, token_type="bearer", expires_in=ttl)


@router.get("/auth/jwks.json", operation_id="getJwks")
def jwks(svc: Svc) -> dict[str, Any]:
    """The local issuer's public keys."""
    return svc.issuer.jwks()


@router.get("/auth/me", responses=responses(401), operation_id="whoAmI")
def me(who: Anyone) -> MeOut:
    roles = frozenset(who.roles)
    return MeOut(
        username=who.username,
        roles=sorted(roles),
        via=who.via,
        permissions=sorted(permissions_of(roles)),
        acts_as=[r for r in Role if covers(roles, r)],
    )


@router.get("/users", responses=responses(400, 401, 403), operation_id="listUsers")
def list_users(svc: Svc, _: UserAdmin, limit: Limit = 100, cursor: Cursor = None) -> Page[UserOut]:
    page = svc.users.list(limit, cursor)
    return Page[UserOut](items=[user_out(u) for u in page.items], next_cursor=page.next_cursor)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 409),
    operation_id="createUser",
)
def create_user(spec: UserSpec, svc: Svc, who: UserAdmin, response: Response) -> UserOut:
    user = svc.users.create(spec, who.username)
    etag(response, user.version)
    return user_out(user)


@router.get("/users/{username}", responses=responses(401, 403, 404), operation_id="getUser")
def get_user(username: str, svc: Svc, _: UserAdmin, response: Response) -> UserOut:
    user = svc.users.get(username)
    etag(response, user.version)
    return user_out(user)


@router.patch(
    "/users/{username}", responses=responses(400, 401, 403, 404, 412), operation_id="updateUser"
)
def update_user(
    username: str,
    change: UserUpdate,
    svc: Svc,
    who: UserAdmin,
    version: IfMatch,
    response: Response,
) -> UserOut:
    user = svc.users.update(username, change, version, who.username)
    etag(response, user.version)
    return user_out(user)


@router.delete(
    "/users/{username}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(400, 401, 403, 404),
    operation_id="deleteUser",
)
def delete_user(username: str, svc: Svc, who: UserAdmin) -> None:
    svc.users.delete(username, who.username)


@router.get("/tokens", responses=responses(400, 401, 403), operation_id="listApiTokens")
def list_tokens(
    svc: Svc,
    who: UserAdmin,
    all_users: Annotated[bool, Query(alias="all", description="Every user's tokens.")] = False,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[ApiTokenOut]:
    page = svc.users.tokens(who, all_users, limit, cursor)
    return Page[ApiTokenOut](
        items=[ApiTokenOut(**token_out(t)) for t in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 404),
    operation_id="createApiToken",
)
def create_token(spec: TokenSpec, svc: Svc, who: UserAdmin) -> ApiTokenCreated:
    """The secret is in this answer only; it is stored hashed."""
    record, secret = svc.users.create_token(who, spec)
    return ApiTokenCreated(**token_out(record), token=secret)


@router.delete(
    "/tokens/{token_id}", responses=responses(401, 403, 404), operation_id="revokeApiToken"
)
def revoke_token(token_id: str, svc: Svc, who: UserAdmin) -> ApiTokenOut:
    return ApiTokenOut(**token_out(svc.users.revoke_token(who, token_id, may_revoke_any=True)))
