"""Settings from `DRSO_*` environment variables and an optional YAML file (`DRSO_CONFIG_FILE`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::([0-9]{12}):role/[\w+=,.@/-]{1,512}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DRSO_", extra="forbid")

    data_dir: Path = Field(default=Path(".drso"), description="Where the SQLite file lives.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file in data_dir."
    )
    account_id: str = Field(
        default="111111111111",
        pattern=r"^[0-9]{12}$",
        description="The deployment's own AWS account: the default for protection groups.",
    )
    account_roles: dict[str, str] = Field(
        default_factory=dict,
        description="Other AWS accounts: account ID -> ARN of the IAM role assumed to reach "
        "DRS there.",
    )
    account_role_external_id: str | None = Field(
        default=None, description="The ExternalId the roles' trust policies ask for, if any."
    )
    dbos_database_url: str | None = Field(
        default=None,
        description="Where DBOS keeps workflow state; default beside the database (a second "
        "SQLite file, or the same PostgreSQL database).",
    )
    dbos_schema: str | None = Field(
        default=None,
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL schema for DBOS's tables (default `dbos`).",
    )
    worker_id: str | None = Field(
        default=None,
        max_length=80,
        description="This worker's ID (DBOS executor); default `local` on SQLite, unique per "
        "process on PostgreSQL.",
    )
    worker_lease_seconds: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        description="A worker silent this long is dead; another takes its executions over.",
    )
    drs_calls_per_second: float = Field(
        default=10.0, gt=0, le=1000, description="Calls a second to DRS per account and region."
    )
    drs_burst: int = Field(default=20, ge=1, le=1000, description="Calls allowed at once.")
    tag_jobs: bool = Field(
        default=True, description="Tag every DRS job with the execution, plan and wave."
    )
    regions: list[str] | None = Field(
        default=None, description="Regions to look for DRS in; default every DRS region."
    )
    admin_password: str | None = Field(
        default=None, min_length=8, description="The first admin's password (for automation)."
    )
    token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    session_ttl_seconds: int = Field(
        default=8 * 3600, ge=300, le=7 * 86400, description="How long a console sign-in lasts."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Seals the JWT signing keys in the database: one or more secrets of 32+ "
        "characters, comma-separated, newest first (rotation). Required with PostgreSQL; with "
        "SQLite, one is made in data_dir/secret.key when unset.",
    )
    secret_key_secret_id: str | None = Field(
        default=None,
        max_length=2048,
        description="Or: the AWS Secrets Manager secret (name or ARN) holding DRSO_SECRET_KEY.",
    )
    sign_in_failures_per_user: int = Field(
        default=5, ge=1, le=1000, description="Wrong passwords for one user per window."
    )
    sign_in_failures_per_address: int = Field(
        default=20, ge=1, le=10000, description="Wrong passwords from one address per window."
    )
    sign_in_window_seconds: int = Field(
        default=300, ge=1, le=86400, description="The window sign-in failures are counted in."
    )
    sign_in_limit_storage: str = Field(
        default="memory://",
        description="Where sign-in failures are counted (a `limits` storage URI, e.g. "
        "redis://host:6379 to share the count between workers).",
    )
    user_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="How long a worker trusts what it read of a user (roles, epoch) before "
        "reading again; changes made through this worker apply at once.",
    )
    cognito_user_pool_id: str | None = None
    cognito_region: str | None = None
    cognito_client_id: str | None = None
    cognito_jwks_url: str | None = Field(
        default=None, description="Override of the pool's JWKS address (tests, private links)."
    )
    cognito_domain: str | None = Field(
        default=None,
        # https, or plain http on this machine only (a stand-in hosted UI in tests).
        pattern=r"^(https://[A-Za-z0-9.-]+|http://(127\.0\.0\.1|localhost))(:[0-9]+)?$",
        description="The hosted UI's address (https://NAME.auth.REGION.amazoncognito.com); "
        "the console then signs in through it.",
    )
    cognito_group_roles: dict[str, str] = Field(
        default_factory=dict,
        description="Cognito group -> role; groups named like a role map to it by default.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path := os.environ.get("DRSO_CONFIG_FILE"):
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)

    @field_validator("account_roles")
    @classmethod
    def _roles_in_their_accounts(cls, roles: dict[str, str]) -> dict[str, str]:
        for account, arn in roles.items():
            found = _ROLE_ARN.fullmatch(arn)
            if not found:
                raise ValueError(f"{account}: {arn!r} is not an IAM role ARN")
            if found.group(1) != account:
                raise ValueError(f"{account}: the role {arn} is in account {found.group(1)}")
        return roles

    def database(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'drso.db').resolve()}"

    def dbos_database(self) -> str:
        if self.dbos_database_url:
            return self.dbos_database_url
        url = self.database()
        if url.startswith("sqlite:///"):
            return url.removesuffix(".db") + ".dbos.db"
        return url

    @property
    def cognito_enabled(self) -> bool:
        return bool(self.cognito_user_pool_id)
