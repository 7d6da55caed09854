"""The composition root: settings in, every service wired to the database and DRS."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from drs_orchestrator.api.execution_views import (
    Kept,
    details_kept,
    summaries_kept,
)
from drs_orchestrator.api.live import Board, Feeds
from drs_orchestrator.config import Settings
from drs_orchestrator.drs.credentials import AccountSessions
from drs_orchestrator.drs.gateway import DrsGateway
from drs_orchestrator.drs.hooks import AwsHooks
from drs_orchestrator.drs.jobs import DrsJobs
from drs_orchestrator.drs.limits import Limiter
from drs_orchestrator.drs.secrets import SecretUnavailableError, secret_string
from drs_orchestrator.engine.clock import Clock, system_clock
from drs_orchestrator.engine.probe import Probe
from drs_orchestrator.engine.runner import Engine, Options
from drs_orchestrator.service.audit import AuditService
from drs_orchestrator.service.context import Context
from drs_orchestrator.service.discovery import DiscoveryService
from drs_orchestrator.service.executions import ExecutionService
from drs_orchestrator.service.groups import GroupService
from drs_orchestrator.service.identity import CognitoVerifier, LocalIssuer
from drs_orchestrator.service.keyring import Keyring, KeyringError, local_secret, split_secrets
from drs_orchestrator.service.launch_settings import LaunchSettingsService
from drs_orchestrator.service.launch_sync import LaunchSyncService
from drs_orchestrator.service.lint import LintService
from drs_orchestrator.service.plans import PlanService
from drs_orchestrator.service.readiness import ReadinessService
from drs_orchestrator.service.release import ReleaseService
from drs_orchestrator.service.rto import RtoService
from drs_orchestrator.service.sessions import SessionService
from drs_orchestrator.service.sign_in import SignInThrottle
from drs_orchestrator.service.site import SiteService
from drs_orchestrator.service.tokens import TokenService
from drs_orchestrator.service.users import UserService
from drs_orchestrator.store.db import create_engine, migrate


class StartupError(Exception):
    """The configuration cannot run a server; the message says what to set."""


def keyring_of(settings: Settings) -> Keyring:
    """DRSO_SECRET_KEY, else the Secrets Manager secret named, else (SQLite only, one
    machine) a secret file beside the database."""
    try:
        if settings.secret_key is not None:
            return Keyring(split_secrets(settings.secret_key.get_secret_value()))
        if settings.secret_key_secret_id:
            return Keyring(split_secrets(secret_string(settings.secret_key_secret_id)))
        if settings.database().startswith("sqlite"):
            return Keyring([local_secret(settings.data_dir)])
    except (KeyringError, SecretUnavailableError) as error:
        raise StartupError(str(error)) from None
    raise StartupError(
        "DRSO_SECRET_KEY (or DRSO_SECRET_KEY_SECRET_ID) is required with PostgreSQL: every "
        "worker seals and unseals the JWT signing keys with it (make one with "
        "`openssl rand -base64 32`)"
    )


@dataclass
class Services:
    ctx: Context
    groups: GroupService
    plans: PlanService
    lint: LintService
    discovery: DiscoveryService
    users: UserService
    tokens: TokenService
    sessions: SessionService
    sign_in: SignInThrottle
    issuer: LocalIssuer
    verifier: LocalIssuer | CognitoVerifier
    executions: ExecutionService
    rto: RtoService
    readiness: ReadinessService
    audit: AuditService
    launch_settings: LaunchSettingsService
    launch_sync: LaunchSyncService
    site: SiteService
    release: ReleaseService
    engine: Engine | None = None
    # Read models kept per execution version (see api/execution_views.py).
    details: Kept[tuple[object, ...], bytes] = field(default_factory=details_kept)
    summaries: Kept[tuple[str, int], bytes] = field(default_factory=summaries_kept)
    feeds: Feeds = field(default_factory=Feeds)  # live streams: one reader per execution
    active: Board = field(default_factory=Board)  # the active executions' stream, shared

    def start_engine(
        self, clock: Clock | None = None, *, poll: bool = True, probe: Probe | None = None
    ) -> Engine:
        """Launch the engine (DBOS, workflows, pollers) on this process; once per process."""
        settings = self.ctx.settings
        url = settings.dbos_database()
        self.engine = Engine(
            database=self.ctx.engine,
            drs=DrsJobs(self.ctx.drs),
            hooks=AwsHooks(self.ctx.drs.session),
            clock=clock or system_clock(),
            dbos_url=settings.dbos_database(),
            options=Options(
                tag_jobs=settings.tag_jobs,
                poll_in_background=poll,
                executor_id=settings.worker_id
                or ("local" if url.startswith("sqlite") else f"worker-{uuid.uuid4().hex[:12]}"),
                worker_lease_seconds=settings.worker_lease_seconds,
            ),
            dbos_schema=settings.dbos_schema,
            probe=probe,
        )
        self.engine.launch()
        self.executions.engine = self.engine
        self.site.owner = self.engine.options.executor_id
        self.site.lease_seconds = settings.worker_lease_seconds
        self.site.resume()  # reprotects a stopped process left running
        self.engine.beats.append(self.site.resume)  # and those of a worker that died
        return self.engine

    def stop_engine(self) -> None:
        self.site.close()
        if self.engine is not None:
            self.engine.shutdown()
            self.engine = None
            self.executions.engine = None

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = create_engine(settings.database())
        migrate(engine)
        gateway = DrsGateway(
            AccountSessions(
                settings.account_id, settings.account_roles, settings.account_role_external_id
            ),
            lambda: Limiter(settings.drs_calls_per_second, settings.drs_burst),
        )
        ctx = Context(engine, gateway, settings)
        users = UserService(ctx)
        issuer = LocalIssuer(ctx, keyring_of(settings), users.states)
        try:
            issuer.ensure_key()
        except KeyringError as error:
            raise StartupError(str(error)) from None
        verifier = CognitoVerifier(ctx) if settings.cognito_enabled else issuer
        plans, groups = PlanService(ctx), GroupService(ctx)
        rto = RtoService(ctx)
        launch_settings = LaunchSettingsService(ctx)
        launch_sync = LaunchSyncService(ctx, launch_settings)
        executions = ExecutionService(ctx, plans)
        site = SiteService(ctx, plans, executions.now)
        executions.site = site
        lint = LintService(ctx, plans, rto, launch_sync, site)
        return cls(
            ctx,
            groups,
            plans,
            lint,
            DiscoveryService(ctx, groups),
            users,
            TokenService(ctx, users),
            SessionService(ctx, users.states),
            SignInThrottle(ctx),
            issuer,
            verifier,
            executions,
            rto,
            ReadinessService(ctx, plans, lint, executions, executions.now),
            AuditService(ctx),
            launch_settings,
            launch_sync,
            site,
            ReleaseService(site),
        )


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(get_services)]
