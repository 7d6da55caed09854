"""Pieces every router uses: pagination parameters, ETags, the services."""

from __future__ import annotations

import re
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from drs_orchestrator.domain.errors import InvalidInput, Violation

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Page(ApiModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=2048, description="`nextCursor` of the previous page.")
]

_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def if_match(
    value: Annotated[
        str | None,
        Header(alias="If-Match", description='The ETag you read, e.g. "3"; refused if stale.'),
    ] = None,
) -> int | None:
    if value is None or value.strip() == "*":
        return None
    if not (match := _ETAG.match(value.strip())):
        raise InvalidInput(
            [Violation("If-Match", "INVALID_IF_MATCH", 'If-Match must be an ETag such as "3"')],
            code="INVALID_IF_MATCH",
        )
    return int(match.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]


def etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'
