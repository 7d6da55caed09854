"""The base of every document model: camelCase on the wire and in YAML, snake_case in Python."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

# DRS's own patterns (botocore model) so bad IDs are refused before DRS is asked.
SourceServerId = Annotated[str, StringConstraints(pattern=r"^s-[0-9a-zA-Z]{17}$")]
RecoverySnapshotId = Annotated[str, StringConstraints(pattern=r"^pit-[0-9a-zA-Z]{17}$")]
AccountId = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
# AWS region names: `us-east-1`, `ap-southeast-5`, `us-gov-west-1`.
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z]{1,10}){1,2}-[0-9]{1,2}$")]


def _integral(value: object) -> object:
    """JSON Schema counts 3.0 an integer; no boolean or string is one."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Numbers and flags as JSON Schema reads them (the types the OpenAPI document names): no
# `true` for 1, no "3" for 3, no 0 for false, which pydantic's lax mode would let through.
INTEGRAL = BeforeValidator(_integral)
Integer = Annotated[int, Strict(), INTEGRAL]
# Bounds go before INTEGRAL: after it, pydantic cannot say them in the schema (as minimum and
# maximum) when the field is optional.
WeekOfMinutes = Annotated[int, Strict(), Field(ge=1, le=10080), INTEGRAL]
TenYearsOfDays = Annotated[int, Strict(), Field(ge=1, le=3650), INTEGRAL]
Boolean = Annotated[bool, Strict()]


# Whitespace as JSON Schema's regular expressions (ECMA-262 `\s`) know it, spelled out so
# that the schema's pattern and this check refuse exactly the same names.
_SPACE = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
NAME_PATTERN = f"^[^{_SPACE}\\u0000](?:[^\\u0000]*[^{_SPACE}\\u0000])?$"
_NAME = re.compile(NAME_PATTERN, re.DOTALL)


def _trimmed(value: str) -> str:
    if not _NAME.fullmatch(value):  # fullmatch: Python's `$` would let a final newline by
        raise PydanticCustomError("NAME_NOT_TRIMMED", "must not begin or end with a space")
    return value


# A name as typed, without surrounding spaces (refused rather than trimmed, so that what
# the schema allows and what is stored agree); the schema says the same as a pattern.
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128),
    AfterValidator(_trimmed),
    Field(json_schema_extra={"pattern": NAME_PATTERN}),
]
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
