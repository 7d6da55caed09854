"""The boundary: input no route should ever see is refused here, once, for every route.

A NUL character anywhere (path, query, body: PostgreSQL cannot store it, the file system
cannot name it), a body that is not valid UTF-8 JSON or form data, nesting deeper than any of
our documents, a number Python cannot read (5,000 digits) or JSON cannot carry back
(1e400): each is a 400 naming the field and the reason, before a route runs, on SQLite and
PostgreSQL alike. Routes then validate bodies known to be well formed (integer fields carry
their own bounds; query integers are bounded where they are declared).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drs_orchestrator.api.problems import problem

MAX_BODY_BYTES = 4 * 1024 * 1024
# Our deepest document (a plan: waves, hooks, parameters) nests about 8 levels.
MAX_DEPTH = 64
_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


class RefusedInputError(Exception):
    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code, self.message = field, code, message


def _refuse(refusal: RefusedInputError) -> ASGIApp:
    field = refusal.field.replace("\x00", "\\u0000")  # never echo the NUL itself
    error = {"field": field, "code": refusal.code, "message": refusal.message}
    return problem(400, "VALIDATION_FAILED", f"{refusal.field}: {refusal.message}", errors=[error])


def _no_nul(field: str, text: str) -> None:
    if "\x00" in text:
        raise RefusedInputError(
            field, "NUL_CHARACTER", "must not contain the NUL character (\\u0000)"
        )


def check_target(scope: Scope) -> None:
    """The path and the query string."""
    _no_nul("path", scope.get("path", ""))
    try:
        query = scope.get("query_string", b"").decode("utf-8")
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise RefusedInputError("query", "INVALID_QUERY", "is not valid UTF-8") from None
    for name, value in pairs:
        _no_nul(name or "query", name + value)


def _media_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return ""


def _reject_constant(name: str) -> Any:
    raise RefusedInputError("body", "INVALID_JSON", f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise RefusedInputError("body", "NUMBER_OUT_OF_RANGE", f"{text[:40]} is too large")
    return value


def _walk(document: Any) -> Iterator[tuple[str, int, Any]]:
    """Every value of a parsed document with its field path and depth."""
    stack: list[tuple[str, int, Any]] = [("", 0, document)]
    while stack:
        path, depth, value = stack.pop()
        yield path, depth, value
        if isinstance(value, dict):
            for key, item in value.items():
                yield f"{path}.{key}" if path else key, depth + 1, key
                stack.append((f"{path}.{key}" if path else key, depth + 1, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", depth + 1, item) for i, item in enumerate(value))


def check_json(body: bytes) -> None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RefusedInputError(
            "body", "INVALID_UTF8", f"is not valid UTF-8 (byte {error.start})"
        ) from None
    try:
        document = json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except RecursionError:
        raise RefusedInputError(
            "body", "TOO_DEEP", f"nests deeper than {MAX_DEPTH} levels"
        ) from None
    except json.JSONDecodeError as error:
        raise RefusedInputError("body", "INVALID_JSON", f"is not JSON: {error}") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise RefusedInputError("body", "NUMBER_OUT_OF_RANGE", str(error)) from None
    for path, depth, value in _walk(document):
        field = path or "body"
        if depth > MAX_DEPTH:
            raise RefusedInputError(field, "TOO_DEEP", f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            _no_nul(field, value)


def check_form(body: bytes) -> None:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise RefusedInputError("body", "INVALID_UTF8", "is not valid UTF-8 form data") from None
    for name, value in pairs:
        _no_nul(name or "body", name + value)


class Boundary:
    """ASGI middleware: checks the target, then reads and checks the body, then replays it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_target(scope)
        except RefusedInputError as refusal:
            await _refuse(refusal)(scope, receive, send)
            return
        if scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        body = await _read(receive)
        if body is None:
            too_large = problem(
                413, "BODY_TOO_LARGE", f"The body is larger than {MAX_BODY_BYTES} bytes"
            )
            await too_large(scope, receive, send)
            return
        if body:
            refused = _check_body(_media_type(scope), body)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)


def _check_body(media_type: str, body: bytes) -> ASGIApp | None:
    try:
        if media_type == "application/json" or media_type.endswith("+json"):
            check_json(body)
        elif media_type == "application/x-www-form-urlencoded":
            check_form(body)
        else:
            return problem(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"A body of type {media_type or 'unknown'!r} is not accepted: send "
                "application/json (or application/x-www-form-urlencoded to sign in)",
            )
    except RefusedInputError as refusal:
        return _refuse(refusal)
    return None


async def _read(receive: Receive) -> bytes | None:
    """The whole body, or None when it is larger than MAX_BODY_BYTES."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
