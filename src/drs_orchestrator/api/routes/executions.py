"""/recovery-plans/{id}/executions and /executions: running plans and steering them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.sse import KEEPALIVE_COMMENT, EventSourceResponse, format_sse_event
from pydantic import AwareDatetime, ConfigDict, Field

from drs_orchestrator.api import execution_views as views
from drs_orchestrator.api.auth import Reader, require
from drs_orchestrator.api.common import ApiModel, ClosedKeys, Cursor, Limit, Page
from drs_orchestrator.api.execution_views import ExecutionOut, ExecutionSummary
from drs_orchestrator.api.problems import responses
from drs_orchestrator.api.services import Services, Svc
from drs_orchestrator.domain.errors import DomainError, Forbidden
from drs_orchestrator.domain.executions import ExecutionStatus, Mode
from drs_orchestrator.domain.model import (
    Boolean,
    RecoverySnapshotId,
    SourceServerId,
    WeekOfMinutes,
)
from drs_orchestrator.domain.modes import MODES, policy, start_action
from drs_orchestrator.domain.roles import Permission, Role, permissions_of
from drs_orchestrator.domain.site import SiteAction
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState
from drs_orchestrator.reports import html
from drs_orchestrator.reports.evidence import Report
from drs_orchestrator.service.records import AuditEntry, EventRow, Filters
from drs_orchestrator.service.snapshots import Choice
from drs_orchestrator.service.users import Identity

router = APIRouter(tags=["executions"])
Runner = Annotated[Identity, Depends(require(Permission.RUN_DRILL))]
ExecutionId = Annotated[str, Path(max_length=64)]


class Strict(ApiModel):
    model_config = ConfigDict(extra="forbid")


Reason = Annotated[
    str | None,
    Field(max_length=500, description="Why: kept with the command in the audit log."),
]


class ExecutionStart(Strict):
    mode: Mode
    reason: Reason = None
    confirm_plan_name: str | None = Field(
        default=None, max_length=128, description="RECOVERY only: the plan's name, typed."
    )
    cleanup_after_minutes: WeekOfMinutes | None = Field(
        default=None, description="DRILL only: terminate its instances after."
    )
    point_in_time: AwareDatetime | None = Field(
        default=None,
        description="Launch each server from its latest recovery snapshot taken at or before "
        "this (e.g. the last before a ransomware event), asked of DRS again as each wave "
        "starts; absent: from the latest data.",
    )
    snapshots: Annotated[dict[SourceServerId, RecoverySnapshotId], ClosedKeys()] | None = Field(
        default=None,
        max_length=1000,
        description="By the plan's source server ID: the recovery snapshot it launches from "
        "(see `GET .../recovery-snapshots`); wins over `pointInTime`.",
    )


class ExecutionAccepted(ApiModel):
    id: str
    status: ExecutionStatus
    url: str


class CommandNote(Strict):
    reason: Reason = None


class WaveCommand(CommandNote):
    wave: str = Field(min_length=1, max_length=128)


class CancelCommand(CommandNote):
    terminate: Boolean = Field(
        default=False, description="Also terminate the instances launched so far (clean-up)."
    )


def _roles(who: Identity) -> frozenset[Role]:
    return frozenset(who.roles)


def _detail_key(
    execution_id: str, version: int, who: Identity, cursor: str | None
) -> tuple[object, ...]:
    """A detail differs by version, by what the roles may ask and by page of servers."""
    return (execution_id, version, tuple(sorted(_roles(who))), cursor)


def _json(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")


def _may(who: Identity, permission: Permission, what: str) -> None:
    if permission not in permissions_of(set(who.roles)):
        raise Forbidden(
            "FORBIDDEN",
            f"{who.username} (roles: {', '.join(sorted(who.roles)) or 'none'}) may not {what}",
            {"requiredPermission": permission.value},
        )


def _authorise(who: Identity, state: ExecutionState, command: machine.OperatorCommand) -> None:
    terminate = isinstance(command, machine.Cancel) and command.terminate
    for permission in sorted(
        machine.required_permissions(state, command.name, terminate=terminate)
    ):
        what = "terminate its instances" if permission == Permission.TERMINATE else "steer it"
        _may(who, permission, f"{what} (a {state.mode})")


class ModeOut(ApiModel):
    """A row of the mode table, and whether the caller may start it."""

    mode: Mode
    label: str
    permission: Permission
    confirm_plan_name: bool = Field(description="The plan's name must be typed to start it.")
    keeps_instances: bool = Field(description="Its instances are the workloads, not left-overs.")
    scheduled_cleanup: bool = Field(description="It may clean up by itself, a set time after.")
    summary: str = Field(description="What starting it does, in words.")
    site_action: SiteAction | None = Field(
        description="Starting it needs this in the plan's site-state `nextActions` (null: "
        "any state)."
    )
    may_start: bool = Field(description="The caller's roles grant `permission`.")


class Modes(ApiModel):
    items: list[ModeOut]


@router.get("/modes", responses=responses(401, 403), operation_id="listModes")
async def list_modes(who: Reader) -> Modes:
    """The modes an execution may run in, as the engine's table defines them: the console
    offers a start for each the caller may start, and asks what its row says to ask."""
    granted = permissions_of(set(who.roles))
    return Modes(
        items=[
            ModeOut(
                mode=p.mode,
                label=p.label,
                permission=p.permission,
                confirm_plan_name=p.confirm_plan_name,
                keeps_instances=p.keeps_instances,
                scheduled_cleanup=p.scheduled_cleanup,
                summary=p.summary,
                site_action=p.site_action,
                may_start=p.permission in granted,
            )
            for p in MODES.values()
        ]
    )


@router.post(
    "/recovery-plans/{plan_id}/executions",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(400, 401, 403, 404, 409, 503),
    operation_id="startExecution",
)
def start_execution(
    svc: Svc, who: Runner, body: ExecutionStart, plan_id: Annotated[str, Path(max_length=64)]
) -> ExecutionAccepted:
    """Run the plan's current version as a drill, a recovery or, once the plan is
    reprotected, a failback (the last two: recovery-admin, confirmed).
    The start, or its refusal and why, is written to the audit log."""
    try:
        _may(who, policy(body.mode).permission, f"start a {body.mode}")
        state = svc.executions.start(
            plan_id,
            body.mode,
            confirm_plan_name=body.confirm_plan_name,
            cleanup_after_minutes=body.cleanup_after_minutes,
            user=(who.subject, who.username),
            reason=body.reason,
            choice=Choice(body.point_in_time, body.snapshots),
        )
    except DomainError as refused:
        asked = body.model_dump(mode="json", by_alias=True)
        action = start_action(body.mode)
        svc.executions.refused(who.username, action, ("recovery-plan", plan_id), refused, asked)
        raise
    return ExecutionAccepted(id=state.id, status=state.status, url=f"/api/v1/executions/{state.id}")


@router.get(
    "/executions",
    responses=responses(400, 401, 403),
    operation_id="listExecutions",
    response_model=Page[ExecutionSummary],
)
def list_executions(
    svc: Svc,
    _: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
    status_: Annotated[ExecutionStatus | None, Query(alias="status")] = None,
    plan_id: Annotated[str | None, Query(alias="planId", max_length=64)] = None,
    mode: Mode | None = None,
    active: bool | None = None,
) -> Response:
    """Newest first across all plans."""
    filters = Filters(
        status=status_.value if status_ else None,
        plan_id=plan_id,
        mode=mode.value if mode else None,
        active=active,
    )
    found = svc.executions.versions_page(filters, limit, cursor)
    more = b',"nextCursor":' + json.dumps(found.next_cursor).encode()
    return _json(_items(_summaries(svc, found.items), more))


def _summaries(svc: Services, rows: list[tuple[str, int]]) -> list[bytes]:
    """Summaries (as JSON) kept by version: only executions that changed are read again."""
    kept = {i: svc.summaries.get((i, v)) for i, v in rows}
    missing = [i for i, found in kept.items() if found is None]
    for i, (state, v) in svc.executions.states_of(missing).items():
        made = kept[i] = views.summary(state).model_dump_json(by_alias=True).encode()
        svc.summaries.put((i, v), made)
    return [s for s in kept.values() if s is not None]


def _items(parts: list[bytes], more: bytes = b"") -> bytes:
    """A list document (`Page`, `ActiveExecutions`) around items serialised already."""
    return b'{"items":[' + b",".join(parts) + b"]" + more + b"}"


class ActiveExecutions(ApiModel):
    items: list[ExecutionSummary]


ACTIVE_SHOWN = 200


@router.get(
    "/executions/live",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Active executions, live."},
        **responses(401, 403),
    },
    operation_id="activeExecutionsLive",
)
async def active_executions_live(request: Request, svc: Svc, _: Reader) -> EventSourceResponse:
    """The active executions (an `ActiveExecutions` document) at once, then again whenever
    one of them starts, changes status or progress, or ends: one stream for a whole list
    page instead of one per execution."""

    def active() -> str:
        found = svc.executions.versions_page(Filters(active=True), ACTIVE_SHOWN, None)
        return _items(_summaries(svc, found.items)).decode()

    async def make() -> str:
        return await run_in_threadpool(active)

    async def stream() -> AsyncIterator[bytes]:
        async with svc.active.follow(make, svc.executions.engine) as board:
            seen = 0
            while True:
                if board.generation > seen:
                    seen = board.generation
                    yield format_sse_event(data_str=board.body, event="active")
                elif not await board.wait(seen, KEEPALIVE_SECONDS):
                    yield KEEPALIVE_COMMENT

    return EventSourceResponse(stream())


@router.get(
    "/executions/{execution_id}",
    responses=responses(400, 401, 403, 404),
    operation_id="getExecution",
    response_model=ExecutionOut,
)
def get_execution(
    svc: Svc,
    who: Reader,
    execution_id: ExecutionId,
    server_cursor: Annotated[
        str | None,
        Query(
            alias="serverCursor",
            max_length=64,
            description=f"`serversNextCursor` of the previous answer: its next "
            f"{views.SERVER_PAGE} servers.",
        ),
    ] = None,
) -> Response:
    """The execution as operators follow it: its waves with their commands, a page of its
    servers, its DRS launches, what it waits for."""
    version = svc.executions.version(execution_id)

    def make() -> bytes:  # from the state as it is now: this version or a later one
        state = svc.executions.get(execution_id)
        return (
            views.detail(state, _roles(who), server_cursor).model_dump_json(by_alias=True).encode()
        )

    return _json(
        svc.details.get_or_make(_detail_key(execution_id, version, who, server_cursor), make)
    )


@router.get(
    "/executions/{execution_id}/report",
    responses={
        200: {"content": {"text/html": {}}, "description": "The report (JSON or HTML)."},
        **responses(400, 401, 403, 404),
    },
    operation_id="getExecutionReport",
    response_model=Report,
)
def execution_report(
    svc: Svc,
    _: Reader,
    execution_id: ExecutionId,
    format_: Annotated[Literal["json", "html"], Query(alias="format")] = "json",
) -> Report | HTMLResponse:
    """The evidence: who, what, when, waves and servers with their phases, approvals,
    failures with DRS's reasons, measured RTO against the target, clean-up."""
    report = svc.executions.report(execution_id)
    if format_ == "html":
        return HTMLResponse(
            html.render(report), headers={"Content-Security-Policy": html.CONTENT_SECURITY_POLICY}
        )
    return report


