"""The JWT signing keys: sealed in the database by DRSO_SECRET_KEY, resealed when the secret
is rotated, rotated themselves without signing anyone out before their tokens expire."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import jwt
import pytest
import sqlalchemy as sa
from moto import mock_aws

from drs_orchestrator.api.services import Services, StartupError
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.errors import Unauthorized
from drs_orchestrator.domain.roles import Role
from drs_orchestrator.service import identity
from drs_orchestrator.service.keyring import Keyring
from drs_orchestrator.service.users import UserSpec, UserUpdate
from drs_orchestrator.store.tables import signing_keys
from tests.store_backends import drop, fresh_database_url

pytestmark = pytest.mark.integration
OLD = "the-old-secret-that-is-long-enough-000000000"
NEW = "the-new-secret-that-is-long-enough-111111111"


def build(url: str, secret: str | None, **values: object) -> Services:
    settings: dict[str, object] = {"database_url": url, "admin_password": "password-1", **values}
    if secret is not None:
        settings["secret_key"] = secret
    return Services.build(Settings.model_validate(settings))


def sealed(services: Services) -> list[str]:
    with services.ctx.read() as conn:
        return list(conn.execute(sa.select(signing_keys.c.sealed_key)).scalars())


def token(services: Services) -> str:
    return services.issuer.issue(services.users.get("admin"), services.ctx.now())[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    found = fresh_database_url(request.param, tmp_path)
    yield found
    drop(found)


def test_rotating_the_secret_reseals_every_key_and_keeps_tokens_valid(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRSO_SECRET_KEY")
    first = build(url, OLD)
    first.users.bootstrap_admin()
    issued = token(first)
    assert all(not Keyring([NEW]).sealed_with_newest(s) for s in sealed(first))

    rotating = build(url, f"{NEW},{OLD}")  # step 1: the new secret first, the old one after

    assert all(Keyring([NEW]).sealed_with_newest(s) for s in sealed(rotating))
    done = build(url, NEW)  # step 2: the old secret is gone
    assert done.issuer.verify(issued).username == "admin"
    with pytest.raises(StartupError, match="not in DRSO_SECRET_KEY"):
        build(url, OLD)  # a server with only the old secret cannot read the keys
    for services in (first, rotating, done):
        services.ctx.engine.dispose()


def test_a_short_or_missing_secret_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRSO_SECRET_KEY")
    with pytest.raises(StartupError, match="shorter than 32"):
        build(f"sqlite:///{tmp_path}/a.db", "short")
    postgres = fresh_database_url("postgresql", tmp_path)
    try:
        with pytest.raises(StartupError, match="required with PostgreSQL"):
            build(postgres, None)
    finally:
        drop(postgres)


def test_with_sqlite_and_no_secret_one_is_made_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRSO_SECRET_KEY")
    services = build(f"sqlite:///{tmp_path}/a.db", None, data_dir=tmp_path / "data")
    secret_file = tmp_path / "data" / "secret.key"

    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    again = build(f"sqlite:///{tmp_path}/a.db", None, data_dir=tmp_path / "data")
    assert again.issuer.jwks() == services.issuer.jwks()  # the same keys, unsealed again
    services.ctx.engine.dispose()
    again.ctx.engine.dispose()


def test_rotating_the_signing_key_signs_new_tokens_and_retires_old_keys_later(
    url: str,
) -> None:
    services = build(url, None)
    services.users.bootstrap_admin()
    before = token(services)
    old_kid = jwt.get_unverified_header(before)["kid"]

    new_kid, retired = services.issuer.rotate()

    after = token(services)
    assert jwt.get_unverified_header(after)["kid"] == new_kid != old_kid
    assert retired == []  # tokens of the old key may still be alive
    assert services.issuer.verify(before).username == "admin"
    assert {k["kid"] for k in services.issuer.jwks()["keys"]} == {old_kid, new_kid}

    real_now = services.ctx.now
    ttl = timedelta(seconds=services.ctx.settings.token_ttl_seconds)
    services.ctx.now = lambda: real_now() + ttl + timedelta(minutes=1)
    newest, retired = services.issuer.rotate()

    assert retired == [old_kid]  # no token it signed can be alive any more
    assert {k["kid"] for k in services.issuer.jwks()["keys"]} == {new_kid, newest}
    with pytest.raises(Exception, match="unknown signing key"):
        services.issuer.verify(before)
    services.ctx.engine.dispose()


def test_the_secret_can_come_from_secrets_manager(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRSO_SECRET_KEY")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DRS", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():  # moto's Secrets Manager, in-process: no AWS is reached
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="drso/secret-key", SecretString=NEW)["ARN"]
        services = build(f"sqlite:///{tmp_path}/a.db", None, secret_key_secret_id=arn)
        missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nothing-AbCdEf"
        with pytest.raises(StartupError, match="Secrets Manager secret"):
            build(f"sqlite:///{tmp_path}/b.db", None, secret_key_secret_id=missing)

    assert all(Keyring([NEW]).sealed_with_newest(s) for s in sealed(services))
    services.ctx.engine.dispose()


def test_a_verified_token_is_checked_once_and_its_user_on_every_request(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signature is verified once per token (kept until it expires); a user disabled
    afterwards is refused all the same, and a token altered by one character is not taken for
    the one verified."""
    services = build(url, None)
    services.users.bootstrap_admin()
    services.users.create(
        UserSpec(username="bob", password="bob-password-1", roles=[Role.OPERATOR]), "admin"
    )
    bobs = services.issuer.issue(services.users.get("bob"), services.ctx.now())[0]
    decoded = []
    real_decode = identity.jwt.decode
    monkeypatch.setattr(
        identity.jwt, "decode", lambda *a, **k: decoded.append(1) or real_decode(*a, **k)
    )

    assert services.issuer.known(bobs) is None  # never verified: the slow path
    assert [services.issuer.verify(bobs).username for _ in range(5)] == ["bob"] * 5
    assert len(decoded) == 1
    known = services.issuer.known(bobs)
    assert known is not None
    assert (known.username, known.roles) == ("bob", {Role.OPERATOR})

    header, payload, signature = bobs.split(".")
    altered = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    assert services.issuer.known(altered) is None
    with pytest.raises(Unauthorized, match="Signature verification failed"):
        services.issuer.verify(altered)

    services.users.update("bob", UserUpdate(disabled=True), None, "admin")
    assert services.issuer.known(bobs) is None
    with pytest.raises(Unauthorized, match="disabled"):
        services.issuer.verify(bobs)
    services.ctx.engine.dispose()


def test_a_kept_token_is_dropped_when_it_expires() -> None:
    kept = identity.Verified(seconds=60)
    kept.keep("live", {"exp": time.time() + 30})
    kept.keep("expired", {"exp": time.time() - 1})
    assert kept.get("live") is not None
    assert kept.get("expired") is None
    assert kept.get("never-seen") is None
