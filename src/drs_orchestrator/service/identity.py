"""JWTs: a local issuer (RS256, keys sealed in the database so every worker shares them) and
a Cognito verifier; both verify against a JWKS."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import sqlalchemy as sa
from cachetools import TTLCache
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from drs_orchestrator.domain.errors import Unauthorized, Unavailable
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.keyring import Keyring
from drs_orchestrator.service.users import Identity, UserState, UserStates
from drs_orchestrator.store import users
from drs_orchestrator.store.users import UserRecord

LOCAL_ISSUER = "drs-orchestrator"
AUDIENCE = "drs-orchestrator-api"


def _invalid(reason: str) -> Unauthorized:
    return Unauthorized("INVALID_TOKEN", f"The bearer token is not valid: {reason}")


class Verified:
    """Tokens whose signature and claims were checked, each kept until it expires or for
    `seconds` at most: a client sends the same token with every request, and checking an
    RS256 signature again costs more than the rest of a cached read. Only what the token
    itself proves is kept; whatever can change (a user's epoch, roles) is checked on every
    request by the caller."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self._kept: TTLCache[str, dict[str, Any]] = TTLCache(maxsize=size, ttl=seconds)
        self._lock = threading.Lock()

    def get(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            claims = self._kept.get(token)
        if claims is None or claims["exp"] <= time.time():
            return None
        return claims

    def keep(self, token: str, claims: dict[str, Any]) -> None:
        with self._lock:
            self._kept[token] = claims

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class LocalIssuer:
    """Signs local users' JWTs. The private keys live in the database, sealed by the keyring
    (every worker shares them); a token is valid only while its user's epoch is the one it
    was issued in, and carries the user's current roles, not those of its issuing."""

    # How long a worker trusts its copy of the key set before reading it again (a retired
    # key stops verifying everywhere within this).
    KEYS_FRESH_SECONDS = 60.0

    def __init__(self, ctx: Context, keyring: Keyring, states: UserStates) -> None:
        self.ctx = ctx
        self.keyring = keyring
        self.states = states
        self._keys: dict[str, Any] = {}
        self._loaded_at = 0.0
        self._verified = Verified(self.KEYS_FRESH_SECONDS)

    def ensure_key(self) -> None:
        """A signing key exists, and every key is sealed under the newest secret."""
        with self.ctx.write() as conn:
            if users.signing_key(conn) is None:
                self._insert_key(conn)
            for kid, sealed, _ in users.all_signing_keys(conn):
                if not self.keyring.sealed_with_newest(sealed):
                    users.reseal_signing_key(
                        conn, kid, self.keyring.seal(self.keyring.unseal(sealed))
                    )
        self._load()

    def _insert_key(self, conn: sa.Connection) -> str:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        kid = uuid.uuid4().hex
        users.insert_signing_key(conn, kid, self.keyring.seal(pem), self.ctx.now())
        return kid

    def rotate(self) -> tuple[str, list[str]]:
        """A new signing key for new tokens; keys superseded longer ago than a token lives
        are retired. (new kid, retired kids)"""
        ttl = timedelta(seconds=self.ctx.settings.token_ttl_seconds)
        now = self.ctx.now()
        with self.ctx.write() as conn:
            existing = users.all_signing_keys(conn)
            kid = self._insert_key(conn)
            retired = []
            # a key stopped signing when the next one was made
            for (old, _, _), (_, _, successor_at) in itertools.pairwise(existing):
                if successor_at + ttl <= now:
                    users.delete_signing_key(conn, old)
                    retired.append(old)
        self._load()
        return kid, retired

    def _load(self) -> None:
        with self.ctx.read() as conn:
            rows = users.all_signing_keys(conn)
        keys = {}
        for kid, sealed, _ in rows:
            keys[kid] = self._keys.get(kid) or serialization.load_pem_private_key(
                self.keyring.unseal(sealed), None
            )
        if not keys.keys() >= self._keys.keys():  # a key retired: what it signed is not kept
            self._verified.clear()
        self._keys = keys
        self._loaded_at = time.monotonic()

    def issue(self, user: UserRecord, now: datetime) -> tuple[str, int]:
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
            "sub": user.id,
            "username": user.username,
            "epoch": user.token_epoch,
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

    def _key(self, kid: str) -> Any:
        stale = time.monotonic() - self._loaded_at > self.KEYS_FRESH_SECONDS
        if kid not in self._keys or stale:
            self._load()
        return self._keys.get(kid)

    def verify(self, token: str) -> Identity:
        return self._identity(self._claims(token), self.states.get)

    def known(self, token: str) -> Identity | None:
        """The caller, when answering needs neither a signature check nor the database (the
        token was verified a moment ago and its user's state is cached); else None."""
        claims = self._verified.get(token)
        if claims is None or not self._fresh():
            return None
        state = self.states.cached(str(claims["sub"]))
        if state is None:
            return None
        return self._identity(claims, lambda _: state)

    def _claims(self, token: str) -> dict[str, Any]:
        if (kept := self._verified.get(token)) is not None and self._fresh():
            return kept
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise _invalid(str(error)) from None
        if not isinstance(kid, str):
            raise _invalid("no key ID")
        key = self._key(kid)
        if key is None:
            raise _invalid("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public_key(),
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=LOCAL_ISSUER,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "epoch"]},
            )
        except jwt.PyJWTError as error:
            raise _invalid(str(error)) from None
        self._verified.keep(token, claims)
        return claims

    def _fresh(self) -> bool:
        return time.monotonic() - self._loaded_at <= self.KEYS_FRESH_SECONDS

    @staticmethod
    def _identity(claims: dict[str, Any], state_of: Callable[[str], UserState | None]) -> Identity:
        state = state_of(str(claims["sub"]))
        if state is None:
            raise _invalid("its user no longer exists")
        epoch = claims["epoch"]
        if not isinstance(epoch, int) or (why := state.refusal(epoch)) is not None:
            raise _invalid(why or "its epoch is not a number")
        return Identity(
            state.id,
            state.username,
            state.roles,
            "jwt",
            password_change_required=state.password_change_required,
        )