def _command(
    svc: Svc,
    who: Identity,
    execution_id: str,
    command: machine.OperatorCommand,
    note: CommandNote | None,
) -> ExecutionOut:
    """Check who may, apply, and audit the command (or its refusal, with the reason): the
    command's type says which permission it needs and what the audit log calls it."""
    asked = note.model_dump(mode="json", by_alias=True) if note is not None else {}
    try:
        current = svc.executions.get(execution_id)
        _authorise(who, current, command)
        entry = AuditEntry(
            actor=who.username,
            action=command.name.value,
            resource_type="execution",
            resource_id=execution_id,
            before={"status": current.status.value, "mode": current.mode.value},
            after=asked,
        )
        state = svc.executions.command(execution_id, command, entry)
        return views.detail(state, _roles(who), None)
    except DomainError as refused:
        svc.executions.refused(
            who.username, command.name.value, ("execution", execution_id), refused, asked
        )
        raise


_COMMAND_RESPONSES = responses(400, 401, 403, 404, 409, 503)


@router.post("/executions/{execution_id}/pause", responses=_COMMAND_RESPONSES, operation_id="pause")
def pause(
    svc: Svc, who: Runner, execution_id: ExecutionId, body: CommandNote | None = None
) -> ExecutionOut:
    """Hold at the next wave boundary (waves under way finish)."""
    return _command(svc, who, execution_id, machine.Pause(who.username), body)


