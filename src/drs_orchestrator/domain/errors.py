"""Domain failures, each with a stable code; the API turns their kind into an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Violation:
    """One thing wrong with an input, at a field path such as `waves[1].dependsOn[0]`."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class DomainError(Exception):
    """Base of every refusal; `extra` carries the code's documented detail fields."""

    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidInput(DomainError):
    """The request is malformed or breaks a rule of the model (400)."""

    def __init__(
        self,
        violations: list[Violation],
        code: str = "VALIDATION_FAILED",
        message: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        detail = message or "; ".join(f"{v.field}: {v.message}" for v in violations)
        super().__init__(
            code, detail, {**(extra or {}), "errors": [v.as_dict() for v in violations]}
        )
        self.violations = violations


class NotFound(DomainError):
    """The named resource does not exist (404)."""


class Conflict(DomainError):
    """The change clashes with the current state, e.g. a taken name (409)."""


class PreconditionFailed(DomainError):
    """If-Match named a version that is no longer current (412)."""


class Unauthorized(DomainError):
    """No valid credentials (401)."""


class Forbidden(DomainError):
    """Valid credentials without the role the action needs (403)."""


class TooManyRequests(DomainError):
    """Too many attempts; try again after `retry_after_seconds` (429 with Retry-After)."""

    def __init__(
        self, code: str, message: str, retry_after_seconds: int, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, message, {**(extra or {}), "retryAfterSeconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class DrsNotInitialized(DomainError):
    """DRS was never initialised in the account/region (400 `DRS_NOT_INITIALIZED`)."""

    def __init__(self, account_id: str, region: str) -> None:
        super().__init__(
            "DRS_NOT_INITIALIZED",
            f"DRS is not initialized in {region} for account {account_id}. "
            "Initialize DRS there before creating protection groups.",
            {"accountId": account_id, "region": region, "initialized": False},
        )


class Unavailable(DomainError):
    """Something the answer depends on could not be asked (503, fail closed)."""


class DrsUnavailable(Unavailable):
    """DRS could not be asked, so nothing that depends on it is accepted (503, fail closed)."""

    def __init__(self, account_id: str, region: str, reason: str) -> None:
        super().__init__(
            "DRS_UNAVAILABLE",
            f"DRS could not be reached in {region} for account {account_id}: {reason}. "
            "Nothing was changed; try again when DRS answers.",
            {"accountId": account_id, "region": region},
        )
