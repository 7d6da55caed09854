"""`plan apply|export|diff|lint`: recovery plans as code."""

from __future__ import annotations

import difflib
import shlex
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from drs_orchestrator.cli import plan_file
from drs_orchestrator.cli.api_client import Api
from drs_orchestrator.cli.output import (
    ApiOption,
    JsonOption,
    api_errors,
    cli_name,
    emit_json,
    err,
    err_exit,
    out,
    table,
    when,
)
from drs_orchestrator.cli.plan_file import PlanFile, PlanFileError, PlanFileGroup
from drs_orchestrator.domain import display
from drs_orchestrator.domain.launch_settings import LaunchSettings
from drs_orchestrator.domain.plans import RecoveryPlanSpec

app = typer.Typer(
    rich_markup_mode=None,
    help="Recovery plans as code: apply, export, diff, lint.",
    no_args_is_help=True,
)
FileOption = Annotated[
    Path, typer.Option("-f", "--file", metavar="FILE", help="A plan file (YAML).")
]


def _load(path: Path) -> PlanFile:
    try:
        return plan_file.load(path)
    except PlanFileError as error:
        err_exit(str(error), "PLAN_FILE_INVALID")


def plan_by_name(client: Api, name: str) -> dict[str, Any] | None:
    """A plan by its name in any case (names are unique regardless of case)."""
    for plan in client.all_pages("/recovery-plans"):
        if plan["name"].casefold() == name.casefold():
            return plan
    return None


def require_plan(client: Api, name: str) -> dict[str, Any]:
    found = plan_by_name(client, name)
    if found is None:
        err_exit(f"No recovery plan named {name!r}", "PLAN_NOT_FOUND")
    return found


def _groups_by_name(client: Api) -> dict[str, dict[str, Any]]:
    return {g["name"].casefold(): g for g in client.all_pages("/protection-groups")}


def _group_spec(group: dict[str, Any]) -> PlanFileGroup:
    keys = ("name", "description", "accountId", "region", "sourceServerIds", "serverSelector")
    return PlanFileGroup.model_validate({k: group[k] for k in keys if group.get(k) is not None})


def _settings_path(group_id: str) -> str:
    return f"/protection-groups/{group_id}/launch-settings"


def _with_settings(client: Api, group: dict[str, Any]) -> PlanFileGroup:
    """The group as a file holds it, with its launch settings when it has some."""
    spec = _group_spec(group)
    held = client.json("GET", _settings_path(group["id"]))
    if held["version"] == 0:
        return spec
    settings = {k: v for k, v in held.items() if k not in {"version", "updatedAt", "updatedBy"}}
    return spec.model_copy(update={"launch_settings": LaunchSettings.model_validate(settings)})


def _apply_settings(client: Api, group_id: str, spec: PlanFileGroup) -> None:
    if spec.launch_settings is None:
        return
    held = client.json("GET", _settings_path(group_id))
    wanted = plan_file.settings_document(spec.launch_settings)
    have = {k: v for k, v in held.items() if k not in {"version", "updatedAt", "updatedBy"}}
    if (
        held["version"]
        and plan_file.settings_document(LaunchSettings.model_validate(have)) == wanted
    ):
        return
    saved = client.json(
        "PUT", _settings_path(group_id), json=wanted, headers={"If-Match": f'"{held["version"]}"'}
    )
    out.print(
        f"updated the launch settings of {spec.name} to version {saved['version']} "
        f"(apply them with `drs-orchestrator pg launch-settings apply {spec.name!r}`, or let "
        "the plan re-apply them: launchSettings: reapply)"
    )


def _current(client: Api, name: str) -> PlanFile | None:
    """The plan as a file: groups it uses, waves naming them."""
    plan = plan_by_name(client, name)
    if plan is None:
        return None
    by_id = {g["id"]: g for g in client.all_pages("/protection-groups")}
    spec = RecoveryPlanSpec.model_validate(
        {
            k: v
            for k, v in plan.items()
            if k not in {"id", "version", "createdAt", "updatedAt", "createdBy"}
        }
    )
    names = {gid: by_id[gid]["name"] for gid in spec.group_ids() if gid in by_id}
    waves = [
        w.model_copy(
            update={"protection_group_ids": [names.get(g, g) for g in w.protection_group_ids]}
        )
        for w in spec.waves
    ]
    used = [
        _with_settings(client, by_id[g]) for g in sorted(names, key=lambda g: names[g].casefold())
    ]
    return PlanFile(protection_groups=used, plan=spec.model_copy(update={"waves": waves}))


