"""Performing the core's actions: the only place an execution's decisions meet DRS and hooks.

Each returns None when it changed the execution, or the wall seconds after which it may be
tried again (DRS busy, throttled, unreachable).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import httpx

from drs_orchestrator.domain.executions import (
    BatchState,
    CleanupStatus,
    ServerStatus,
)
from drs_orchestrator.domain.hooks import (
    Hook,
    HttpCheck,
    LambdaInvoke,
    SsmAutomation,
    SsmCommand,
)
from drs_orchestrator.domain.modes import LaunchCall, policy
from drs_orchestrator.domain.observations import InstanceView, JobView
from drs_orchestrator.domain.snapshots import RecoverySnapshot
from drs_orchestrator.drs.hooks import HookLookupError, HookResult
from drs_orchestrator.drs.jobs import StartDeferredError, StartRefusedError, observed
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import Batch, ExecutionState, ServerRun
from drs_orchestrator.engine.core.step import (
    Action,
    AskDrs,
    DescribeInstances,
    RunHook,
    StartJob,
    Step,
    Terminate,
)
from drs_orchestrator.engine.port import Port
from drs_orchestrator.store import intents, jobs

log = logging.getLogger(__name__)
_KINDS: dict[str, type[Any]] = {
    k.__name__: k for k in (StartJob, RunHook, DescribeInstances, AskDrs, Terminate)
}
# Characters AWS allows in tag values; anything else becomes "_".
_TAG_UNSAFE = re.compile(r"[^\w .:/=+\-@]")
# Names the runs of hooks to AWS: uuid5 of the execution and the run's key.
_RUNS = uuid.UUID("5b0e7c1e-2f0c-4c56-9a55-3d3c1d2a7e10")
# How long to wait (engine seconds) before trying a deferred StartRecovery again.
_DEFAULT_RETRY_SECONDS = 20.0


def encode(action: Action) -> dict[str, Any]:
    return {"type": type(action).__name__, **dataclasses.asdict(action)}


def decode(data: dict[str, Any]) -> Action:
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "type"}
    action: Action = _KINDS[data["type"]](**fields)
    return action


def still_followed(state: ExecutionState) -> set[str]:
    """Jobs the poller must keep asking about for this execution."""
    followed: set[str] = set()
    for batch in state.batches:
        if batch.job_id is None:
            continue
        if batch.state == BatchState.RUNNING:
            followed.add(batch.job_id)
        elif batch.state == BatchState.ENDED and any(
            state.servers[s].expects_post_launch
            and state.servers[s].status in {ServerStatus.LAUNCHED, ServerStatus.POST_LAUNCH}
            for s in batch.server_ids
        ):
            followed.add(batch.job_id)  # post-launch actions run after the job ends
    if state.cleanup == CleanupStatus.RUNNING:
        followed |= set(state.cleanup_job_ids)
    return followed


def perform(port: Port, execution_id: str, action: Action) -> float | None:
    if isinstance(action, StartJob):
        return _start_job(port, execution_id, action.batch_key)
    if isinstance(action, RunHook):
        return _run_hook(port, execution_id, action)
    if isinstance(action, DescribeInstances):
        views = port.drs.instances((action.account_id, action.region), action.server_ids)
        port.apply(execution_id, lambda s, now: machine.instances_observed(s, views, now))
        return None
    if isinstance(action, AskDrs):
        return _ask_drs(port, execution_id, action)
    return _terminate(port, execution_id, action)


def job_tags(state: ExecutionState, batch: Batch, started: str, tagging: bool) -> dict[str, str]:
    """The seed convention's tags, plus the batch that makes a job findable after a crash."""
    if not tagging:
        return {}
    tags = {
        "DRS:ExecutionId": state.id,
        "DRS:ExecutionType": state.mode.value,
        "DRS:PlanName": state.plan_name,
        "DRS:WaveName": batch.wave,
        "DRS:WaveNumber": str(batch.wave_number),
        "DRS:InitiatedBy": state.initiated_by,
        "DRS:UserId": state.user_id,
        "DRS:Timestamp": started,
        "DRS:Batch": batch.key,
        "ManagedBy": "drs-orchestrator",
    }
    if policy(state.mode).drill:
        tags["DRS:DrillId"] = state.id
    return {k: _TAG_UNSAFE.sub("_", v)[:256] for k, v in tags.items()}


