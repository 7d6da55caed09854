"""The deployment's secret key from AWS Secrets Manager (when deployed, instead of an
environment variable)."""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=10
)


class SecretUnavailableError(Exception):
    """The secret could not be read: the server must not start without it."""


def secret_string(secret_id: str, session: boto3.session.Session | None = None) -> str:
    client = (session or boto3.session.Session()).client("secretsmanager", config=_CONFIG)
    try:
        value = client.get_secret_value(SecretId=secret_id).get("SecretString")
    except (ClientError, BotoCoreError) as error:
        raise SecretUnavailableError(f"Secrets Manager secret {secret_id}: {error}") from error
    if not value:
        raise SecretUnavailableError(f"Secrets Manager secret {secret_id} has no SecretString")
    return str(value)