def _fill_accounts(desired: PlanFile, existing: dict[str, dict[str, Any]]) -> PlanFile:
    """An omitted accountId means "as it is" for groups that exist (the deployment's default)."""
    groups = []
    for group in desired.protection_groups:
        have = existing.get(group.name.casefold())
        if group.account_id is None and have is not None:
            group = group.model_copy(update={"account_id": have["accountId"]})  # noqa: PLW2901
        groups.append(group)
    return desired.model_copy(update={"protection_groups": groups})


def _diff(current: PlanFile | None, desired: PlanFile, label: str) -> str:
    if current is not None:
        current = plan_file.leaving_settings(current, desired)
    before = plan_file.dump(plan_file.canonical(current)) if current else ""
    after = plan_file.dump(plan_file.canonical(desired))
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{label} (applied)" if current else "/dev/null",
            tofile=f"{label} (file)",
        )
    )


def _show_diff(text: str) -> None:
    for line in text.splitlines():
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        out.print(line, style=style or None)


@app.command()
@api_errors
def apply(
    file: FileOption,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    api: ApiOption = None,
) -> None:
    """Create or update the file's protection groups and plan; shows the diff first."""
    client = Api(api)
    existing = _groups_by_name(client)
    desired = _fill_accounts(_load(file), existing)
    text = _diff(_current(client, desired.plan.name), desired, desired.plan.name)
    if not text:
        out.print(f"{desired.plan.name} is already as the file says; nothing to do.")
        return
    _show_diff(text)
    if not yes and not typer.confirm("Apply these changes?"):
        raise typer.Exit(1)
    ids = {name: g["id"] for name, g in existing.items()}
    for spec in desired.protection_groups:
        body = plan_file.group_document(spec)
        have = existing.get(spec.name.casefold())
        if have is None:
            made = client.json("POST", "/protection-groups", json=body)
            ids[spec.name.casefold()] = made["id"]
            out.print(f"created protection group {spec.name}")
        elif plan_file.group_document(_group_spec(have)) != body:
            client.json(
                "PUT",
                f"/protection-groups/{have['id']}",
                json=body,
                headers={"If-Match": f'"{have["version"]}"'},
            )
            out.print(f"updated protection group {spec.name}")
        _apply_settings(client, ids[spec.name.casefold()], spec)
    body = plan_file.plan_document(plan_file.with_ids(desired.plan, ids))
    plan = plan_by_name(client, desired.plan.name)
    if plan is None:
        made = client.json("POST", "/recovery-plans", json=body)
        out.print(f"created recovery plan {made['name']} (version {made['version']})")
    else:
        made = client.json(
            "PUT",
            f"/recovery-plans/{plan['id']}",
            json=body,
            headers={"If-Match": f'"{plan["version"]}"'},
        )
        out.print(f"updated recovery plan {made['name']} to version {made['version']}")


@app.command()
@api_errors
def export(
    name: str,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="FILE", help="Write here, not to stdout."),
    ] = None,
    api: ApiOption = None,
) -> None:
    """The plan and the groups it uses, as a plan file."""
    current = _current(Api(api), name)
    if current is None:
        err_exit(f"No recovery plan named {name!r}", "PLAN_NOT_FOUND")
    text = plan_file.dump(plan_file.canonical(current))
    if output:
        output.write_text(text)
    else:
        print(text, end="")


@app.command()
@api_errors
def diff(name: str, file: FileOption, api: ApiOption = None) -> None:
    """What `apply` would change (exit status 1 when there are differences)."""
    client = Api(api)
    desired = _fill_accounts(_load(file), _groups_by_name(client))
    text = _diff(_current(client, name), desired, name)
    if text:
        _show_diff(text)
        raise typer.Exit(1)
    out.print("No differences.")


