"""Pieces every router uses: pagination parameters, ETags, the services."""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler
from pydantic.alias_generators import to_camel
from pydantic_core import CoreSchema

from drs_orchestrator.domain.errors import InvalidInput, Violation

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Page(ApiModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class ClosedKeys:
    """Marks a dict whose keys have a pattern: pydantic states them as patternProperties,
    which lets any other key through, so clients (and schemathesis) would send what the
    server refuses; propertyNames with additionalProperties says what it accepts."""

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core)
        ((pattern, value),) = schema.pop("patternProperties").items()
        schema["propertyNames"] = {"pattern": pattern}
        schema["additionalProperties"] = value
        return schema


Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=2048, description="`nextCursor` of the previous page.")
]

# An If-Match value (RFC 9110): "*" or a list of entity-tags, each "..." or W/"...".
_TAG = r'(?:W/)?"[!#-~]*"'
IF_MATCH_PATTERN = rf"^ *(?:\*|{_TAG}(?: *, *{_TAG})*) *$"
_TAGS = re.compile(_TAG)
_OURS = re.compile(r'^"([0-9]{1,9})"$')


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            pattern=IF_MATCH_PATTERN,
            max_length=1024,
            description='The ETag you read, e.g. "3": the change is made only if it is still '
            "current (else 412). Without it the server applies your change to the current version.",
        ),
    ] = None,
) -> frozenset[int] | None:
    """The versions the client accepts; None for any. A tag we never issued (or a weak one,
    which If-Match compares strongly) matches no version, so the answer is 412."""
    if value is None or value.strip() == "*":
        return None
    if not re.fullmatch(IF_MATCH_PATTERN, value):
        raise InvalidInput(
            [Violation("If-Match", "INVALID_IF_MATCH", 'If-Match must be an ETag such as "3"')],
            code="INVALID_IF_MATCH",
        )
    versions = (_OURS.match(tag) for tag in _TAGS.findall(value))
    return frozenset(int(found.group(1)) for found in versions if found)


IfMatch = Annotated[frozenset[int] | None, Depends(if_match)]


def etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'