class CognitoVerifier:
    """Cognito user-pool tokens: the pool's JWKS, issuer, `token_use` and app client ID."""

    # How long a verified token is trusted without checking it again (a key Cognito stops
    # publishing stops verifying within this, as PyJWKClient's own key cache allows).
    KEPT_SECONDS = 60.0

    def __init__(self, ctx: Context) -> None:
        s = ctx.settings
        region = s.cognito_region or (s.cognito_user_pool_id or "").split("_")[0]
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{s.cognito_user_pool_id}"
        self.client_id = s.cognito_client_id
        self.group_roles = s.cognito_group_roles
        self._jwks = jwt.PyJWKClient(s.cognito_jwks_url or f"{self.issuer}/.well-known/jwks.json")
        self._verified = Verified(self.KEPT_SECONDS)

    def roles(self, groups: list[str]) -> frozenset[Role]:
        out = set()
        for group in groups:
            name = self.group_roles.get(group, group)
            if name in Role.__members__.values():
                out.add(Role(name))
        return frozenset(out)

    def verify(self, token: str) -> Identity:
        return self._identity(self._verified.get(token) or self._checked(token))

    def known(self, token: str) -> Identity | None:
        """The caller, when the token was verified a moment ago (no JWKS fetch); else None."""
        claims = self._verified.get(token)
        return None if claims is None else self._identity(claims)

    def _checked(self, token: str) -> dict[str, Any]:
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
            claims: dict[str, Any] = jwt.decode(
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
        self._verified.keep(token, claims)
        return claims

    def _identity(self, claims: dict[str, Any]) -> Identity:
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
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
