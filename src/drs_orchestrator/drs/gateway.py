"""The questions the API asks DRS, with failures mapped to domain errors that fail closed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from drs_orchestrator.domain.errors import (
    DrsNotInitialized,
    DrsUnavailable,
    InvalidInput,
    Violation,
)
from drs_orchestrator.domain.quotas import SERVER_IDS_PER_FILTER
from drs_orchestrator.domain.servers import ServerFacts
from drs_orchestrator.domain.snapshots import RecoverySnapshot
from drs_orchestrator.drs.client import drs_client
from drs_orchestrator.drs.limits import Limiter, throttle_listener
from drs_orchestrator.drs.mapping import recovery_snapshot, server_facts

if TYPE_CHECKING:
    from mypy_boto3_drs import DrsClient
    from mypy_boto3_drs.type_defs import (
        DescribeRecoveryInstancesRequestFiltersTypeDef,
        DescribeSourceServersRequestFiltersTypeDef,
    )

# Calls a second to DRS per account and region, and the burst allowed (no rate is published).
DEFAULT_RATE = 10.0
DEFAULT_BURST = 20


@dataclass(frozen=True)
class RegionStatus:
    region: str
    initialized: bool
    error: str | None = None


class DrsGateway:
    """One boto3 client per account and region, reused across requests (they are thread-safe).

    `sessions(account)` returns the boto3 session that reaches the account (see
    `AccountSessions`); None means the account is not one this deployment can reach.
    """

    def __init__(
        self,
        sessions: Callable[[str], boto3.session.Session | None],
        limiter: Callable[[], Limiter] | None = None,
    ) -> None:
        self._sessions = sessions
        self._clients: dict[tuple[str, str], DrsClient] = {}
        self._lock = Lock()
        self._new_limiter = limiter or (lambda: Limiter(DEFAULT_RATE, DEFAULT_BURST))
        self.limiters: dict[tuple[str, str], Limiter] = {}

    def session(self, account_id: str) -> boto3.session.Session | None:
        """The session reaching `account_id` (other AWS calls there use it too)."""
        return self._sessions(account_id)

    def client(self, account_id: str, region: str) -> DrsClient:
        with self._lock:
            key = (account_id, region)
            if key not in self._clients:
                session = self._sessions(account_id)
                if session is None:
                    raise InvalidInput(
                        [
                            Violation(
                                "accountId",
                                "ACCOUNT_NOT_CONFIGURED",
                                f"Account {account_id} is not one this deployment can reach: "
                                "it is neither DRSO_ACCOUNT_ID nor in DRSO_ACCOUNT_ROLES",
                            )
                        ],
                        code="ACCOUNT_NOT_CONFIGURED",
                    )
                client = drs_client(region, session)
                limiter = self.limiters.setdefault(key, self._new_limiter())
                client.meta.events.register("before-send.drs", lambda **_: limiter.acquire())
                client.meta.events.register("needs-retry.drs", throttle_listener(limiter))
                self._clients[key] = client
            return self._clients[key]

    @contextmanager
    def asking(self, account_id: str, region: str) -> Iterator[None]:
        try:
            yield
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "UninitializedAccountException":
                raise DrsNotInitialized(account_id, region) from error
            message = error.response.get("Error", {}).get("Message", "")
            reason = f"{error.operation_name} {code}: {message}"
            raise DrsUnavailable(account_id, region, reason) from error
        except BotoCoreError as error:
            raise DrsUnavailable(account_id, region, str(error)) from error

    def source_servers(
        self, account_id: str, region: str, server_ids: Sequence[str] | None = None
    ) -> list[ServerFacts]:
        """All servers in the region, or just `server_ids` (asked in filters of 200)."""
        client = self.client(account_id, region)
        found: list[ServerFacts] = []
        with self.asking(account_id, region):
            paginator = client.get_paginator("describe_source_servers")
            if server_ids is None:
                batches: list[DescribeSourceServersRequestFiltersTypeDef] = [{}]
            else:
                ids = sorted(set(server_ids))
                batches = [
                    {"sourceServerIDs": ids[i : i + SERVER_IDS_PER_FILTER]}
                    for i in range(0, len(ids), SERVER_IDS_PER_FILTER)
                ]
            for filters in batches:
                for page in paginator.paginate(
                    filters=filters, PaginationConfig={"PageSize": 1000}
                ):
                    found += [server_facts(s) for s in page["items"]]
        return found

    def recovery_snapshots(
        self, account_id: str, region: str, server_id: str, before: datetime | None = None
    ) -> list[RecoverySnapshot]:
        """A server's points in time (DescribeRecoverySnapshots), newest first; only those
        taken at or before `before` when given."""
        client = self.client(account_id, region)
        args: dict[str, Any] = {"sourceServerID": server_id, "order": "DESC"}
        if before is not None:
            # DRS's pattern wants a Z, not +00:00
            args["filters"] = {
                "toDateTime": before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            }
        found: list[RecoverySnapshot] = []
        with self.asking(account_id, region):
            for page in client.get_paginator("describe_recovery_snapshots").paginate(**args):
                found += [recovery_snapshot(s) for s in page["items"]]
        return found

    def source_servers_page(
        self, account_id: str, region: str, limit: int, token: str | None
    ) -> tuple[list[ServerFacts], str | None]:
        """One page of DRS's own listing and the token for the next."""
        args: dict[str, Any] = {"filters": {}, "maxResults": limit}
        if token:
            args["nextToken"] = token
        client = self.client(account_id, region)
        with self.asking(account_id, region):
            answer = client.describe_source_servers(**args)
        return [server_facts(s) for s in answer["items"]], answer.get("nextToken")

    @staticmethod
    def known_regions() -> list[str]:
        """Every region botocore knows DRS in."""
        return boto3.session.Session().get_available_regions("drs")

    def region_status(self, account_id: str, region: str) -> RegionStatus:
        try:
            with self.asking(account_id, region):
                self.client(account_id, region).describe_source_servers(maxResults=1)
        except DrsNotInitialized:
            return RegionStatus(region, initialized=False)
        except DrsUnavailable as error:
            return RegionStatus(region, initialized=False, error=error.message)
        return RegionStatus(region, initialized=True)

    def regions(self, account_id: str, regions: Sequence[str]) -> list[RegionStatus]:
        """Where DRS is initialised, asked of every region at once."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(lambda r: self.region_status(account_id, r), regions))

    def recovery_instances(
        self, account_id: str, region: str, server_ids: Sequence[str]
    ) -> list[Mapping[str, Any]]:
        """The recovery instances of these source servers, as DRS describes them (asked in
        filters of 200)."""
        client = self.client(account_id, region)
        ids = sorted(set(server_ids))
        found: list[Mapping[str, Any]] = []
        with self.asking(account_id, region):
            paginator = client.get_paginator("describe_recovery_instances")
            for start in range(0, len(ids), SERVER_IDS_PER_FILTER):
                filters: DescribeRecoveryInstancesRequestFiltersTypeDef = {
                    "sourceServerIDs": ids[start : start + SERVER_IDS_PER_FILTER]
                }
                for page in paginator.paginate(filters=filters):
                    found += page["items"]
        return found

    def running_instances(
        self, account_id: str, region: str, server_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        """Recovery instances still alive, by source server."""
        found: dict[str, list[str]] = {}
        for item in self.recovery_instances(account_id, region, server_ids):
            if item.get("ec2InstanceState") not in {"TERMINATED", "SHUTTING-DOWN"}:
                found.setdefault(item["sourceServerID"], []).append(item["recoveryInstanceID"])
        return found

    def post_launch_enabled(
        self, account_id: str, region: str, server_ids: Sequence[str]
    ) -> dict[str, bool]:
        """Whether each server's launch settings run post-launch actions (the SSM agent)."""
        client = self.client(account_id, region)
        with self.asking(account_id, region):
            return {
                sid: bool(
                    client.get_launch_configuration(sourceServerID=sid).get("postLaunchEnabled")
                )
                for sid in server_ids
            }