@app.command()
@api_errors
def lint(
    name: Annotated[
        str | None, typer.Argument(metavar="PLAN", help="A saved plan's name (any case).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("-f", "--file", metavar="FILE", help="Or a plan file.")
    ] = None,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """What would go wrong if the plan ran now (exit status 1 on errors)."""
    client = Api(api)
    if (name is None) == (file is None):
        err_exit("Give a plan name or -f FILE", "PLAN_OR_FILE_REQUIRED")
    if file is not None:
        desired = _load(file)
        ids = {n: g["id"] for n, g in _groups_by_name(client).items()}
        missing = [
            n for w in desired.plan.waves for n in w.protection_group_ids if n.casefold() not in ids
        ]
        if missing:
            err.print(
                f"Not applied yet, so not checked against DRS: {', '.join(sorted(set(missing)))}",
                style="yellow",
            )
        body = plan_file.plan_document(plan_file.with_ids(desired.plan, ids))
        result = client.json("POST", "/recovery-plans/lint", json=body)
    else:
        plan = require_plan(client, name or "")
        result = client.json("GET", f"/recovery-plans/{plan['id']}/lint")
    if as_json:
        emit_json(result)
    else:
        colour = {"error": "red", "warning": "yellow", "info": "blue"}
        table(
            f"{display.plural(result['errors'], 'error')}, "
            f"{display.plural(result['warnings'], 'warning')}",
            ["severity", "code", "wave", "finding", "fix"],  # the finding names its server
            [
                (
                    Text(f["severity"], style=colour.get(f["severity"], "")),
                    f["code"],
                    f["wave"],
                    f["message"],
                    f["fix"],
                )
                for f in result["findings"]
            ],
        )
    if not result["ok"]:
        raise typer.Exit(1)


@app.command("rto-estimate")
@api_errors
def rto_estimate(
    name: Annotated[str, typer.Argument(metavar="PLAN", help="A saved plan's name (any case).")],
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """The plan's predicted RTO (its critical path), as the console and lint say it, from
    past executions' wave durations."""
    client = Api(api)
    plan = require_plan(client, name)
    found = client.json("GET", f"/recovery-plans/{plan['id']}/rto-estimate")
    if as_json:
        emit_json(found)
        return
    target = found["targetMinutes"]
    verdict = (
        f"; the target is {display.duration(target * 60)}"
        + (" (at risk)" if found["atRisk"] else "")
        if target
        else ""
    )
    out.print(
        f"{plan['name']}: {found['text']} along {' -> '.join(found['criticalPath'])}{verdict}"
    )
    learnt = {
        "this plan": "its own past runs",
        "all plans": "every plan's",
        "default": "DRS's usual",
    }
    table(
        None,
        ["wave", "estimate", "from"],
        [
            (
                w["name"],
                display.estimate(w["p50Minutes"], w["lowMinutes"], w["highMinutes"]),
                f"{learnt.get(w['source'], w['source'])}"
                + (f" ({display.plural(w['samples'], 'sample')})" if w["samples"] else ""),
            )
            for w in found["waves"]
        ],
    )


def _show_site(site: dict[str, Any]) -> None:
    since = f" since {when(site['since'])}" if site["since"] else ""
    out.print(f"{site['planName']}: {site['label']} ({site['state']}){since}", soft_wrap=True)
    if site["drsError"]:
        err.print(f"DRS could not be asked: {site['drsError']}", style="yellow", soft_wrap=True)
    table(
        None,
        ["server", "wave", "origin", "step", "replicating back", "next"],
        [
            (
                f"{s['hostname']} ({s['sourceServerId']})",
                s["wave"],
                s["origin"],
                s["leg"],
                (
                    f"{s['reversedSourceServerId']} in {s['reversedRegion']}: "
                    f"{display.replication(s['replication'] or '')}"
                    if s["reversedSourceServerId"]
                    else display.NONE
                ),
                s["error"] or s["nextStep"],
            )
            for s in site["servers"]
        ],
    )
    if site["reprotect"]:
        _show_reprotect(site["reprotect"])
    actions = site["nextActions"]
    out.print(
        "Next: " + (", ".join(actions) if actions else "nothing to start now"), soft_wrap=True
    )


def _show_reprotect(r: dict[str, Any]) -> None:
    out.print(
        f"Reprotect {r['id']} ({r['state']}) by {r['requestedBy']} at {when(r['requestedAt'])}: "
        f"{r['reversed']} reversed, {r['skipped']} skipped, {r['failed']} failed "
        f"of {display.plural(r['servers'], 'server')}" + (f"; {r['error']}" if r["error"] else ""),
        soft_wrap=True,
    )


@app.command("site-state")
@api_errors
def site_state(
    name: Annotated[str, typer.Argument(metavar="PLAN", help="A saved plan's name (any case).")],
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where the plan stands in the round trip (protected, recovered, reprotected, failed
    back), each server's step home as DRS reports it, and what may be done next."""
    client = Api(api)
    plan = require_plan(client, name)
    site = client.json("GET", f"/recovery-plans/{plan['id']}/site-state")
    if as_json:
        emit_json(site)
    else:
        _show_site(site)


# Seconds between two reads of a reprotect that `--wait` follows.
_REPROTECT_POLL_SECONDS = 2.0


@app.command()
@api_errors
def reprotect(
    name: Annotated[str, typer.Argument(metavar="PLAN", help="A saved plan's name (any case).")],
    wave: Annotated[
        list[str] | None,
        typer.Option(
            "--wave", metavar="WAVE", help="Only this wave's servers (repeatable); default: all."
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option(help="Follow it until every server's ReverseReplication is done.")
    ] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """After a recovery, replicate the recovered servers back to their origin; after a
    failback, replicate them into the recovery region again (ReverseReplication, wave by
    wave in dependency order; recovery-admin). With --wait, exit status 1 unless every
    server's call succeeded."""
    client = Api(api)
    plan = require_plan(client, name)
    names = {w["name"].casefold(): w["name"] for w in plan["waves"]}
    waves = [names.get(w.casefold(), w) for w in wave] if wave else None
    started = client.json("POST", f"/recovery-plans/{plan['id']}/reprotect", json={"waves": waves})
    said = err if as_json else out
    path = f"/recovery-plans/{plan['id']}/reprotects/{started['id']}"
    said.print(
        f"Reprotect {started['id']} started: {display.plural(started['servers'], 'server')}"
        + (f" of {', '.join(waves)}" if waves else ""),
        soft_wrap=True,
    )
    found = client.json("GET", path) if wait else started
    while wait and found["state"] == "RUNNING":
        time.sleep(_REPROTECT_POLL_SECONDS)
        found = client.json("GET", path)
    if as_json:
        emit_json(found)
    else:
        if wait:
            _show_reprotect(found)
            for c in found["calls"]:
                if c["outcome"] != "REVERSED":
                    what = c["outcome"] or "not called"
                    why = f" — {c['detail']}" if c["detail"] else ""
                    out.print(f"  {c['sourceServerId']}: {what}{why}", soft_wrap=True)
        out.print(
            f"See where it stands: {cli_name()} plan site-state {shlex.quote(plan['name'])}",
            soft_wrap=True,
        )
    if wait and found["state"] != "COMPLETED":
        raise typer.Exit(1)


@app.command()
@api_errors
def release(
    name: Annotated[str, typer.Argument(metavar="PLAN", help="A saved plan's name (any case).")],
    stop_instances: Annotated[
        bool,
        typer.Option(
            "--stop-instances", help="Stop each instance through EC2 before DRS forgets it."
        ),
    ] = False,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """After a failback, once the plan is protected again: take each server's
    recovery-region instance out of DRS (EC2 keeps it, stopped with --stop-instances, else
    for you to stop or terminate; recovery-admin). Exit status 1 when any was refused."""
    client = Api(api)
    plan = require_plan(client, name)
    done = client.json(
        "POST",
        f"/recovery-plans/{plan['id']}/release-recovery-instances",
        json={"stopInstances": stop_instances},
    )
    if as_json:
        emit_json(done)
    else:
        out.print(
            f"{display.plural(done['released'], 'recovery instance')} released, "
            f"{done['skipped']} skipped, {done['failed']} failed",
            soft_wrap=True,
        )
        for s in done["servers"]:
            if s["outcome"] == "RELEASED":
                calls = ", ".join(s["calls"])
                out.print(f"  {s['hostname']}: {s['recoveryInstanceId']} ({calls})", soft_wrap=True)
            else:
                out.print(f"  {s['hostname']}: {s['outcome']} — {s['detail']}", soft_wrap=True)
    if done["failed"]:
        raise typer.Exit(1)


@app.command()
@api_errors
def snapshots(
    name: Annotated[str, typer.Argument(metavar="PLAN", help="A saved plan's name (any case).")],
    mode: Annotated[
        str, typer.Option(metavar="MODE", help="Where it would launch: recovery, failback, ...")
    ] = "recovery",
    before: Annotated[
        str | None,
        typer.Option(metavar="TIME", help="Only those taken at or before (ISO 8601, with zone)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Per server.")] = 5,
    api: ApiOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each server's recovery snapshots, newest first: what `run --point-in-time` resolves
    to and what `run --snapshot SERVER=SNAPSHOT` may name."""
    client = Api(api)
    plan = require_plan(client, name)
    params: dict[str, Any] = {"mode": mode.upper().replace("-", "_"), "limit": limit}
    if before is not None:
        params["before"] = before
    found = client.json("GET", f"/recovery-plans/{plan['id']}/recovery-snapshots", params=params)
    if as_json:
        emit_json(found)
        return
    none = [{"snapshotId": display.NONE, "takenAt": None}]
    rows = [
        (
            f"{i['hostname']} ({i['sourceServerId']})",
            i["wave"],
            s["snapshotId"],
            when(s["takenAt"]),
            str(i["count"]) if n == 0 else "",
        )
        for i in found["items"]
        for n, s in enumerate(i["snapshots"] or none)
    ]
    title = f"Recovery snapshots of {plan['name']}"
    table(
        title + (f" at or before {when(before)}" if before else ""),
        ["server", "wave", "snapshot", "taken", "of"],
        rows,
    )
