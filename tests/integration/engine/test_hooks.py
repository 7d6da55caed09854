"""Hooks that run in AWS, against moto's Lambda and SSM on loopback (DRS is the emulator).

SSM Automation is not in moto: `AwsHooks` is checked against botocore's Stubber for it,
at the edge of what can run here.
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from drs_orchestrator.domain.executions import WaveStatus
from drs_orchestrator.drs.hooks import AwsHooks
from drs_orchestrator.engine.core import machine
from drs_orchestrator.engine.core.state import ExecutionState
from tests.integration.drive import Drive

pytestmark = pytest.mark.integration
PLACE = ("111111111111", "us-east-1")
AUTOMATION_ID = "6bd7e9e5-3c1e-4d1a-9c6e-1f0e7b6e2a11"
TOKEN = "0f7d1c2a-3b4c-5d6e-8f90-a1b2c3d4e5f6"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # Lambda without Docker: moto answers invocations itself.
    httpx.post(f"{url}/moto-api/config", json={"lambda": {"use_docker": False}}).raise_for_status()
    yield url
    server.stop()


@pytest.fixture
def aws_services(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, aws: None) -> str:
    for service in ("SSM", "LAMBDA", "IAM"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", moto_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return moto_endpoint


@pytest.fixture
def backend() -> str:
    return "sqlite"


def make_function(name: str) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": []}
    try:
        role = iam.create_role(RoleName="hook-role", AssumeRolePolicyDocument=json.dumps(trust))
        arn = role["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        arn = iam.get_role(RoleName="hook-role")["Role"]["Arn"]
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=arn,
        Handler="index.handler",
        Code={"ZipFile": b"not run by moto without docker"},
    )


def ended(state: ExecutionState) -> bool:
    return not state.status.active


def test_a_lambda_post_hook_runs_after_the_wave(
    aws_services: str, shop: Callable[..., str], run: Callable[..., ExecutionState], drive: Drive
) -> None:
    make_function("smoke-test")
    hook = {"type": "lambda", "functionName": "smoke-test", "payload": {"check": "orders"}}

    execution = run(shop(Web={"postHooks": [hook]}))
    final = drive.until(execution.id, ended)

    assert final.status == "COMPLETED", [w.failure for w in final.waves]
    web_hook = final.wave("Web").hooks[0]
    assert web_hook.status == "PASSED"
    assert "HTTP 200" in (web_hook.detail or "")


def test_a_failing_http_check_fails_its_wave_after_its_retries(
    shop: Callable[..., str], run: Callable[..., ExecutionState], drive: Drive
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/health"
    hook = {"type": "httpCheck", "url": url, "retries": 2, "intervalSeconds": 30}

    final = drive.until(run(shop(DB={"preHooks": [hook]})).id, ended)

    assert final.status == "FAILED"
    assert final.wave("DB").status == WaveStatus.FAILED
    assert "ConnectError" in (final.wave("DB").failure or "")
    assert final.wave("DB").hooks[0].attempts == 3
    assert all(s.status == "NOT_RUN" for s in final.servers.values())
    assert final.batches == []  # nothing was launched


def test_an_ssm_command_runs_on_the_recovered_instances(
    aws_services: str, shop: Callable[..., str], run: Callable[..., ExecutionState], drive: Drive
) -> None:
    hook = {
        "type": "ssmCommand",
        "documentName": "AWS-RunShellScript",
        "parameters": {"commands": ["systemctl is-active postgresql"]},
    }

    final = drive.until(run(shop(DB={"postHooks": [hook]})).id, ended)

    assert final.status == "COMPLETED", [w.failure for w in final.waves]
    db_hook = final.wave("DB").hooks[0]
    assert db_hook.handle  # the SSM command ID
    assert db_hook.detail == "Success on 2 instances"
    ssm = boto3.client("ssm", region_name="us-east-1")
    (command,) = ssm.list_commands(CommandId=db_hook.handle)["Commands"]
    ec2_ids = sorted(s.ec2_instance_id for s in final.servers_of("DB") if s.ec2_instance_id)
    assert sorted(command["InstanceIds"]) == ec2_ids


def test_ssm_automation_is_started_then_followed_to_its_end() -> None:
    client = boto3.client(
        "ssm", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    hooks = AwsHooks(lambda account: boto3.session.Session())
    hooks._ssm = lambda place: client  # type: ignore[method-assign]
    with Stubber(client) as stub:
        stub.add_response(
            "start_automation_execution",
            {"AutomationExecutionId": AUTOMATION_ID},
            {
                "DocumentName": "Failover-DNS",
                "Parameters": {"Zone": ["shop"]},
                "ClientToken": TOKEN,
            },
        )
        for status in ("InProgress", "Failed"):
            body: dict[str, Any] = {"AutomationExecutionStatus": status}
            if status == "Failed":
                body["FailureMessage"] = "Step 2 failed: record not found"
            stub.add_response(
                "get_automation_execution",
                {"AutomationExecution": body},
                {"AutomationExecutionId": AUTOMATION_ID},
            )

        started, why = hooks.start_automation(PLACE, "Failover-DNS", {"Zone": ["shop"]}, TOKEN)
        running = hooks.automation(PLACE, AUTOMATION_ID)
        done = hooks.automation(PLACE, AUTOMATION_ID)

    assert (started, why) == (AUTOMATION_ID, "")
    assert not running.done
    assert (done.done, done.ok) == (True, False)
    assert done.detail == "Failed: Step 2 failed: record not found"


def test_a_lambda_function_error_is_a_failed_hook_with_its_message() -> None:
    client = boto3.client(
        "lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    hooks = AwsHooks(lambda account: boto3.session.Session())
    hooks._lambda = lambda place: client  # type: ignore[method-assign]
    with Stubber(client) as stub:
        stub.add_response(
            "invoke",
            {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": StreamingBody(io.BytesIO(b'{"errorMessage": "orders down"}'), 31),
            },
        )
        result = hooks.invoke_lambda(PLACE, "smoke-test", {"wave": "Web"})

    assert (result.done, result.ok) == (True, False)
    assert result.detail == 'Unhandled: {"errorMessage": "orders down"}'


class DiesOnce:
    """Wraps an AwsHooks method: the first call reaches AWS, then the worker "dies" before
    anything is recorded (the exception makes DBOS run the step again, as a restart would)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.calls = 0
        original = getattr(AwsHooks, name)

        def wrapped(hooks: AwsHooks, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            answer = original(hooks, *args, **kwargs)
            if self.calls == 1:
                raise RuntimeError("the worker died here")
            return answer

        monkeypatch.setattr(AwsHooks, name, wrapped)


def test_an_ssm_command_sent_before_a_crash_is_found_not_sent_again(
    aws_services: str,
    shop: Callable[..., str],
    run: Callable[..., ExecutionState],
    drive: Drive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dies = DiesOnce(monkeypatch, "send_command")
    hook = {"type": "ssmCommand", "documentName": "AWS-RunShellScript",
            "parameters": {"commands": ["true"]}}  # fmt: skip

    final = drive.until(run(shop(DB={"postHooks": [hook]})).id, ended)

    assert final.status == "COMPLETED", [w.failure for w in final.waves]
    assert dies.calls == 1  # the second try looked for it and found it
    commands = boto3.client("ssm", region_name="us-east-1").list_commands()["Commands"]
    (sent,) = [c for c in commands if c["CommandId"] == final.wave("DB").hooks[0].handle]
    assert sent["Comment"].startswith("drs-orchestrator ")
    assert [c["CommandId"] for c in commands if c["Comment"] == sent["Comment"]] == [
        sent["CommandId"]
    ]  # sent once


def test_a_lambda_is_never_invoked_twice_without_an_operator_asking(
    aws_services: str,
    shop: Callable[..., str],
    run: Callable[..., ExecutionState],
    drive: Drive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_function("smoke-test-once")
    dies = DiesOnce(monkeypatch, "invoke_lambda")
    hook = {"type": "lambda", "functionName": "smoke-test-once"}

    execution = run(shop(Web={"postHooks": [hook]}))
    failed = drive.until(execution.id, ended)

    assert dies.calls == 1
    assert failed.wave("Web").status == WaveStatus.FAILED
    assert "whether it ran is unknown" in (failed.wave("Web").failure or "")
    drive.engine.command(execution.id, machine.RetryWave("Web", "alice"))
    final = drive.until(execution.id, ended)
    assert final.status == "COMPLETED"
    assert dies.calls == 2  # the operator's retry is a new invocation
