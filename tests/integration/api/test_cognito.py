"""Cognito sign-in: tokens checked against a user pool's JWKS served on loopback.

The pool's keys are ours (made here); everything else is what the API does with a real
Cognito token: issuer, `token_use`, app client, expiry, signature, groups mapped to roles.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from drs_orchestrator.api.services import Services
from drs_orchestrator.emulator.server import ServerThread
from tests.integration.conftest import build_services
from tests.store_backends import drop, fresh_database_url

POOL = "eu-west-1_Test4Pool"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
CLIENT = "7app8client9id"
KID = "pool-key-1"


class Pool:
    """A user pool's signing key and the JWKS document it publishes."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.available = True

    def jwks(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def token(self, key: rsa.RSAPrivateKey | None = None, kid: str = KID, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": "5f0c-user-sub",
            "iss": ISSUER,
            "token_use": "access",
            "client_id": CLIENT,
            "username": "carol",
            "cognito:groups": ["dr-operators"],
            "iat": now,
            "exp": now + 3600,
            **overrides,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture(scope="module")
def pool() -> Iterator[tuple[Pool, str]]:
    the_pool = Pool()

    def jwks(_: Request) -> Response:
        if not the_pool.available:
            return Response("down", status_code=503)
        return JSONResponse(the_pool.jwks())

    app = Starlette(routes=[Route(f"/{POOL}/.well-known/jwks.json", jwks)])
    with ServerThread(app) as url:
        yield the_pool, f"{url}/{POOL}/.well-known/jwks.json"


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def services(
    _api: tuple[object, str], pool: tuple[Pool, str], tmp_path: Path, backend: str
) -> Iterator[Services]:
    """The API configured for a Cognito user pool instead of local users."""
    pool[0].available = True
    url = fresh_database_url(backend, tmp_path)
    svc = build_services(
        url,
        cognito_user_pool_id=POOL,
        cognito_client_id=CLIENT,
        cognito_jwks_url=pool[1],
        cognito_group_roles={"dr-operators": "operator", "dr-viewers": "viewer"},
    )
    _api[0].state.services = svc  # type: ignore[attr-defined]
    yield svc
    svc.ctx.engine.dispose()
    drop(url)


def call(api_url: str, token: str, path: str = "/auth/me") -> httpx.Response:
    return httpx.get(f"{api_url}{path}", headers={"Authorization": f"Bearer {token}"})


def test_an_access_token_maps_the_users_groups_onto_roles(
    api_url: str, pool: tuple[Pool, str]
) -> None:
    token = pool[0].token()

    me = call(api_url, token)

    assert me.status_code == 200, me.text
    assert me.json() == {
        "username": "carol",
        "roles": ["operator"],
        "via": "cognito",
        "permissions": ["configure", "read", "run-drill"],
        "actsAs": ["viewer", "operator"],
    }
    assert call(api_url, token, "/protection-groups").status_code == 200
    refused = call(api_url, token, "/users")
    assert refused.status_code == 403
    assert refused.json()["code"] == "FORBIDDEN"


def test_an_id_token_is_checked_against_its_audience(api_url: str, pool: tuple[Pool, str]) -> None:
    id_token = pool[0].token(
        token_use="id", client_id=None, aud=CLIENT, username=None, **{"cognito:username": "dave"}
    )
    other_app = pool[0].token(token_use="id", client_id=None, aud="another-app")

    assert call(api_url, id_token).json()["username"] == "dave"
    assert call(api_url, other_app).status_code == 401


def test_groups_named_like_roles_map_by_default_and_others_give_nothing(
    api_url: str, pool: tuple[Pool, str]
) -> None:
    admin = pool[0].token(**{"cognito:groups": ["admin", "marketing"]})
    nobody = pool[0].token(**{"cognito:groups": ["marketing"]})

    assert call(api_url, admin).json()["roles"] == ["admin"]
    assert call(api_url, admin, "/users").status_code == 200
    assert call(api_url, nobody).json()["roles"] == []
    assert call(api_url, nobody, "/protection-groups").status_code == 403


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "issuer"),
        ({"client_id": "another-app"}, "another app client"),
        ({"token_use": "refresh"}, "token_use"),
        ({"token_use": None}, "token_use"),
        ({"exp": int(time.time()) - 60}, "expired"),
    ],
)
def test_tokens_that_are_not_for_this_api_are_refused(
    api_url: str, pool: tuple[Pool, str], overrides: dict[str, Any], reason: str
) -> None:
    answer = call(api_url, pool[0].token(**overrides))

    assert answer.status_code == 401
    assert answer.json()["code"] == "INVALID_TOKEN"
    assert reason in answer.json()["detail"]


def test_a_token_signed_by_another_key_is_refused(api_url: str, pool: tuple[Pool, str]) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    same_kid = call(api_url, pool[0].token(key=forger))
    unknown_kid = call(api_url, pool[0].token(key=forger, kid="forged"))

    assert (same_kid.status_code, unknown_kid.status_code) == (401, 401)
    assert "Signature verification failed" in same_kid.json()["detail"]


def test_local_sign_in_is_off_when_cognito_is_configured(api_url: str) -> None:
    answer = httpx.post(f"{api_url}/auth/token", data={"username": "admin", "password": "x"})

    assert answer.status_code == 400
    assert answer.json()["code"] == "LOCAL_SIGN_IN_DISABLED"


def test_tokens_fail_closed_when_the_pool_keys_cannot_be_fetched(
    api_url: str, pool: tuple[Pool, str], services: Services
) -> None:
    pool[0].available = False

    answer = call(api_url, pool[0].token(), "/protection-groups")

    assert answer.status_code == 503
    assert answer.json()["code"] == "IDENTITY_PROVIDER_UNAVAILABLE"