def _identity_tags(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k in {"DRS:ExecutionId", "DRS:Batch"}}


def _start_job(port: Port, execution_id: str, key: str) -> float | None:
    state = port.state(execution_id)
    batch = state.batch(key)
    if not batch.state.due:
        return None
    place = (batch.account_id, batch.region)
    now = port.clock.now()
    tags = job_tags(state, batch, now.isoformat(), port.tag_jobs)
    with port.db.begin() as conn:
        row = jobs.batch(conn, execution_id, key)
        intent = row.intent_at if row is not None else None
        if intent is None:  # the intent is stored before the call, so a crash leaves a trace
            jobs.set_batch(conn, execution_id, key, intent_at=now)
    job_id = None
    if intent is not None:  # an earlier try may have started it before dying
        job_id = port.drs.find_started(
            place, intent, tags=_identity_tags(tags), server_ids=batch.server_ids
        )
    if job_id is None:  # again after a crash before the start: applying writes what differs
        _prepare_launch_settings(port, state, batch, now)
        try:
            job_id = _launch(port, execution_id, state, batch, tags)
        except StartDeferredError as error:
            why = str(error)
            port.apply(execution_id, lambda s, t: machine.job_deferred(s, key, why, t))
            seconds = error.retry_after_seconds or _DEFAULT_RETRY_SECONDS
            return port.clock.wall_seconds(seconds, 300)
        except StartRefusedError as error:
            reason = str(error)
            with port.db.begin() as conn:
                jobs.set_batch(conn, execution_id, key, state=BatchState.ENDED)
            port.apply(execution_id, lambda s, t: machine.job_not_started(s, key, reason, t))
            return None
    with port.db.begin() as conn:
        jobs.add_job(
            conn,
            job_id=job_id,
            execution_id=execution_id,
            kind="LAUNCH",
            place=place,
            server_count=len(batch.server_ids),
            now=now,
        )
        jobs.set_batch(conn, execution_id, key, state=BatchState.RUNNING, job_id=job_id)
    port.apply(execution_id, lambda s, t: machine.job_started(s, key, job_id, t))
    port.jobs_started()
    return None


def _prepare_launch_settings(
    port: Port, state: ExecutionState, batch: Batch, now: datetime
) -> None:
    """The plan's launchSettings, before the batch's first StartRecovery: re-applied or
    checked (a failback's: its groups' failback settings, applied), and said in the
    timeline. What cannot be done is said too; the launch goes on."""
    if port.launch is None or state.launch_settings == "ignore" or batch.failback_launch:
        return  # on premises, a failback launches onto the machine: nothing to set
    home = {sid: h for sid in batch.server_ids if (h := state.servers[sid].brings_home)}
    reapply = state.launch_settings == "reapply" or bool(home)
    try:
        found = port.launch.prepare(
            (batch.account_id, batch.region),
            batch.server_ids,
            reapply=reapply,
            execution_id=state.id,
            actor=state.initiated_by,
            now=now,
            brings_home=home or None,
        )
    except Exception as error:
        log.warning("launch settings before batch %s failed", batch.key, exc_info=True)
        if home:
            summary = f"failback settings could not be applied: {error}"
        else:
            summary = f"could not be {'re-applied' if reapply else 'checked'}: {error}"
    else:
        if found is None:
            return
        summary = found.summary
    key = batch.key
    port.apply(state.id, lambda s, t: machine.launch_settings_prepared(s, key, summary, t))


def _snapshots(
    port: Port, execution_id: str, state: ExecutionState, batch: Batch
) -> dict[str, str]:
    """What each of the batch's servers launches from: the operator's snapshot, else its
    latest at or before the execution's point in time, asked of DRS now (said in the
    timeline before the call). Empty: each launches from its latest data."""
    chosen: dict[str, RecoverySnapshot] = {}
    place = (batch.account_id, batch.region)
    for sid in batch.server_ids:
        server = state.servers[sid]
        if server.snapshot_pinned and server.recovery_snapshot_id and server.snapshot_taken_at:
            chosen[sid] = RecoverySnapshot(
                server.recovery_snapshot_id, sid, server.snapshot_taken_at
            )
        elif state.point_in_time is not None:
            found = port.drs.snapshot_before(place, sid, state.point_in_time)
            if found is None:
                raise StartRefusedError(
                    f"{server.hostname or sid} ({sid}): DRS keeps no recovery snapshot taken "
                    f"at or before {state.point_in_time.isoformat()} any more"
                )
            chosen[sid] = found
    if chosen:
        key = batch.key
        port.apply(execution_id, lambda s, t: machine.snapshots_chosen(s, key, chosen, t))
    return {sid: snap.snapshot_id for sid, snap in chosen.items()}


