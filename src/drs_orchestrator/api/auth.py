"""Who is calling and whether they may: checked on the server for every route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from drs_orchestrator.domain.errors import Forbidden, Unauthorized
from drs_orchestrator.domain.roles import Permission, permissions_of
from drs_orchestrator.service.users import TOKEN_PREFIX, Identity

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def identify(request: Request, token: Annotated[str | None, Depends(bearer)]) -> Identity:
    if not token:
        raise Unauthorized("UNAUTHENTICATED", "Sign in: send 'Authorization: Bearer <token>'")
    services = request.app.state.services
    if token.startswith(TOKEN_PREFIX):
        identity: Identity = services.users.identify_token(token)
    else:
        identity = services.verifier.verify(token)
    request.state.identity = identity
    return identity


def require(permission: Permission) -> Callable[[Identity], Identity]:
    def check(identity: Annotated[Identity, Depends(identify)]) -> Identity:
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
UserAdmin = Annotated[Identity, Depends(require(Permission.MANAGE_USERS))]
Auditor = Annotated[Identity, Depends(require(Permission.READ_AUDIT))]
Anyone = Annotated[Identity, Depends(identify)]
