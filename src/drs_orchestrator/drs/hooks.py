"""Hooks that run in AWS: SSM Automation, SSM Run Command on the recovered instances, Lambda.

They run in the account (and region) of the wave's servers, with the same credentials the
engine uses for DRS there. Every failure comes back as a reason, never as an exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60
)
_AUTOMATION_DONE = {"Success", "Failed", "TimedOut", "Cancelled", "CompletedWithFailure"}
_COMMAND_DONE = {"Success", "Failed", "TimedOut", "Cancelled", "Cancelling"}


class HookLookupError(Exception):
    """AWS could not say whether an earlier try started the run: try again later."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class HookResult:
    """`done` False: still running (check again); otherwise `ok` and why."""

    done: bool
    ok: bool = False
    detail: str = ""


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        body = error.response.get("Error", {})
        return f"{body.get('Code', 'Error')}: {body.get('Message', '')}"
    return str(error)


class AwsHooks:
    def __init__(self, sessions: Callable[[str], boto3.session.Session | None]) -> None:
        self._sessions = sessions

    def _session(self, place: tuple[str, str]) -> boto3.session.Session:
        session = self._sessions(place[0])
        if session is None:
            raise ValueError(f"account {place[0]} is not one this deployment can reach")
        return session

    def _ssm(self, place: tuple[str, str]) -> Any:
        return self._session(place).client("ssm", region_name=place[1], config=_CONFIG)

    def _lambda(self, place: tuple[str, str]) -> Any:
        return self._session(place).client("lambda", region_name=place[1], config=_CONFIG)

    def invoke_lambda(
        self, place: tuple[str, str], function: str, payload: Mapping[str, Any]
    ) -> HookResult:
        try:
            answer = self._lambda(place).invoke(
                FunctionName=function,
                InvocationType="RequestResponse",
                Payload=json.dumps(payload).encode(),
            )
            body = answer["Payload"].read().decode(errors="replace")[:500]
        except (ClientError, BotoCoreError, ValueError) as error:
            return HookResult(True, False, _reason(error))
        if answer.get("FunctionError"):
            return HookResult(True, False, f"{answer['FunctionError']}: {body}")
        return HookResult(True, True, f"HTTP {answer.get('StatusCode')}: {body}")

    def start_automation(
        self,
        place: tuple[str, str],
        document: str,
        parameters: Mapping[str, Sequence[str]],
        client_token: str,
    ) -> tuple[str | None, str]:
        """(execution ID, "") or (None, why it did not start). SSM starts one execution per
        `client_token` (a UUID): asking again after a crash returns the same one."""
        try:
            answer = self._ssm(place).start_automation_execution(
                DocumentName=document,
                Parameters={k: list(v) for k, v in parameters.items()},
                ClientToken=client_token,
            )
        except (ClientError, BotoCoreError, ValueError) as error:
            return None, _reason(error)
        return str(answer["AutomationExecutionId"]), ""

    def automation(self, place: tuple[str, str], execution_id: str) -> HookResult:
        try:
            found = self._ssm(place).get_automation_execution(AutomationExecutionId=execution_id)[
                "AutomationExecution"
            ]
        except (ClientError, BotoCoreError, ValueError) as error:
            return HookResult(True, False, _reason(error))
        status = found.get("AutomationExecutionStatus", "")
        if status not in _AUTOMATION_DONE:
            return HookResult(False)
        why = found.get("FailureMessage") or ""
        return HookResult(True, status == "Success", f"{status}{': ' + why if why else ''}")

    def send_command(
        self,
        place: tuple[str, str],
        document: str,
        parameters: Mapping[str, Sequence[str]],
        instance_ids: Sequence[str],
        comment: str,
    ) -> tuple[str | None, str]:
        """(command ID, "") or (None, why). `comment` marks the run so that `find_command`
        can find it again (SendCommand has no idempotency token)."""
        try:
            answer = self._ssm(place).send_command(
                DocumentName=document,
                InstanceIds=list(instance_ids),
                Parameters={k: list(v) for k, v in parameters.items()},
                Comment=comment,
            )
        except (ClientError, BotoCoreError, ValueError) as error:
            return None, _reason(error)
        return str(answer["Command"]["CommandId"]), ""

    def find_command(
        self, place: tuple[str, str], since: datetime, document: str, comment: str
    ) -> str | None:
        """A command sent since `since` with this comment, if one was."""
        try:
            pages = (
                self._ssm(place)
                .get_paginator("list_commands")
                .paginate(
                    Filters=[
                        {"key": "InvokedAfter", "value": _iso(since - timedelta(minutes=5))},
                        {"key": "DocumentName", "value": document},
                    ]
                )
            )
            for page in pages:
                for command in page.get("Commands", []):
                    if command.get("Comment") == comment:
                        return str(command["CommandId"])
        except (ClientError, BotoCoreError, ValueError) as error:
            raise HookLookupError(_reason(error)) from error
        return None

    def command(
        self, place: tuple[str, str], command_id: str, instance_ids: Sequence[str]
    ) -> HookResult:
        """Done when every instance's invocation is; ok only if all succeeded."""
        client = self._ssm(place)
        statuses: dict[str, str] = {}
        try:
            for instance in instance_ids:
                found = client.get_command_invocation(CommandId=command_id, InstanceId=instance)
                statuses[instance] = found.get("Status", "")
        except (ClientError, BotoCoreError) as error:
            if isinstance(error, ClientError) and "InvocationDoesNotExist" in _reason(error):
                return HookResult(False)  # not registered yet
            return HookResult(True, False, _reason(error))
        if any(s not in _COMMAND_DONE for s in statuses.values()):
            return HookResult(False)
        failed = {i: s for i, s in statuses.items() if s != "Success"}
        if failed:
            return HookResult(
                True, False, ", ".join(f"{i}: {s}" for i, s in sorted(failed.items()))
            )
        return HookResult(True, True, f"Success on {len(statuses)} instances")