def _launch(
    port: Port, execution_id: str, state: ExecutionState, batch: Batch, tags: dict[str, str]
) -> str:
    """The batch's one DRS call: its mode's launch, or, for servers going home on premises,
    StartFailbackLaunch of their recovery instances (from their latest replicated data)."""
    place = (batch.account_id, batch.region)
    if batch.failback_launch:
        instances = [str(state.servers[sid].failback_instance_id) for sid in batch.server_ids]
        return port.drs.start_failback_launch(place, instances, tags)
    snapshots = _snapshots(port, execution_id, state, batch)
    return _LAUNCHERS[policy(state.mode).launch](port, place, batch.server_ids, tags, snapshots)


def _start_drill(
    port: Port,
    place: tuple[str, str],
    server_ids: list[str],
    tags: dict[str, str],
    snapshots: dict[str, str],
) -> str:
    return port.drs.start_recovery(place, server_ids, is_drill=True, tags=tags, snapshots=snapshots)


def _start_recovery(
    port: Port,
    place: tuple[str, str],
    server_ids: list[str],
    tags: dict[str, str],
    snapshots: dict[str, str],
) -> str:
    return port.drs.start_recovery(
        place, server_ids, is_drill=False, tags=tags, snapshots=snapshots
    )


Launcher = Callable[[Port, tuple[str, str], list[str], dict[str, str], dict[str, str]], str]
# The DRS call each mode starts its waves with (domain/modes.py names it).
_LAUNCHERS: dict[LaunchCall, Launcher] = {
    LaunchCall.START_DRILL: _start_drill,
    LaunchCall.START_RECOVERY: _start_recovery,
}


# Port seconds between checks of an SSM run.
SSM_CHECK_SECONDS = 15.0


def _run_hook(port: Port, execution_id: str, action: RunHook) -> float | None:
    state = port.state(execution_id)
    wave = state.wave(action.wave)
    hook = wave.hooks[action.index]
    spec = hook.hook
    servers = state.servers_of(wave.name)
    place = (servers[0].account_id, servers[0].region) if servers else ("", "")
    call = _HookCall(
        port,
        execution_id,
        action,
        place,
        hook.handle,
        f"hook/{wave.name}/{action.index}/{hook.run}",
    )
    runner = _HOOK_RUNNERS.get(spec.type)
    if runner is None:  # approvals and waits are decided by the core itself
        return None
    try:
        result = runner(call, spec, state, servers)
    except HookLookupError:  # whether an earlier try sent it is not known yet
        return port.clock.wall_seconds(SSM_CHECK_SECONDS, 300)
    if result.done:
        port.apply(
            execution_id,
            lambda s, t: machine.hook_finished(
                s, action.wave, action.index, ok=result.ok, detail=result.detail, now=t
            ),
        )
    return None


def _run_http_check(
    call: _HookCall, spec: Hook, state: ExecutionState, servers: list[ServerRun]
) -> HookResult:
    assert isinstance(spec, HttpCheck)
    return _http_check(spec)


def _run_lambda(
    call: _HookCall, spec: Hook, state: ExecutionState, servers: list[ServerRun]
) -> HookResult:
    assert isinstance(spec, LambdaInvoke)
    payload = {"executionId": state.id, "plan": state.plan_name, "wave": call.action.wave,
               "mode": state.mode.value, **spec.payload}  # fmt: skip
    return _lambda_at_most_once(call, spec, payload)


def _run_ssm_automation(
    call: _HookCall, spec: Hook, state: ExecutionState, servers: list[ServerRun]
) -> HookResult:
    assert isinstance(spec, SsmAutomation)
    return _ssm_automation(call, spec)


