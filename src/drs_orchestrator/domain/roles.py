"""Roles and what each may do; enforced by the API on every route."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    RECOVERY_ADMIN = "recovery-admin"
    ADMIN = "admin"


class Permission(StrEnum):
    READ = "read"
    CONFIGURE = "configure"  # protection groups and recovery plans
    RUN_DRILL = "run-drill"
    RUN_RECOVERY = "run-recovery"
    TERMINATE = "terminate-instances"
    MANAGE_USERS = "manage-users"  # users, API tokens, settings
    READ_AUDIT = "read-audit"


_VIEWER = frozenset({Permission.READ})
_OPERATOR = _VIEWER | {Permission.CONFIGURE, Permission.RUN_DRILL}
_RECOVERY_ADMIN = _OPERATOR | {Permission.RUN_RECOVERY, Permission.TERMINATE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.OPERATOR: _OPERATOR,
    Role.RECOVERY_ADMIN: _RECOVERY_ADMIN,
    # An administrator can do everything, so the first admin can run the whole product.
    Role.ADMIN: frozenset(Permission),
}


def permissions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: frozenset[Permission] = frozenset()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return granted


def covers(roles: frozenset[Role] | set[Role], required: Role) -> bool:
    """Whether `roles` may act as `required` (roles nest: an admin may do an operator's part)."""
    return ROLE_PERMISSIONS[required] <= permissions_of(roles)
