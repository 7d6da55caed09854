"""Keyset (cursor) pagination: each page is an index range scan, never an offset or a scan."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from drs_orchestrator.domain.errors import InvalidInput, Violation

T = TypeVar("T")
K = TypeVar("K", str, int)

# What a key we issue can be: a 64-bit integer (databases keep no larger), a short string
# without NUL (PostgreSQL refuses NUL in text).
_INT_RANGE = range(-(2**63), 2**63)
_MAX_KEY_LENGTH = 256


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode(key: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps([key]).encode()).decode().rstrip("=")


def decode(cursor: str | None, kind: type[K]) -> K | None:
    """The key after which the next page starts; a cursor we did not issue is a 400."""
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if isinstance(key, list) and len(key) == 1 and type(key[0]) is kind and _storable(key[0]):
        return key[0]
    raise invalid_cursor()


def _storable(key: str | int) -> bool:
    if isinstance(key, int):
        return key in _INT_RANGE
    return len(key) <= _MAX_KEY_LENGTH and "\x00" not in key


def invalid_cursor() -> InvalidInput:
    return InvalidInput(
        [Violation("cursor", "INVALID_CURSOR", "Not a cursor this API returned")],
        code="INVALID_CURSOR",
    )


def cut(rows: list[T], limit: int, key: K | None) -> Page[T]:
    """A page from `limit + 1` fetched rows; `key` is the last kept row's sort key."""
    return Page(rows[:limit], encode(key) if len(rows) > limit and key is not None else None)
