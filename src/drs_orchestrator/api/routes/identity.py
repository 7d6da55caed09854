"""/auth, /users, /tokens: signing in, local users and API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response, status
from pydantic import Field

from drs_orchestrator.api.auth import (
    Anyone,
    AnyoneAtAll,
    UserAdmin,
    clear_session_cookies,
    same_origin,
    session_secret,
    set_session_cookies,
)
from drs_orchestrator.api.common import ApiModel, Cursor, IfMatch, Limit, Page, etag
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Svc
from drs_orchestrator.domain.errors import InvalidInput, Unauthorized, Violation
from drs_orchestrator.domain.roles import Permission, Role, covers, permissions_of
from drs_orchestrator.service.records import TokenRecord, UserRecord
from drs_orchestrator.service.tokens import TokenSpec
from drs_orchestrator.service.users import Identity, PasswordChange, UserSpec, UserUpdate

router = APIRouter(tags=["identity"])


class TokenAnswer(ApiModel):
    """OAuth2's own field names (snake_case by the standard)."""

    access_token: str
    token_type: str
    expires_in: int
    password_change_required: bool = Field(
        default=False,
        description="The password is a one-time one: change it (POST /auth/password) first.",
    )

    model_config = {"alias_generator": None}


class SessionOut(ApiModel):
    """A console sign-in: the session itself is in an HttpOnly cookie."""

    username: str
    roles: list[Role]
    password_change_required: bool
    expires_at: datetime


class MeOut(ApiModel):
    username: str
    roles: list[Role]
    via: str
    permissions: list[Permission]
    acts_as: list[Role] = Field(description="Roles these roles may act as (an approval's role).")


class UserOut(ApiModel):
    username: str
    roles: list[Role]
    disabled: bool
    password_change_required: bool
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
        disabled=u.disabled,
        password_change_required=u.password_change_required,
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


SignInUsername = Annotated[str, Form(max_length=128, pattern=r"^[^\x00]+$")]
SignInPassword = Annotated[str, Form(max_length=256, pattern=r"^[^\x00]+$")]
GrantType = Annotated[str | None, Form(pattern="^password$")]


def _local_sign_in(svc: Svc, request: Request, username: str, password: str) -> UserRecord:
    """The user behind the password, within the sign-in limits (429 past them)."""
    if svc.ctx.settings.cognito_enabled:
        raise InvalidInput(
            [Violation("grant_type", "LOCAL_SIGN_IN_DISABLED", "Sign in through Cognito")],
            code="LOCAL_SIGN_IN_DISABLED",
        )
    address = request.client.host if request.client else "unknown"
    svc.sign_in.check(username, address)
    try:
        user = svc.users.authenticate(username, password)
    except Unauthorized:
        svc.sign_in.failed(username, address)
        raise
    svc.sign_in.succeeded(username, address)
    return user


def _token_answer(svc: Svc, user: UserRecord) -> TokenAnswer:
    token, ttl = svc.issuer.issue(user, svc.ctx.now())
    return TokenAnswer(
        access_token=token,
        token_type="bearer",
        expires_in=ttl,
        password_change_required=user.password_change_required,
    )


@router.post("/auth/token", responses=responses(400, 401, 429), operation_id="signIn")
def sign_in(
    svc: Svc,
    request: Request,
    username: SignInUsername,
    password: SignInPassword,
    grant_type: GrantType = None,
) -> TokenAnswer:
    """OAuth2 password grant for local users (form fields `username`, `password`), for the
    CLI and automation. Wrong passwords are limited per user and per address (429)."""
    return _token_answer(svc, _local_sign_in(svc, request, username, password))


def _session_out(user: UserRecord | None, who: Identity | None, expires: datetime) -> SessionOut:
    if user is not None:
        return SessionOut(
            username=user.username,
            roles=[Role(r) for r in user.roles],
            password_change_required=user.password_change_required,
            expires_at=expires,
        )
    assert who is not None
    return SessionOut(
        username=who.username,
        roles=sorted(who.roles),
        password_change_required=False,
        expires_at=expires,
    )


@router.post("/auth/session", responses=responses(400, 401, 403, 429), operation_id="openSession")
def open_session(
    svc: Svc,
    request: Request,
    response: Response,
    username: SignInUsername,
    password: SignInPassword,
) -> SessionOut:
    """The console's sign-in: sets an HttpOnly, SameSite=Strict session cookie (Secure over
    TLS) and a CSRF cookie whose value state-changing requests echo in `X-CSRF-Token`."""
    same_origin(request)
    user = _local_sign_in(svc, request, username, password)
    opened = svc.sessions.open_local(user)
    set_session_cookies(request, response, opened, svc.ctx.now())
    return _session_out(user, None, opened.expires_at)


@router.post(
    "/auth/session/exchange",
    responses=responses(400, 401, 403),
    operation_id="exchangeForSession",
)
def exchange_for_session(svc: Svc, request: Request, response: Response, who: Anyone) -> SessionOut:
    """Trade a Cognito token (sent as Bearer once, from the hosted UI's redirect) for a
    console session cookie, so the token never stays where page scripts can read it."""
    same_origin(request)
    if who.via != "cognito":
        raise InvalidInput(
            [
                Violation(
                    "Authorization", "NOT_A_COGNITO_TOKEN", "Local users sign in with a password"
                )
            ]
        )
    expires = svc.ctx.now() + timedelta(seconds=svc.ctx.settings.session_ttl_seconds)
    opened = svc.sessions.open_federated(who, getattr(request.state, "token_expires_at", expires))
    set_session_cookies(request, response, opened, svc.ctx.now())
    return _session_out(None, who, opened.expires_at)


@router.delete("/auth/session", status_code=status.HTTP_204_NO_CONTENT, operation_id="closeSession")
def close_session(svc: Svc, request: Request, response: Response) -> None:
    """Sign out of the console: the session ends on the server and its cookies are cleared."""
    if (secret := session_secret(request)) is not None:
        svc.sessions.close(secret)
    clear_session_cookies(request, response)


@router.post(
    "/auth/password", responses=responses(400, 401, 403, 404), operation_id="changePassword"
)
def change_password(
    svc: Svc, request: Request, response: Response, who: AnyoneAtAll, change: PasswordChange
) -> TokenAnswer:
    """Change your own password (the only call allowed while a one-time password is due).
    Every earlier token and session of yours stops working: the answer carries a new token,
    and a console caller gets a new session cookie."""
    user = svc.users.change_own_password(who, change)
    if (secret := session_secret(request)) is not None:
        svc.sessions.close(secret)
        set_session_cookies(request, response, svc.sessions.open_local(user), svc.ctx.now())
    return _token_answer(svc, user)


@router.get("/auth/jwks.json", operation_id="getJwks")
def jwks(svc: Svc) -> dict[str, Any]:
    """The local issuer's public keys."""
    return svc.issuer.jwks()


@router.get("/auth/me", responses=responses(401, 403), operation_id="whoAmI")
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
    page = svc.tokens.page(who, all_users, limit, cursor)
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
    record, secret = svc.tokens.create(who, spec)
    return ApiTokenCreated(**token_out(record), token=secret)


@router.delete(
    "/tokens/{token_id}", responses=responses(401, 403, 404), operation_id="revokeApiToken"
)
def revoke_token(token_id: str, svc: Svc, who: UserAdmin) -> ApiTokenOut:
    return ApiTokenOut(**token_out(svc.tokens.revoke(who, token_id, may_revoke_any=True)))