@router.post(
    "/executions/{execution_id}/resume", responses=_COMMAND_RESPONSES, operation_id="resume"
)
def resume(
    svc: Svc, who: Runner, execution_id: ExecutionId, body: CommandNote | None = None
) -> ExecutionOut:
    return _command(svc, who, execution_id, machine.Resume(who.username), body)


@router.post(
    "/executions/{execution_id}/cancel", responses=_COMMAND_RESPONSES, operation_id="cancel"
)
def cancel(
    svc: Svc, who: Runner, execution_id: ExecutionId, body: CancelCommand | None = None
) -> ExecutionOut:
    """Start nothing new; running DRS jobs finish (DRS cannot stop them)."""
    terminate = bool(body and body.terminate)
    return _command(svc, who, execution_id, machine.Cancel(who.username, terminate), body)


@router.post(
    "/executions/{execution_id}/approve", responses=_COMMAND_RESPONSES, operation_id="approve"
)
def approve(svc: Svc, who: Runner, execution_id: ExecutionId, body: WaveCommand) -> ExecutionOut:
    """Open a wave's approval gate (needs the gate's approver role)."""
    command = machine.Approve(body.wave, who.username, frozenset(who.roles))
    return _command(svc, who, execution_id, command, body)


@router.post(
    "/executions/{execution_id}/retry-wave",
    responses=_COMMAND_RESPONSES,
    operation_id="retryWave",
)
def retry_wave(svc: Svc, who: Runner, execution_id: ExecutionId, body: WaveCommand) -> ExecutionOut:
    """Launch a failed wave's failed servers again (or its failed hook)."""
    return _command(svc, who, execution_id, machine.RetryWave(body.wave, who.username), body)