def _run_ssm_command(
    call: _HookCall, spec: Hook, state: ExecutionState, servers: list[ServerRun]
) -> HookResult:
    assert isinstance(spec, SsmCommand)
    instances = sorted(s.ec2_instance_id for s in servers if s.ec2_instance_id)
    return _ssm_command(call, spec, instances)


HookRunner = Callable[["_HookCall", Hook, ExecutionState, list[ServerRun]], HookResult]
# One runner per hook type that runs outside (capability `external`); a test holds that
# every such type has one.
_HOOK_RUNNERS: dict[str, HookRunner] = {
    "httpCheck": _run_http_check,
    "lambda": _run_lambda,
    "ssmAutomation": _run_ssm_automation,
    "ssmCommand": _run_ssm_command,
}


@dataclass(frozen=True)
class _HookCall:
    """One run of a hook: where, what AWS calls it once started, and the key its intent is
    recorded under (a retry by an operator is a new run, with a new key)."""

    port: Port
    execution_id: str
    action: RunHook
    place: tuple[str, str]
    handle: str | None
    key: str

    def pending(self, handle: str) -> None:
        wave, index = self.action.wave, self.action.index
        self.port.apply(
            self.execution_id,
            lambda s, t: machine.hook_pending(
                s, wave, index, handle=handle, check_in=SSM_CHECK_SECONDS, now=t
            ),
        )

    @property
    def token(self) -> str:
        """A UUID that names this run to AWS (SSM's ClientToken, the Lambda's invocationId)."""
        return str(uuid.uuid5(_RUNS, f"{self.execution_id}/{self.key}"))


class _NotStartedError(Exception):
    """AWS refused to start the run: the hook fails with AWS's reason."""


def _started(started: tuple[str | None, str]) -> str:
    run_id, why = started
    if run_id is None:
        raise _NotStartedError(why)
    return run_id


def _ssm_run(
    call: _HookCall,
    start: Callable[[], tuple[str | None, str]],
    find: Callable[[datetime], str | None],
    follow: Callable[[str], HookResult],
) -> HookResult:
    """An SSM run: started once (its intent first, then found again after a crash rather
    than started twice), then followed until it ends."""
    if call.handle is None:
        try:
            started = once(
                call.port,
                call.execution_id,
                call.key,
                call.place,
                find=find,
                call=lambda: _started(start()),
            )
        except _NotStartedError as refused:
            return HookResult(True, False, str(refused))
        call.pending(started)
        return HookResult(False)
    result = follow(call.handle)
    if not result.done:
        call.pending(call.handle)
    return result


def _ssm_automation(call: _HookCall, spec: SsmAutomation) -> HookResult:
    hooks = call.port.hooks
    return _ssm_run(
        call,
        lambda: hooks.start_automation(call.place, spec.document_name, spec.parameters, call.token),
        # SSM starts one execution per ClientToken: asking again is how it is found.
        lambda _since: None,
        lambda handle: hooks.automation(call.place, handle),
    )


def _ssm_command(call: _HookCall, spec: SsmCommand, instances: list[str]) -> HookResult:
    hooks = call.port.hooks
    if not instances:
        return HookResult(True, False, "no recovered instances to run the command on")
    comment = f"drs-orchestrator {call.token}"
    return _ssm_run(
        call,
        lambda: hooks.send_command(
            call.place, spec.document_name, spec.parameters, instances, comment
        ),
        lambda since: hooks.find_command(call.place, since, spec.document_name, comment),
        lambda handle: hooks.command(call.place, handle, instances),
    )


def _lambda_at_most_once(
    call: _HookCall, spec: LambdaInvoke, payload: dict[str, Any]
) -> HookResult:
    """A Lambda invocation cannot be looked up afterwards, so it is made at most once: a try
    that finds an earlier one's intent without its answer does not invoke again, and the hook
    fails saying so (an operator's retry invokes it anew). The function gets `invocationId`
    to recognise a repeat of its own."""
    port = call.port
    with port.db.begin() as conn:
        intent = intents.get(conn, call.execution_id, call.key)
        if intent is None:
            intents.record(conn, call.execution_id, call.key, call.place, port.clock.now())
    if intent is not None:
        if intent.result is None:
            return HookResult(
                True,
                False,
                "the worker stopped while invoking the function, so whether it ran is unknown; "
                "it is not invoked twice on its own: retry the wave to invoke it again",
            )
        outcome, _, detail = intent.result.partition("|")
        return HookResult(True, outcome == "ok", detail)
    result = port.hooks.invoke_lambda(
        call.place, spec.function_name, {**payload, "invocationId": call.token}
    )
    with port.db.begin() as conn:
        recorded = f"{'ok' if result.ok else 'failed'}|{result.detail}"[:128]
        intents.complete(conn, call.execution_id, call.key, recorded, port.clock.now())
    return result


