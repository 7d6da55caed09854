"""Which credentials reach DRS in each account: our own for our account, an assumed role for
every other account the deployment is configured for."""

from __future__ import annotations

import boto3
import botocore.session
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

SESSION_NAME = "drs-orchestrator"


class AccountSessions:
    """`sessions(account)` → a boto3 session for that account, or None when it is not one
    this deployment can reach.

    Assumed-role credentials come from botocore's own fetcher: fetched on first use, refreshed
    before they expire, shared by every client of the account.
    """

    def __init__(
        self, own_account: str, roles: dict[str, str], external_id: str | None = None
    ) -> None:
        self.own_account = own_account
        self.roles = roles
        self.external_id = external_id
        self._sessions: dict[str, boto3.session.Session] = {}

    def __call__(self, account_id: str) -> boto3.session.Session | None:
        if account_id not in self._sessions:
            if account_id == self.own_account:
                self._sessions[account_id] = boto3.session.Session()
            elif account_id in self.roles:
                self._sessions[account_id] = self._assumed(self.roles[account_id])
            else:
                return None
        return self._sessions[account_id]

    def _assumed(self, role_arn: str) -> boto3.session.Session:
        source = botocore.session.get_session()
        extra: dict[str, str] = {"RoleSessionName": SESSION_NAME}
        if self.external_id:
            extra["ExternalId"] = self.external_id
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=source.create_client,
            source_credentials=source.get_credentials(),
            role_arn=role_arn,
            extra_args=extra,
        )
        target = botocore.session.get_session()
        # botocore's public set_credentials() makes static credentials; get_credentials()
        # returns `_credentials` once set, so refreshable ones go there.
        target._credentials = DeferredRefreshableCredentials(  # type: ignore[attr-defined]
            refresh_using=fetcher.fetch_credentials, method="assume-role"
        )
        return boto3.session.Session(botocore_session=target)
