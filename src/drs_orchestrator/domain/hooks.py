"""Wave hooks: gates and checks that run before a wave launches or after it is verified."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import AnyHttpUrl, Field, StringConstraints
from typing_extensions import TypeAliasType

from drs_orchestrator.domain.model import Boolean, Document, Integer
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


# Any JSON value, said as a schema (a Lambda's payload), so that what a client may send is
# written down rather than "anything".
JsonValue = TypeAliasType(
    "JsonValue",
    "Union[str, Integer, float, Boolean, list[JsonValue], dict[str, JsonValue], None]",  # noqa: UP007
)


class ManualApproval(Document):
    type: Literal["manualApproval"]
    message: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    approver_role: Role = Role.OPERATOR
    timeout_minutes: Integer = Field(default=60, ge=1, le=10080)


class Wait(Document):
    type: Literal["wait"]
    duration_seconds: Integer = Field(ge=1, le=86400)


class HttpCheck(Document):
    type: Literal["httpCheck"]
    url: AnyHttpUrl
    expect_status: Integer = Field(default=200, ge=100, le=599)
    retries: Integer = Field(default=3, ge=0, le=100)
    interval_seconds: Integer = Field(default=15, ge=1, le=3600)
    timeout_seconds: Integer = Field(default=10, ge=1, le=300)


class SsmAutomation(Document):
    type: Literal["ssmAutomation"]
    document_name: SsmDocumentName
    parameters: SsmParameters = Field(default_factory=dict)
    timeout_minutes: Integer = Field(default=30, ge=1, le=1440)


class SsmCommand(Document):
    """Runs on the wave's recovered instances, so those servers need the SSM agent."""

    type: Literal["ssmCommand"]
    document_name: SsmDocumentName
    parameters: SsmParameters = Field(default_factory=dict)
    timeout_minutes: Integer = Field(default=30, ge=1, le=1440)


class LambdaInvoke(Document):
    type: Literal["lambda"]
    function_name: FunctionName
    payload: dict[str, JsonValue] = Field(default_factory=dict)


Hook = Annotated[
    ManualApproval | Wait | HttpCheck | SsmAutomation | SsmCommand | LambdaInvoke,
    Field(discriminator="type"),
]

HOOK_TYPES = frozenset(
    {"manualApproval", "wait", "httpCheck", "ssmAutomation", "ssmCommand", "lambda"}
)
