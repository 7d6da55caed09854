"""The records the services answer with, for the api to name: the api reaches store/ only
through service/ (a contract in pyproject.toml holds it)."""

from drs_orchestrator.store.audit import Entry as AuditEntry
from drs_orchestrator.store.executions import EventRow, Filters
from drs_orchestrator.store.groups import GroupRecord
from drs_orchestrator.store.plans import PlanRecord, VersionRecord
from drs_orchestrator.store.sites import ReprotectRow
from drs_orchestrator.store.users import TokenRecord, UserRecord

__all__ = [
    "AuditEntry",
    "EventRow",
    "Filters",
    "GroupRecord",
    "PlanRecord",
    "ReprotectRow",
    "TokenRecord",
    "UserRecord",
    "VersionRecord",
]
