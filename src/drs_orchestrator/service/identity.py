"""JWTs: a local issuer (RS256, keys kept in the database so every worker shares them) and a
Cognito verifier; both verify against a JWKS."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from drs_orchestrator.domain.errors import Unauthorized, Unavailable
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.users import Identity
from drs_orchestrator.store import users

LOCAL_ISSUER = "drs-orchestrator"
AUDIENCE = "drs-orchestrator-api"


def _invalid(reason: str) -> Unauthorized:
    return Unauthorized("INVALID_TOKEN", f"The bearer token is not valid: {reason}")


class LocalIssuer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._keys: dict[str, Any] = {}

    def ensure_key(self) -> None:
        with self.ctx.write() as conn:
            if users.signing_key(conn) is None:
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode()
                users.insert_signing_key(conn, uuid.uuid4().hex, pem, self.ctx.now())
        self._load()

    def _load(self) -> None:
        with self.ctx.read() as conn:
            for kid, pem in users.all_signing_keys(conn):
                if kid not in self._keys:
                    self._keys[kid] = serialization.load_pem_private_key(pem.encode(), None)

    def issue(
        self, subject: str, username: str, roles: list[str], now: datetime
    ) -> tuple[str, int]:
        with self.ctx.read() as conn:
            newest = users.signing_key(conn)
        assert newest is not None, "ensure_key() runs at start-up"
        kid = newest[0]
        if kid not in self._keys:
            self._load()
        ttl = self.ctx.settings.token_ttl_seconds
        claims = {
            "iss": LOCAL_ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "username": username,
            "roles": roles,
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=ttl),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._keys[kid], algorithm="RS256", headers={"kid": kid}), ttl

    def jwks(self) -> dict[str, Any]:
        self._load()
        keys = []
        for kid, key in self._keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def verify(self, token: str) -> Identity:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise _invalid(str(error)) from None
        if not isinstance(kid, str):
            raise _invalid("no key ID")
        if kid not in self._keys:
            self._load()
        key = self._keys.get(kid)
        if key is None:
            raise _invalid("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key.public_key(),
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=LOCAL_ISSUER,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise _invalid(str(error)) from None
        roles = frozenset(
            Role(r) for r in claims.get("roles", []) if r in Role.__members__.values()
        )
        return Identity(claims["sub"], claims.get("username", claims["sub"]), roles, "jwt")


class CognitoVerifier:
    """Cognito user-pool tokens: the pool's JWKS, issuer, `token_use` and app client ID."""

    def __init__(self, ctx: Context) -> None:
        s = ctx.settings
        region = s.cognito_region or (s.cognito_user_pool_id or "").split("_")[0]
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{s.cognito_user_pool_id}"
        self.client_id = s.cognito_client_id
        self.group_roles = s.cognito_group_roles
        self._jwks = jwt.PyJWKClient(s.cognito_jwks_url or f"{self.issuer}/.well-known/jwks.json")

    def roles(self, groups: list[str]) -> frozenset[Role]:
        out = set()
        for group in groups:
            name = self.group_roles.get(group, group)
            if name in Role.__members__.values():
                out.add(Role(name))
        return frozenset(out)

    def verify(self, token: str) -> Identity:
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iat", "sub", "iss", "token_use"]},
            )
        except jwt.PyJWKClientConnectionError as error:
            raise Unavailable(
                "IDENTITY_PROVIDER_UNAVAILABLE",
                f"Cognito's signing keys could not be fetched, so no token can be checked: {error}",
            ) from None
        except jwt.PyJWTError as error:
            raise _invalid(str(error)) from None
        use = claims.get("token_use")
        audience = claims.get("client_id") if use == "access" else claims.get("aud")
        if use not in {"access", "id"}:
            raise _invalid("token_use must be access or id")
        if self.client_id and audience != self.client_id:
            raise _invalid("issued to another app client")
        username = (
            claims.get("username")
            or claims.get("cognito:username")
            or claims.get("email")
            or claims["sub"]
        )
        return Identity(
            claims["sub"],
            str(username),
            self.roles(list(claims.get("cognito:groups", []))),
            "cognito",
        )