def _http_check(spec: HttpCheck) -> HookResult:
    try:
        answer = httpx.get(str(spec.url), timeout=spec.timeout_seconds, follow_redirects=True)
    except httpx.HTTPError as error:
        return HookResult(True, False, f"{type(error).__name__}: {error}")
    if answer.status_code == spec.expect_status:
        return HookResult(True, True, f"HTTP {answer.status_code}")
    return HookResult(True, False, f"HTTP {answer.status_code}, expected {spec.expect_status}")


def _ask_drs(port: Port, execution_id: str, action: AskDrs) -> float | None:
    state = port.state(execution_id)
    places = {(b.account_id, b.region) for b in state.batches if b.job_id in action.job_ids}
    for place in sorted(places):
        for job in port.drs.describe(place, list(action.job_ids)):
            view = observed(job, port.drs.log(place, job["jobID"])).view
            port.apply(execution_id, partial(_job_observed, view))
    by_place: dict[tuple[str, str], list[str]] = {}
    for sid in action.server_ids:
        server = state.servers[sid]
        by_place.setdefault((server.account_id, server.region), []).append(sid)
    for place, ids in sorted(by_place.items()):
        found = port.drs.instances(place, ids)
        port.apply(execution_id, partial(_instances_observed, found))
    port.apply(execution_id, lambda s, t: machine.drs_asked(s, action.wave, t))
    return None


def _job_observed(view: JobView, state: ExecutionState, now: datetime) -> Step:
    return machine.job_observed(state, view, now)


def _instances_observed(views: list[InstanceView], state: ExecutionState, now: datetime) -> Step:
    return machine.instances_observed(state, views, now)


def once(
    port: Port,
    execution_id: str,
    key: str,
    place: tuple[str, str],
    *,
    find: Callable[[datetime], str | None],
    call: Callable[[], str],
) -> str:
    """What a call that creates something created, the call made at most once: the intent
    is stored before it; a later try (after a crash, or a refusal to try again) first looks
    for what an earlier one may have created since the intent, and calls only if nothing is
    found. The call's own errors (DRS busy, throttled) propagate and leave the intent."""
    with port.db.begin() as conn:
        intent = intents.get(conn, execution_id, key)
        if intent is None:
            intents.record(conn, execution_id, key, place, port.clock.now())
    if intent is not None and intent.result is not None:
        return intent.result
    result = (find(intent.intent_at) if intent is not None else None) or call()
    with port.db.begin() as conn:
        intents.complete(conn, execution_id, key, result, port.clock.now())
    return result


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _terminate(port: Port, execution_id: str, action: Terminate) -> float | None:
    place = (action.account_id, action.region)
    ids = list(action.recovery_instance_ids)
    key = f"terminate/{action.round}/{_digest(sorted(ids))}"
    try:
        job_id = once(
            port,
            execution_id,
            key,
            place,
            find=lambda since: port.drs.find_terminate(place, since, ids),
            call=lambda: port.drs.terminate(place, ids),
        )
    except StartDeferredError as error:
        return port.clock.wall_seconds(error.retry_after_seconds or _DEFAULT_RETRY_SECONDS, 300)
    except StartRefusedError as error:
        reason = str(error)
        port.apply(execution_id, lambda s, t: machine.cleanup_failed(s, reason, t))
        return None
    with port.db.begin() as conn:
        jobs.add_job(
            conn,
            job_id=job_id,
            execution_id=execution_id,
            kind="TERMINATE",
            place=place,
            server_count=len(ids),
            now=port.clock.now(),
        )
    port.apply(execution_id, lambda s, t: machine.cleanup_started(s, job_id, ids, t))
    port.jobs_started()
    return None
