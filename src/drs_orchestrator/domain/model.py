"""The base of every document model: camelCase on the wire and in YAML, snake_case in Python."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

# DRS's own patterns (botocore model) so bad IDs are refused before DRS is asked.
SourceServerId = Annotated[str, StringConstraints(pattern=r"^s-[0-9a-zA-Z]{17}$")]
AccountId = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
# AWS region names: `us-east-1`, `ap-southeast-5`, `us-gov-west-1`.
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]{1,10}){1,2}-[0-9]{1,2}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Description = Annotated[str, Field(default="", max_length=2048)]
# IDs, or group names in plan files (resolved to IDs by `plan apply`)
ResourceId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class Document(BaseModel):
    """Strict camelCase document: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=False,
    )
