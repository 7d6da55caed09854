"""RFC 9457 problem+json for every error, each with a stable `code`."""

from __future__ import annotations

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


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    titles = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        409: "Conflict",
        412: "Precondition Failed",
        415: "Unsupported Media Type",
        422: "Unprocessable Content",
        428: "Precondition Required",
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
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
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
    return problem(status, exc.code, exc.message, **exc.extra)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 401: "UNAUTHORIZED"}
    return problem(
        exc.status_code, codes.get(exc.status_code, f"HTTP_{exc.status_code}"), str(exc.detail)
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(errors.DomainError, _domain)
    app.add_exception_handler(HTTPException, _http)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem answers a route can give."""
    return {
        s: {
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "description": "A problem (RFC 9457)",
        }
        for s in statuses
    }
