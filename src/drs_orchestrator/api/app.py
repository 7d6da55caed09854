"""The FastAPI application under /api/v1."""

from __future__ import annotations

import gc
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import Field

from drs_orchestrator import __version__
from drs_orchestrator.api import console, docs, problems
from drs_orchestrator.api.boundary import Boundary
from drs_orchestrator.api.common import ApiModel
from drs_orchestrator.api.headers import SecurityHeaders
from drs_orchestrator.api.openapi import document as truthful_openapi
from drs_orchestrator.api.routes import (
    audit,
    discovery,
    executions,
    groups,
    identity,
    launch_settings,
    plans,
    readiness,
    site,
    snapshots,
)
from drs_orchestrator.api.services import Services, Svc

PREFIX = "/api/v1"


class Health(ApiModel):
    status: str
    version: str
    database: str


health_router = APIRouter(tags=["health"])


@health_router.get("/health", operation_id="health")
def health(svc: Svc) -> Health:
    """Liveness and database reachability; needs no sign-in."""
    error = svc.ctx.database_error()
    database = "ok" if error is None else f"error: {error}"
    return Health(
        status="ok" if database == "ok" else "degraded", version=__version__, database=database
    )


class ServerClock(ApiModel):
    now: datetime
    speed: float | None = Field(
        description="Engine seconds per wall second (60 in a demo); null: moved by hand."
    )


@health_router.get("/clock", operation_id="serverClock")
def server_clock(svc: Svc) -> ServerClock:
    """The engine's time, so that a console ticks running durations as the engine counts
    them (a demo compresses time); needs no sign-in."""
    engine = svc.executions.engine
    speed = engine.clock.speed if engine is not None else 1.0
    return ServerClock(now=svc.executions.now(), speed=speed)


def settle_heap() -> None:
    """Once the server is built, before it answers: what is alive now (modules, botocore's
    service models, pydantic's schemas, the engine) lives as long as the process, so the
    cycle collector stops scanning it. Each full collection otherwise walked ~280,000 objects,
    a pause of ~90 ms that the read benchmark saw in the list's p99 (docs/performance.md)."""
    gc.collect()
    gc.freeze()


def create_app(services: Services | None, *, console_dir: Path | None = None) -> FastAPI:
    """The API under /api/v1 and the console at /. Without services the app only describes
    itself (the OpenAPI document the console's types are generated from)."""
    app = FastAPI(
        title="drs-orchestrator",
        version=__version__,
        description="Disaster-recovery orchestration for AWS Elastic Disaster Recovery.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # served from packaged files below, not from a CDN
        redoc_url=None,
    )
    app.state.services = services
    problems.install(app)
    app.add_middleware(Boundary)
    app.add_middleware(SecurityHeaders)  # outermost: every answer, refusals included
    docs.mount(app, PREFIX)
    for router in (
        health_router,
        identity.router,
        groups.router,
        launch_settings.router,
        plans.router,
        site.router,
        discovery.router,
        executions.router,
        snapshots.router,
        readiness.router,
        audit.router,
    ):
        app.include_router(router, prefix=PREFIX)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = truthful_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    console.mount(app, console_dir or console.STATIC)
    return app


def openapi_document() -> dict[str, Any]:
    return create_app(None).openapi()
