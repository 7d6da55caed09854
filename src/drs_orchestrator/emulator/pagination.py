"""nextToken/maxResults paging, as DRS's Describe* operations do it."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from .errors import ValidationError

T = TypeVar("T")
MAX_PAGE = 1000


def page(items: Sequence[T], params: dict[str, Any], scope: str) -> tuple[Sequence[T], str | None]:
    """One page of `items` and the token for the next, if any.

    Tokens are opaque, tied to the operation that issued them, and rejected elsewhere.
    """
    size = min(int(params.get("maxResults") or MAX_PAGE), MAX_PAGE)
    start = _decode(params.get("nextToken"), scope)
    end = start + size
    token = _encode(end, scope) if end < len(items) else None
    return items[start:end], token


def _encode(offset: int, scope: str) -> str:
    raw = json.dumps({"o": offset, "s": scope}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(token: str | None, scope: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        valid = data["s"] == scope and offset >= 0
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad_token() from exc
    if not valid:
        raise _bad_token()
    return offset


def _bad_token() -> ValidationError:
    return ValidationError(
        "Invalid nextToken",
        field_list=[{"name": "nextToken", "message": "not a token issued for this operation"}],
    )
