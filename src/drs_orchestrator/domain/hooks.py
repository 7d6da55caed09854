"""Wave hooks: gates and checks that run before a wave launches or after it is verified."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, ClassVar, Literal, Union, get_args

from pydantic import AnyHttpUrl, Field, StringConstraints
from typing_extensions import TypeAliasType

from drs_orchestrator.domain.executions import Mode
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


@dataclass(frozen=True)
class Capabilities:
    """What running a hook type takes, so the engine decides by these and not by its class:
    the core settles gates and timers itself and asks the shell to run the external ones."""

    gate: bool = False  # waits for a person's approval (the wave shows AWAITING_APPROVAL)
    timer: bool = False  # passes by itself after `wait()`
    external: bool = False  # the shell runs it (HTTP, SSM, Lambda): one runner per type
    timeout: bool = False  # fails when not over within `limit()` of its start
    retries: bool = False  # a failed try is made again after `retry_after()`
    needs_instances: bool = False  # runs on the wave's recovered instances (SSM agent)


# A hook runs in the failover's modes unless it names others: one written for a drill or a
# recovery (a DNS switch to the recovery region, say) must not run during a failback.
DEFAULT_MODES = (Mode.DRILL, Mode.RECOVERY)


class HookSpec(Document):
    """The base of every hook type: its capabilities and the numbers they use."""

    CAPABILITIES: ClassVar[Capabilities]

    modes: list[Mode] = Field(
        default_factory=lambda: list(DEFAULT_MODES),
        min_length=1,
        max_length=len(Mode),
        description="The modes it runs in; by default DRILL and RECOVERY, not FAILBACK.",
    )

    def limit(self) -> timedelta | None:
        """How long it may run before it fails (capability `timeout`)."""
        minutes = getattr(self, "timeout_minutes", None)
        return timedelta(minutes=minutes) if self.CAPABILITIES.timeout and minutes else None

    def wait(self) -> timedelta | None:
        """How long it holds the wave (capability `timer`)."""
        return None

    def retry_after(self, tries: int) -> timedelta | None:
        """After `tries` failed tries, when to try again, or None to fail (`retries`)."""
        return None


class ManualApproval(HookSpec):
    CAPABILITIES = Capabilities(gate=True, timeout=True)
    type: Literal["manualApproval"]
    message: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    approver_role: Role = Role.OPERATOR
    timeout_minutes: Integer = Field(default=60, ge=1, le=10080)


class Wait(HookSpec):
    CAPABILITIES = Capabilities(timer=True)
    type: Literal["wait"]
    duration_seconds: Integer = Field(ge=1, le=86400)

    def wait(self) -> timedelta:
        return timedelta(seconds=self.duration_seconds)


class HttpCheck(HookSpec):
    CAPABILITIES = Capabilities(external=True, retries=True)
    type: Literal["httpCheck"]
    url: AnyHttpUrl
    expect_status: Integer = Field(default=200, ge=100, le=599)
    retries: Integer = Field(default=3, ge=0, le=100)
    interval_seconds: Integer = Field(default=15, ge=1, le=3600)
    timeout_seconds: Integer = Field(default=10, ge=1, le=300)

    def retry_after(self, tries: int) -> timedelta | None:
        return timedelta(seconds=self.interval_seconds) if tries <= self.retries else None


class SsmAutomation(HookSpec):
    CAPABILITIES = Capabilities(external=True, timeout=True)
    type: Literal["ssmAutomation"]
    document_name: SsmDocumentName
    parameters: SsmParameters = Field(default_factory=dict)
    timeout_minutes: Integer = Field(default=30, ge=1, le=1440)


class SsmCommand(HookSpec):
    """Runs on the wave's recovered instances, so those servers need the SSM agent."""

    CAPABILITIES = Capabilities(external=True, timeout=True, needs_instances=True)
    type: Literal["ssmCommand"]
    document_name: SsmDocumentName
    parameters: SsmParameters = Field(default_factory=dict)
    timeout_minutes: Integer = Field(default=30, ge=1, le=1440)


class LambdaInvoke(HookSpec):
    CAPABILITIES = Capabilities(external=True)
    type: Literal["lambda"]
    function_name: FunctionName
    payload: dict[str, JsonValue] = Field(default_factory=dict)


Hook = Annotated[
    ManualApproval | Wait | HttpCheck | SsmAutomation | SsmCommand | LambdaInvoke,
    Field(discriminator="type"),
]

# The hook types by their `type` name, read from the union above (not typed again).
HOOK_CLASSES: dict[str, type[HookSpec]] = {
    get_args(cls.model_fields["type"].annotation)[0]: cls for cls in get_args(get_args(Hook)[0])
}
HOOK_TYPES = frozenset(HOOK_CLASSES)
