"""Who is calling and whether they may: checked on the server for every route.

Two ways in: a bearer token (a local JWT, a Cognito token or an API token: the CLI and
automation), or the console's session cookie, which page scripts cannot read (HttpOnly) and
which a state-changing request must back with the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from drs_orchestrator.domain.errors import Forbidden, Unauthorized
from drs_orchestrator.domain.roles import Permission, permissions_of
from drs_orchestrator.service.sessions import Opened
from drs_orchestrator.service.tokens import TOKEN_PREFIX
from drs_orchestrator.service.users import Identity

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SESSION_COOKIE = "drso_session"
CSRF_COOKIE = "drso_csrf"
CSRF_HEADER = "X-CSRF-Token"
# Over TLS the cookies take the __Host- prefix: Secure, this host only, path /.
_SECURE_PREFIX = "__Host-"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _tls(request: Request) -> bool:
    return request.url.scheme == "https"


def _cookie_name(request: Request, name: str) -> str:
    return _SECURE_PREFIX + name if _tls(request) else name


def session_secret(request: Request) -> str | None:
    for name in (_SECURE_PREFIX + SESSION_COOKIE, SESSION_COOKIE):
        if value := request.cookies.get(name):
            return value
    return None


def set_session_cookies(
    request: Request, response: Response, opened: Opened, now: datetime
) -> None:
    seconds = max(0, int((opened.expires_at - now).total_seconds()))
    # The CSRF cookie is readable by the console's own script (which echoes it in
    # X-CSRF-Token) and by no other site's.
    for name, value, http_only in (
        (SESSION_COOKIE, opened.secret, True),
        (CSRF_COOKIE, opened.csrf_token, False),
    ):
        response.set_cookie(
            _cookie_name(request, name),
            value,
            max_age=seconds,
            path="/",
            secure=_tls(request),
            httponly=http_only,
            samesite="strict",
        )


def clear_session_cookies(request: Request, response: Response) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            _cookie_name(request, name), path="/", secure=_tls(request), samesite="strict"
        )


def same_origin(request: Request) -> None:
    """A sign-in the browser posts from another site's page is refused (login CSRF: a page
    signing its visitor in as someone else). Browsers name the page's origin on a POST."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    expected = f"{request.url.scheme}://{request.url.netloc}"
    if origin.rstrip("/") != expected:
        raise Forbidden(
            "CROSS_ORIGIN_SIGN_IN", f"A sign-in from {origin} is refused: sign in at {expected}"
        )


async def identify(request: Request, token: Annotated[str | None, Depends(bearer)]) -> Identity:
    """The caller, whatever they proved it with (even one who must change their password).
    A bearer JWT verified a moment ago is answered here; anything that may read the database
    or the identity provider runs on a worker thread."""
    services = request.app.state.services
    identity: Identity | None = None
    if token and not token.startswith(TOKEN_PREFIX):
        identity = services.verifier.known(token)
    if identity is None:
        identity = await run_in_threadpool(_identify, request, token)
    request.state.identity = identity
    return identity


def _identify(request: Request, token: str | None) -> Identity:
    services = request.app.state.services
    if token:
        if token.startswith(TOKEN_PREFIX):
            identity: Identity = services.tokens.identify(token)
        else:
            identity = services.verifier.verify(token)
    elif (secret := session_secret(request)) is not None:
        record = services.sessions.find(secret)
        identity = services.sessions.identify(record)
        if request.method not in _SAFE_METHODS:
            services.sessions.check_csrf(record, request.headers.get(CSRF_HEADER))
    else:
        raise Unauthorized(
            "UNAUTHENTICATED", "Sign in: send 'Authorization: Bearer <token>' (or sign in at /)"
        )
    return identity


async def signed_in(identity: Annotated[Identity, Depends(identify)]) -> Identity:
    """The caller, once any one-time password has been replaced."""
    if identity.password_change_required:
        raise Forbidden(
            "PASSWORD_CHANGE_REQUIRED",
            f"{identity.username} must change their one-time password before anything else: "
            "POST /api/v1/auth/password (the console asks at sign-in; the CLI: "
            "`drs-orchestrator password`)",
            {"username": identity.username},
        )
    return identity


def require(permission: Permission) -> Callable[[Identity], Awaitable[Identity]]:
    async def check(identity: Annotated[Identity, Depends(signed_in)]) -> Identity:
        if permission not in permissions_of(set(identity.roles)):
            raise Forbidden(
                "FORBIDDEN",
                f"{identity.username} (roles: {', '.join(sorted(identity.roles)) or 'none'}) "
                f"may not {permission.value}",
                {"requiredPermission": permission.value},
            )
        return identity

    return check


Reader = Annotated[Identity, Depends(require(Permission.READ))]
Configurer = Annotated[Identity, Depends(require(Permission.CONFIGURE))]
RecoveryAdmin = Annotated[Identity, Depends(require(Permission.RUN_RECOVERY))]
UserAdmin = Annotated[Identity, Depends(require(Permission.MANAGE_USERS))]
Auditor = Annotated[Identity, Depends(require(Permission.READ_AUDIT))]
Anyone = Annotated[Identity, Depends(signed_in)]
# Even a caller whose one-time password is due: changing it, signing out.
AnyoneAtAll = Annotated[Identity, Depends(identify)]
