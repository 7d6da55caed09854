"""Settings refuse a cross-account role that cannot be right before anything starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from drs_orchestrator.config import Settings


def test_roles_are_kept_per_account() -> None:
    arn = "arn:aws:iam::222222222222:role/path/DrsOrchestrator"

    settings = Settings(account_roles={"222222222222": arn})

    assert settings.account_roles == {"222222222222": arn}


@pytest.mark.parametrize(
    ("arn", "reason"),
    [
        ("arn:aws:iam::333333333333:role/DrsOrchestrator", "is in account 333333333333"),
        ("arn:aws:iam::222222222222:user/alice", "is not an IAM role ARN"),
        ("DrsOrchestrator", "is not an IAM role ARN"),
    ],
)
def test_a_role_outside_its_account_is_refused(arn: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Settings(account_roles={"222222222222": arn})


def test_roles_come_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    arn = "arn:aws-us-gov:iam::222222222222:role/Drs"
    monkeypatch.setenv("DRSO_ACCOUNT_ROLES", f'{{"222222222222": "{arn}"}}')

    assert Settings().account_roles == {"222222222222": arn}


@pytest.mark.parametrize(
    "domain",
    ["https://shop.auth.us-east-1.amazoncognito.com", "http://127.0.0.1:8123", "http://localhost"],
)
def test_the_hosted_ui_is_https_or_this_machine(domain: str) -> None:
    assert Settings(cognito_domain=domain).cognito_domain == domain


@pytest.mark.parametrize(
    "domain",
    ["http://shop.auth.us-east-1.amazoncognito.com", "https://x.com/path", "ftp://x", "x.com"],
)
def test_any_other_hosted_ui_address_is_refused(domain: str) -> None:
    with pytest.raises(ValidationError, match="cognito_domain"):
        Settings(cognito_domain=domain)
