"""The OpenAPI document, made to tell the truth about what the server accepts and answers.

FastAPI's generated document promises a 422 the server never sends (errors are 400 problems),
offers `null` for headers and query parameters (which HTTP cannot carry), and lets any string
hold NUL (which the boundary refuses). Each is corrected here as a class, for every operation.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from drs_orchestrator.api import problems

# What the boundary refuses in every string (see api/boundary.py), said as a schema.
NO_NUL = "^[^\\u0000]*$"
_entry = problems.response_entry
_METHODS = {"get", "put", "post", "delete", "patch"}
# FastAPI's schemas for the 422 it documents but we never send.
_UNUSED = {"HTTPValidationError", "ValidationError"}
_ANSWERS_ONLY = {"Problem", "FieldError"}


def _strings_without_nul(schema: Any) -> None:
    """Every free-text string refuses NUL (patterns, enums and formats already constrain)."""
    if isinstance(schema, list):
        for item in schema:
            _strings_without_nul(item)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(schema):
        schema["pattern"] = NO_NUL
    if schema.get("type") == "object" and "additionalProperties" in schema:
        names = schema.setdefault("propertyNames", {})
        if not {"pattern", "enum", "const", "format"} & set(names):
            names["pattern"] = NO_NUL
    for value in schema.values():
        if isinstance(value, dict | list):
            _strings_without_nul(value)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {type: null}]` -> X: a header or query parameter is absent, never null."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    kept = [o for o in options if o.get("type") != "null"]
    if len(kept) == len(options):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _truthful(operation: dict[str, Any]) -> None:
    answers = operation.setdefault("responses", {})
    answers.pop("422", None)
    # The boundary answers 400 to NUL in any path or query, so every operation can.
    answers.setdefault("400", _entry("Invalid input: each field with its reason"))
    if "requestBody" in operation:
        answers.setdefault("413", _entry("The body is larger than the server accepts"))
        answers.setdefault("415", _entry("The body is neither JSON nor form data"))
    if "401" in answers:  # signed in, but a one-time password must be changed first
        answers.setdefault("403", _entry("Forbidden (or PASSWORD_CHANGE_REQUIRED)"))
    for parameter in operation.get("parameters", []):
        if parameter.get("in") in {"header", "query"} and "schema" in parameter:
            parameter["schema"] = _not_null(parameter["schema"])


def document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = problems.Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    components.update(components["Problem"].pop("$defs", {}))
    for name in _UNUSED:
        components.pop(name, None)
    for name, body in components.items():
        if name.startswith("Body_"):  # form fields: absent, never null, like parameters;
            body["properties"] = {k: _not_null(v) for k, v in body["properties"].items()}
            # others are ignored, but the boundary refuses NUL in them too
            body["additionalProperties"] = {"type": "string"}
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            if method in _METHODS:
                _truthful(operation)
    # What clients send; a problem may quote what was refused, NUL and all (escaped).
    _strings_without_nul({k: v for k, v in schema.items() if k != "components"})
    _strings_without_nul({k: v for k, v in components.items() if k not in _ANSWERS_ONLY})
    return schema
