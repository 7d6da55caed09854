"""RFC 9457 problem+json for every error, each with a stable `code`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from drs_orchestrator.domain import errors
from drs_orchestrator.domain.hooks import HOOK_TYPES

MEDIA_TYPE = "application/problem+json"

STATUS: list[tuple[type[errors.DomainError], int]] = [
    (errors.InvalidInput, 400),
    (errors.DrsNotInitialized, 400),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.PreconditionFailed, 412),
    (errors.TooManyRequests, 429),
    (errors.Unavailable, 503),
]

# pydantic's error types, named the way the rest of our codes are.
_PYDANTIC_CODES = {
    "missing": "FIELD_REQUIRED",
    "extra_forbidden": "UNKNOWN_FIELD",
    "string_pattern_mismatch": "INVALID_FORMAT",
    "json_invalid": "INVALID_JSON",
    "union_tag_invalid": "UNKNOWN_HOOK_TYPE",
    "union_tag_not_found": "HOOK_TYPE_REQUIRED",
}


class FieldError(BaseModel):
    field: str
    code: str
    message: str


class Problem(BaseModel):
    """An error answer (RFC 9457); `code` is stable, `detail` is for people."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    errors: list[FieldError] | None = None


def problem(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    titles = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        409: "Conflict",
        412: "Precondition Failed",
        413: "Content Too Large",
        415: "Unsupported Media Type",
        422: "Unprocessable Content",
        428: "Precondition Required",
        429: "Too Many Requests",
        503: "Service Unavailable",
    }
    body = {
        "type": "about:blank",
        "title": titles.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def field_path(loc: Sequence[int | str]) -> str:
    """`("body", "waves", 1, "preHooks", 0, "httpCheck", "url")` -> `waves[1].preHooks[0].url`."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in HOOK_TYPES and i and isinstance(parts[i - 1], int):
            continue  # the discriminator pydantic puts in the path
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = []
    for error in exc.errors():
        kind = str(error.get("type", "invalid"))
        code = kind if kind.isupper() else _PYDANTIC_CODES.get(kind, kind.upper())
        found.append(
            {
                "field": field_path(error.get("loc", ())),
                "code": code,
                "message": str(error.get("msg", "")),
            }
        )
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in found)
    return problem(400, "VALIDATION_FAILED", detail, errors=found)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    status = next((s for kind, s in STATUS if isinstance(exc, kind)), 400)
    headers = None
    if isinstance(exc, errors.TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return problem(status, exc.code, exc.message, headers=headers, **exc.extra)


def allowed_methods(request: Request) -> list[str]:
    """Every method the API answers at this path, from its OpenAPI document (Starlette's own
    405 names only the methods of the first route that matched the path)."""
    routes: list[tuple[re.Pattern[str], set[str]]] | None = getattr(
        request.app.state, "allowed_methods", None
    )
    if routes is None:
        routes = [
            (re.compile("^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(path)) + "$"), set(ops))
            for path, ops in request.app.openapi().get("paths", {}).items()
        ]
        request.app.state.allowed_methods = routes
    path = request.url.path
    matching = [(p, ops) for p, ops in routes if p.match(path)]
    # A path that is a route of its own (/recovery-plans/lint) is not also /{plan_id}.
    literal = [(p, ops) for p, ops in matching if "[^/]+" not in p.pattern]
    return sorted({m.upper() for _, ops in (literal or matching) for m in ops})


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allow = allowed_methods(request)
        return problem(
            405,
            "METHOD_NOT_ALLOWED",
            f"{request.method} is not allowed here; allowed: {', '.join(allow)}",
            headers={"Allow": ", ".join(allow)},
        )
    if exc.status_code == 400:  # a body the framework could not read
        error = {"field": "body", "code": "INVALID_BODY", "message": str(exc.detail)}
        return problem(400, "VALIDATION_FAILED", f"body: {exc.detail}", errors=[error])
    codes = {404: "NOT_FOUND", 401: "UNAUTHORIZED"}
    return problem(
        exc.status_code,
        codes.get(exc.status_code, f"HTTP_{exc.status_code}"),
        str(exc.detail),
        headers=dict(exc.headers or {}),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(errors.DomainError, _domain)
    app.add_exception_handler(HTTPException, _http)


def response_entry(description: str = "A problem (RFC 9457)") -> dict[str, Any]:
    """The OpenAPI entry of one problem answer."""
    return {
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "description": description,
    }


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers a route can give."""
    return {s: response_entry() for s in statuses}
