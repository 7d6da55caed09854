"""Settings from `DRSO_*` environment variables and an optional YAML file (`DRSO_CONFIG_FILE`)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)


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
    regions: list[str] | None = Field(
        default=None, description="Regions to look for DRS in; default every DRS region."
    )
    admin_password: str | None = Field(
        default=None, min_length=8, description="The first admin's password (for automation)."
    )
    token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    cognito_user_pool_id: str | None = None
    cognito_region: str | None = None
    cognito_client_id: str | None = None
    cognito_jwks_url: str | None = Field(
        default=None, description="Override of the pool's JWKS address (tests, private links)."
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

    def database(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'drso.db').resolve()}"

    @property
    def cognito_enabled(self) -> bool:
        return bool(self.cognito_user_pool_id)
