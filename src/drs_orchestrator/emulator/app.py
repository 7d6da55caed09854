"""The emulator as an ASGI app: DRS's wire protocol, plus an admin API under /_emulator/."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .emulator import Emulator
from .errors import AccessDeniedError, DrsError, InternalServerError, ValidationError
from .protocol import match_route, parse_request, render_error, success_status
from .scenario import ScenarioError, load_scenario, parse_faults, parse_scenario, parse_text

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
ADMIN = "/_emulator"
logger = logging.getLogger(__name__)


def _identity(request: Request) -> tuple[str, str]:
    """Access key and region from the SigV4 credential scope; DRS needs a signed request."""
    found = _CREDENTIAL.search(request.headers.get("authorization", ""))
    if not found:
        raise AccessDeniedError("Missing Authentication Token: sign requests with SigV4")
    return found.group(1), found.group(2)


def _error_response(error: DrsError) -> Response:
    status, headers, body = render_error(error)
    return Response(body, status_code=status, headers=headers)


async def _drs(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    raw_path = request.scope.get("raw_path", request.url.path.encode()).decode()
    matched = match_route(request.method, raw_path.split("?")[0])
    try:
        if matched is None:
            raise ValidationError(
                f"No DRS operation at {request.method} {request.url.path}",
                reason="unknownOperation",
            )
        op, uri_params = matched
        access_key, region = _identity(request)
        params = parse_request(
            op, uri_params, request.query_params.multi_items(), await request.body()
        )
        delay = emulator.faults.latency_ms(op.name)
        if delay:
            await asyncio.sleep(delay / 1000)
        result = emulator.call(
            op.name, params, account=emulator.account_for(access_key), region=region
        )
    except DrsError as error:
        return _error_response(error)
    except AssertionError as bug:  # strict mode caught a response DRS could not send
        logger.error("emulator bug: %s", bug)
        return _error_response(InternalServerError(f"Emulator bug: {bug}"))
    status = success_status(op)
    if status == 204 or (not result and op.output_shape is None):
        return Response(status_code=status)
    return Response(json.dumps(result), status_code=status, media_type="application/json")


# -- admin ------------------------------------------------------------------------------------


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": "BadRequest", "message": message}, status_code=400)


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if not body.strip():
        return {}
    return parse_text(body)


async def _state(request: Request) -> Response:
    return JSONResponse(request.app.state.emulator.state())


async def _load(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    try:
        name = request.query_params.get("name")
        scenario = load_scenario(name) if name else parse_scenario(await _json_body(request))
    except ScenarioError as exc:
        return _bad(f"Invalid scenario: {exc}")
    emulator.load(scenario)
    return JSONResponse(emulator.state())


async def _reset(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    emulator.reset()
    return JSONResponse(emulator.state())


async def _advance(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    try:
        body = await _json_body(request)
    except ScenarioError as exc:
        return _bad(str(exc))
    seconds = body.get("seconds") if isinstance(body, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        return _bad('Expected {"seconds": n} with n a number >= 0')
    emulator.advance(float(seconds))
    return JSONResponse(emulator.clock.describe())


async def _faults(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    if request.method == "POST":
        try:
            faults = parse_faults(await _json_body(request))
        except ScenarioError as exc:
            return _bad(f"Invalid faults: {exc}")
        return JSONResponse({"faults": emulator.set_faults(faults)})
    return JSONResponse({"faults": emulator.faults.to_wire()})


async def _calls(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    if request.method == "DELETE":
        emulator.clear_calls()
    with emulator.lock:
        return JSONResponse(
            {
                "counts": dict(emulator.counts),
                "total": sum(emulator.counts.values()),
                "errors": dict(emulator.error_counts),
                "recent": list(emulator.recent),
            }
        )


async def _failback_clients(request: Request) -> Response:
    """An operator boots the DRS Failback Client on premises for these recovery instances:
    {"region": ..., "recoveryInstanceIDs": [...], "launchType"?: RECOVERY|DRILL, "account"?}."""
    emulator: Emulator = request.app.state.emulator
    try:
        body = await _json_body(request)
    except ScenarioError as exc:
        return _bad(str(exc))
    region = body.get("region") if isinstance(body, dict) else None
    ids = body.get("recoveryInstanceIDs") if isinstance(body, dict) else None
    if not isinstance(region, str) or not isinstance(ids, list) or not ids:
        return _bad('Expected {"region": "...", "recoveryInstanceIDs": ["i-..."]}')
    if not all(isinstance(i, str) for i in ids):
        return _bad("recoveryInstanceIDs holds strings")
    try:
        items = emulator.boot_failback_clients(
            region,
            ids,
            launch_type=str(body.get("launchType", "RECOVERY")),
            account=body.get("account"),
        )
    except ValueError as exc:
        return _bad(str(exc))
    return JSONResponse({"items": items})


async def _clock(request: Request) -> Response:
    """Emulated now (`now`, ISO-8601; `epoch`, seconds): what a rehearsing engine keeps time by."""
    emulator: Emulator = request.app.state.emulator
    now = emulator.clock.now()
    return JSONResponse({**emulator.clock.describe(), "epoch": now})


def create_app(emulator: Emulator) -> Starlette:
    routes = [
        Route(f"{ADMIN}/state", _state, methods=["GET"]),
        Route(f"{ADMIN}/scenario", _load, methods=["POST"]),
        Route(f"{ADMIN}/reset", _reset, methods=["POST"]),
        Route(f"{ADMIN}/clock", _clock, methods=["GET"]),
        Route(f"{ADMIN}/clock/advance", _advance, methods=["POST"]),
        Route(f"{ADMIN}/faults", _faults, methods=["GET", "POST"]),
        Route(f"{ADMIN}/calls", _calls, methods=["GET", "DELETE"]),
        Route(f"{ADMIN}/failback-clients", _failback_clients, methods=["POST"]),
        Route("/{path:path}", _drs, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    return app
