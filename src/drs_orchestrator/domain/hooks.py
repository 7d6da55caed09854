"""Wave hooks: gates and checks that run before a wave launches or after it is verified."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, StringConstraints

from drs_orchestrator.domain.model import Document
from drs_orchestrator.domain.roles import Role

SsmDocumentName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_\-.:/]{3,128}$")]
SsmParameters = dict[Annotated[str, StringConstraints(min_length=1, max_length=50)], list[str]]
# A Lambda function name, partial ARN or full ARN (Lambda's own pattern, simplified).
FunctionName = Annotated[
    str,
    StringConstraints(
        pattern=r"^(arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:)?"
        r"[a-zA-Z0-9-_]{1,64}(:(\$LATEST|[a-zA-Z0-9-_]+))?$"
    ),
]


class ManualApproval(Document):
    type: Literal["manualApproval"]
    message: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    approver_role: Role = Role.OPERATOR
    timeout_minutes: int = Field(default=60, ge=1, le=10080)


class Wait(Document):
    type: Literal["wait"]
    duration_seconds: int = Field(ge=1, le=86400)


class HttpCheck(Document):
    type: Literal["httpCheck"]
    url: AnyHttpUrl
    expect_status: int = Field(default=200, ge=100, le=599)
    retries: int = Field(default=3, ge=0, le=100)
    interval_seconds: int = Field(default=15, ge=1, le=3600)
    timeout_seconds: int = Field(default=10, ge=1, le=300)


class SsmAutomation(Document):
    type: Literal["ssmAutomation"]
    document_name: SsmDocumentName
    parameters: SsmParameters = Field(default_factory=dict)
    timeout_minutes: int = Field(default=30, ge=1, le=1440)


class SsmCommand(Document):
    """Runs on the wave's recovered instances, so those servers need the SSM agent."""

    type: Literal["ssmCommand"]
    document_name: SsmDocumentName
    parameters: SsmParameters = Field(default_factory=dict)
    timeout_minutes: int = Field(default=30, ge=1, le=1440)


class LambdaInvoke(Document):
    type: Literal["lambda"]
    function_name: FunctionName
    payload: dict[str, object] = Field(default_factory=dict)


Hook = Annotated[
    ManualApproval | Wait | HttpCheck | SsmAutomation | SsmCommand | LambdaInvoke,
    Field(discriminator="type"),
]

HOOK_TYPES = frozenset(
    {"manualApproval", "wait", "httpCheck", "ssmAutomation", "ssmCommand", "lambda"}
)
