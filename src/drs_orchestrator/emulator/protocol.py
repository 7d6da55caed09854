"""DRS's rest-json wire protocol, driven entirely by botocore's service model.

Routing, request parsing, validation and error rendering all read the model, so the emulator
accepts and rejects exactly what the service's published contract says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import validate_parameters

from .errors import DrsError, ValidationError

SERVICE = "drs"


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE)


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]


@cache
def routes() -> tuple[Route, ...]:
    """One route per modelled operation, built from its `requestUri` template."""
    model = service_model()
    out = []
    for name in model.operation_names:
        op = model.operation_model(name)
        uri = op.http["requestUri"].split("?")[0]
        regex = re.sub(r"\{(\w+)\+?\}", r"(?P<\1>[^/]+)", uri)
        out.append(Route(op, op.http["method"].upper(), re.compile(f"^{regex}$")))
    return tuple(out)


def match_route(method: str, raw_path: str) -> tuple[OperationModel, dict[str, str]] | None:
    for route in routes():
        if route.method != method.upper():
            continue
        found = route.pattern.match(raw_path)
        if found:
            return route.operation, {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def parse_request(
    op: OperationModel,
    uri_params: dict[str, str],
    query: list[tuple[str, str]],
    body: bytes,
) -> dict[str, Any]:
    """Turn the HTTP request back into the operation's parameters."""
    shape = op.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    if body.strip():
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise ValidationError(
                f"Cannot parse request body: {exc}", reason="cannotParse"
            ) from exc
        if not isinstance(decoded, dict):
            raise ValidationError("Request body must be a JSON object", reason="cannotParse")
        by_wire_name: dict[str, str] = {
            m.serialization.get("name", n): n
            for n, m in shape.members.items()
            if "location" not in m.serialization
        }
        for key, value in decoded.items():
            params[by_wire_name.get(str(key), str(key))] = value
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri" and wire in uri_params:
            params[name] = uri_params[wire]
        elif location == "querystring":
            values = [v for k, v in query if k == wire]
            if values:
                params[name] = _from_query(member, values)
    return params


def _from_query(member: Shape, values: list[str]) -> Any:
    if member.type_name == "list":
        return values
    raw = values[-1]
    if member.type_name in ("integer", "long"):
        try:
            return int(raw)
        except ValueError as exc:
            raise ValidationError(
                f"{member.name} must be an integer", reason="cannotParse"
            ) from exc
    if member.type_name == "boolean":
        return raw.lower() == "true"
    return raw


def validate_input(op: OperationModel, params: dict[str, Any]) -> None:
    """Validate as botocore does, then as the service does (enums, patterns, maximums)."""
    shape = op.input_shape
    if shape is None:
        return
    problems = conformance_errors(shape, params)
    field_list = [{"name": path or op.name, "message": msg} for path, msg in problems]
    try:
        validate_parameters(params, shape)
    except ParamValidationError as exc:
        raise ValidationError(str(exc), field_list=field_list) from exc
    if problems:
        text = "; ".join(f"{f['name']}: {f['message']}" for f in field_list)
        raise ValidationError(f"Invalid request: {text}", field_list=field_list)


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path and not part.startswith("[") else f"{path}{part}"


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def conformance_errors(shape: Shape, value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every way `value` departs from `shape`: types, required members, enums, lengths, patterns.

    Used on requests (the checks botocore leaves to the server) and, in strict mode, on every
    response the emulator sends, so a response that could not come from DRS fails loudly.
    """
    kind = shape.type_name
    meta = shape.metadata
    errors: list[tuple[str, str]] = []
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [(path, f"expected an object, got {type(value).__name__}")]
        errors.extend(
            (_join(path, name), "required member is missing")
            for name in shape.required_members
            if name not in value
        )
        members = shape.members
        for key, item in value.items():
            if key not in members:
                errors.append((_join(path, key), f"not a member of {shape.name}"))
            else:
                errors.extend(conformance_errors(members[key], item, _join(path, key)))
        return errors
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [(path, f"expected a list, got {type(value).__name__}")]
        errors.extend(_range(meta, len(value), path, "length"))
        for i, item in enumerate(value):
            errors.extend(conformance_errors(shape.member, item, f"{path}[{i}]"))
        return errors
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [(path, f"expected a map, got {type(value).__name__}")]
        errors.extend(_range(meta, len(value), path, "length"))
        for key, item in value.items():
            errors.extend(conformance_errors(shape.key, key, f"{path}.<key {key!r}>"))
            errors.extend(conformance_errors(shape.value, item, f"{path}[{key!r}]"))
        return errors
    if kind == "string":
        if not isinstance(value, str):
            return [(path, f"expected a string, got {type(value).__name__}")]
        enum = meta.get("enum")
        if enum and value not in enum:
            errors.append((path, f"{value!r} is not one of {', '.join(enum)}"))
        errors.extend(_range(meta, len(value), path, "length"))
        pattern = meta.get("pattern")
        if pattern and not _regex(pattern).fullmatch(value):
            errors.append((path, f"{value!r} does not match the pattern {pattern}"))
        return errors
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [(path, f"expected an integer, got {type(value).__name__}")]
        return _range(meta, value, path, "value")
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [(path, f"expected a number, got {type(value).__name__}")]
        return _range(meta, value, path, "value")
    if kind == "boolean":
        if not isinstance(value, bool):
            return [(path, f"expected a boolean, got {type(value).__name__}")]
        return []
    return []


def _range(meta: dict[str, Any], amount: float, path: str, what: str) -> list[tuple[str, str]]:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and amount < low:
        return [(path, f"{what} {amount} is below the minimum {low}")]
    if high is not None and amount > high:
        return [(path, f"{what} {amount} is above the maximum {high}")]
    return []


def render_error(error: DrsError) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body DRS sends for an error; header members go in headers."""
    headers = {"x-amzn-ErrorType": error.code, "content-type": "application/json"}
    body: dict[str, Any] = {"message": error.message}
    shape = service_model().shape_for(error.code)
    members = shape.members if isinstance(shape, StructureShape) else {}
    for key, value in error.fields.items():
        member = members.get(key)
        if member is not None and member.serialization.get("location") == "header":
            headers[member.serialization.get("name", key)] = str(value)
        else:
            body[key] = value
    return error.status, headers, json.dumps(body).encode()


def success_status(op: OperationModel) -> int:
    return int(op.http.get("responseCode", 200))


def check_output(op: OperationModel, payload: dict[str, Any]) -> None:
    """Strict mode: refuse to send a response that DRS's model would not produce."""
    shape = op.output_shape
    problems = conformance_errors(shape, payload) if shape is not None else []
    if shape is None and payload:
        problems = [("", "operation has no output but a body was produced")]
    if problems:
        detail = "; ".join(f"{p or '<root>'}: {m}" for p, m in problems[:20])
        raise AssertionError(f"{op.name} response does not conform to the model: {detail}")