@router.post(
    "/executions/{execution_id}/skip-wave", responses=_COMMAND_RESPONSES, operation_id="skipWave"
)
def skip_wave(svc: Svc, who: Runner, execution_id: ExecutionId, body: WaveCommand) -> ExecutionOut:
    """Give a wave up so that the waves depending on it run."""
    return _command(svc, who, execution_id, machine.SkipWave(body.wave, who.username), body)


@router.post(
    "/executions/{execution_id}/cleanup", responses=_COMMAND_RESPONSES, operation_id="cleanup"
)
def cleanup(
    svc: Svc, who: Runner, execution_id: ExecutionId, body: CommandNote | None = None
) -> ExecutionOut:
    """Terminate every recovery instance the execution launched."""
    return _command(svc, who, execution_id, machine.Cleanup(who.username), body)


# --- live events ------------------------------------------------------------------------------

KEEPALIVE_SECONDS = 15.0
# Event sequence numbers are 64-bit in the database.
MAX_SEQ = 2**63 - 1


@router.get(
    "/executions/{execution_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The transitions, live."},
        **responses(400, 401, 403, 404),
    },
    operation_id="executionEvents",
)
async def execution_events(
    svc: Svc,
    _: Reader,
    execution_id: ExecutionId,
    last_event_id: Annotated[
        int | None,
        Header(alias="Last-Event-ID", ge=-1, le=MAX_SEQ, description="Resume after this event."),
    ] = None,
    after: Annotated[
        int | None, Query(ge=-1, le=MAX_SEQ, description="Or: start after this event.")
    ] = None,
) -> EventSourceResponse:
    """Every transition of the execution as server-sent events (`id` is its sequence
    number; reconnecting with `Last-Event-ID` resumes), then an `end` event once it is over."""
    await run_in_threadpool(svc.executions.version, execution_id)  # 404 before streaming
    start = last_event_id if last_event_id is not None else (after if after is not None else -1)

    async def read_after(seq: int) -> list[EventRow]:
        return await run_in_threadpool(svc.executions.events_after, execution_id, seq)

    async def stream() -> AsyncIterator[bytes]:
        async with svc.feeds.follow(execution_id, read_after, svc.executions.engine) as feed:
            at = feed.index_after(start)
            while True:
                for frame in feed.frames[at:]:
                    yield frame
                at = len(feed.frames)
                if feed.over:
                    yield format_sse_event(
                        data_str=json.dumps({"status": feed.status}), event="end"
                    )
                    return
                if not await feed.wait(at, KEEPALIVE_SECONDS):
                    yield KEEPALIVE_COMMENT

    return EventSourceResponse(stream())
