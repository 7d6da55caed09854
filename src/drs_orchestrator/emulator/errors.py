"""DRS errors as the service sends them: a modelled code, an HTTP status and extra fields."""

from __future__ import annotations

from typing import Any

SERVICE_CODE = "drs"


class DrsError(Exception):
    """An error answered in DRS's wire format (`x-amzn-ErrorType` header, JSON body)."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = {k: v for k, v in fields.items() if v is not None}


class ValidationError(DrsError):
    code = "ValidationException"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        reason: str = "fieldValidationFailed",
        field_list: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message, reason=reason, fieldList=field_list)


class UninitializedAccountError(DrsError):
    code = "UninitializedAccountException"
    status = 400


class AccessDeniedError(DrsError):
    code = "AccessDeniedException"
    status = 403


class ResourceNotFoundError(DrsError):
    code = "ResourceNotFoundException"
    status = 404

    def __init__(self, message: str, *, resource_id: str, resource_type: str) -> None:
        super().__init__(message, resourceId=resource_id, resourceType=resource_type)


class ConflictError(DrsError):
    code = "ConflictException"
    status = 409

    def __init__(self, message: str, *, resource_id: str, resource_type: str) -> None:
        super().__init__(message, resourceId=resource_id, resourceType=resource_type)


class ServiceQuotaExceededError(DrsError):
    code = "ServiceQuotaExceededException"
    status = 402

    def __init__(self, message: str, *, quota_code: str, resource_type: str) -> None:
        super().__init__(
            message, quotaCode=quota_code, serviceCode=SERVICE_CODE, resourceType=resource_type
        )


class ThrottlingError(DrsError):
    code = "ThrottlingException"
    status = 429

    def __init__(self, message: str, *, retry_after_seconds: int, quota_code: str) -> None:
        super().__init__(
            message,
            retryAfterSeconds=str(retry_after_seconds),
            quotaCode=quota_code,
            serviceCode=SERVICE_CODE,
        )


class InternalServerError(DrsError):
    code = "InternalServerException"
    status = 500

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message, retryAfterSeconds=retry_after_seconds)
