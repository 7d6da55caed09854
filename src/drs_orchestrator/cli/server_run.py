"""What `serve` runs: the API server (and, with --demo, the DRS emulator and a demo plan).

Kept apart from the command's options so that the CLI starts without importing the server."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import typer
import uvicorn

from drs_orchestrator.api.app import create_app, settle_heap
from drs_orchestrator.api.console import STATIC
from drs_orchestrator.api.services import Services, StartupError
from drs_orchestrator.cli import plan_file
from drs_orchestrator.cli.consoles import err
from drs_orchestrator.cli.consoles import out as console
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.errors import DomainError
from drs_orchestrator.domain.launch_settings import LaunchSettings
from drs_orchestrator.emulator import Emulator, EmulatorThread, ScaledClock, load_scenario
from drs_orchestrator.emulator.ec2 import Network
from drs_orchestrator.emulator.server import bind, endpoint_of
from drs_orchestrator.engine.clock import Clock, system_clock

DEMO_ACCOUNT, DEMO_REGION = "111111111111", "us-east-1"


def _start_emulator(speed: float) -> EmulatorThread:
    """The emulator in-process, with its EC2; boto3 finds them through its own
    AWS_ENDPOINT_URL_DRS, AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_IAM settings."""
    thread = EmulatorThread(Emulator(load_scenario("demo"), clock=ScaledClock(speed), ec2=True))
    endpoint = thread.start()
    os.environ["AWS_ENDPOINT_URL_DRS"] = endpoint
    assert thread.ec2_endpoint is not None
    os.environ["AWS_ENDPOINT_URL_EC2"] = thread.ec2_endpoint
    os.environ["AWS_ENDPOINT_URL_IAM"] = thread.ec2_endpoint
    os.environ["AWS_ACCESS_KEY_ID"] = DEMO_ACCOUNT
    os.environ["AWS_SECRET_ACCESS_KEY"] = "emulator"
    os.environ.pop("AWS_PROFILE", None)
    return thread


def load_demo_plan(services: Services, network: Network | None = None) -> str:
    """Apply the shop plan file through the same use cases the API runs; with the emulator's
    recovery network, the databases' launch settings too (saved and applied)."""
    text = resources.files("drs_orchestrator.cli").joinpath("shop-plan.yaml").read_text()
    document = plan_file.parse(text, "shop-plan.yaml")
    ids = {}
    for spec in document.protection_groups:
        ids[spec.name.casefold()] = services.groups.create(spec, "demo")[0].id
    if network is not None:
        _demo_launch_settings(services, ids["shop databases"], network)
    return services.plans.create(plan_file.with_ids(document.plan, ids), "demo").id


def _demo_launch_settings(services: Services, group_id: str, network: Network) -> None:
    """The databases launch in the recovery VPC's last subnet, as r6i.xlarge by a tag rule
    over the group's default: subnet IDs are made when the emulator starts, so they are set
    here, not in the plan file."""
    settings = LaunchSettings.model_validate(
        {
            "defaults": {
                "subnetId": network.subnet_ids[-1],
                "securityGroupIds": [network.security_group_id],
                "instanceType": "r6i.large",
                "targetInstanceTypeRightSizingMethod": "NONE",
                "tags": {"RecoveredBy": "drs-orchestrator"},
            },
            "tagRules": [{"matchTags": {"Tier": "db"}, "settings": {"instanceType": "r6i.xlarge"}}],
        }
    )
    services.launch_settings.replace(group_id, settings, None, "demo")
    services.launch_sync.apply(group_id, "demo")


def run(
    *,
    host: str,
    port: int,
    demo: bool,
    emulator_speed: float,
    tls_cert: Path | None,
    tls_key: Path | None,
    forwarded_allow_ips: str,
) -> None:
    settings = Settings()
    try:
        sock = bind(host, port)
    except OSError as error:
        err.print(f"Cannot listen on {host}:{port}: {error.strerror} (use --port)", style="red")
        raise typer.Exit(2) from None
    clock = system_clock()
    if demo:
        try:
            emulator = _start_emulator(emulator_speed).emulator
            assert emulator.ec2 is not None
            network = emulator.ec2.region(DEMO_ACCOUNT, DEMO_REGION).network
        except RuntimeError as error:  # moto (the emulator's EC2) is not installed
            err.print(f"Cannot start the demo: {error}", style="red")
            raise typer.Exit(2) from None
        # The engine keeps the emulator's compressed time, so waits and timeouts shrink too.
        clock = Clock(
            lambda: datetime.fromtimestamp(emulator.clock.now(), UTC), speed=emulator_speed
        )
        settings = _demo_settings(settings)
    try:
        services = Services.build(settings)
    except StartupError as error:
        err.print(f"Cannot start: {error}", style="red")
        raise typer.Exit(2) from None
    services.start_engine(clock)
    password = services.users.bootstrap_admin()
    if demo:
        try:
            load_demo_plan(services, network)
        except DomainError as error:
            err.print(f"The demo plan could not be loaded: {error}", style="red")
            services.stop_engine()
            raise typer.Exit(1) from None
    url = endpoint_of(sock)
    if tls_cert is not None:
        url = url.replace("http://", "https://", 1)
    _welcome(url, password, emulator_speed if demo else None)
    app = create_app(services)
    settle_heap()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            server_header=False,  # no banner naming the server software
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
        )
    )
    try:
        server.run(sockets=[sock])
    finally:
        services.stop_engine()


def _cli() -> str:
    """This command as it can be typed from the current folder (`.venv/bin/drs-orchestrator`
    from the project folder, where it is not on the PATH), else its bare name."""
    typed = Path(sys.argv[0]) if sys.argv else Path()
    if typed.name not in {"drs-orchestrator", "drso"} or shutil.which(typed.name):
        return typed.name or "drs-orchestrator"
    try:
        return str(typed.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(typed)


def _demo_settings(settings: Settings) -> Settings:
    """A demo starts from a clean slate every time, next to (not in) real data."""
    demo_db = settings.data_dir / "demo.db"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for name in ("demo.db", "demo.dbos.db"):
        for suffix in ("", "-wal", "-shm"):
            (settings.data_dir / (name + suffix)).unlink(missing_ok=True)
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{demo_db.resolve()}",
            "account_id": DEMO_ACCOUNT,
            "regions": settings.regions or ["us-east-1", "us-west-2", "eu-west-1"],
        }
    )


def _welcome(url: str, password: str | None, demo_speed: float | None) -> None:
    console.print(f"drs-orchestrator console: {url}/")
    console.print(f"API: {url}/api/v1 (docs at {url}/api/v1/docs)")
    if not (STATIC / "index.html").is_file():
        console.print("The console is not built: run `make web` to build it.", style="yellow")
    if password:
        console.print(f"First start: user admin, one-time password {password}", style="bold")
        console.print(
            "It is shown only now and must be changed at the first sign-in (the console asks; "
            f"or: {_cli()} login, then {_cli()} password)."
        )
    if demo_speed is not None:
        console.print(
            f"Demo: DRS emulator at {os.environ['AWS_ENDPOINT_URL_DRS']} (x{demo_speed:g}), "
            "plan 'Shop' with three waves loaded."
        )
        cli = _cli()
        console.print(
            f"Try: open {url}/, sign in (and choose your own password), open the plan Shop and "
            "press Start drill; or, from another terminal in this folder:",
            soft_wrap=True,
        )
        for command in (
            f"{cli} login --api {url}/api/v1 --username admin",
            f"{cli} run Shop --wait",
        ):
            console.print(f"  {command}", soft_wrap=True)
