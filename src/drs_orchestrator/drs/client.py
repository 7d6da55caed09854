"""boto3 DRS clients. `AWS_ENDPOINT_URL_DRS` (boto3's own setting) points DRS at an emulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_drs import DrsClient

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30
)


def drs_client(region: str, session: boto3.session.Session | None = None) -> DrsClient:
    """A DRS client for one region; credentials and endpoint default to boto3's resolution."""
    return (session or boto3.session.Session()).client("drs", region_name=region, config=_CONFIG)
