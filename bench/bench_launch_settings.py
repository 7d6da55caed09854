"""Launch settings in bulk: a group of 1,000 servers with tag rules, applied through the DRS
limiter at its production rate (DRSO_DRS_CALLS_PER_SECOND, 10 a second by default), then
applied again with nothing to change, then checked for drift. The emulator serves DRS and EC2
over HTTP and counts every call; time and calls per server are printed side by side.

The first apply writes every server (a template version and a DRS launch configuration
update each); the second only reads, so its DRS calls are half the first's and it writes
nothing. Both are bound by the DRS limiter, not by the orchestrator.

Run: .venv/bin/python bench/bench_launch_settings.py [--servers 1000]   (or `make bench`)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from drs_orchestrator.api.services import Services
from drs_orchestrator.config import Settings
from drs_orchestrator.domain.groups import ProtectionGroupSpec
from drs_orchestrator.domain.launch_settings import LaunchSettings
from drs_orchestrator.emulator import Emulator, EmulatorThread, parse_scenario

ACCOUNT, REGION = "111111111111", "us-east-1"
TIERS = {"db": "r6i.2xlarge", "app": "m6i.xlarge", "web": "c6i.large"}
DRS_CALLS = ("GetLaunchConfiguration", "UpdateLaunchConfiguration")
EC2_CALLS = (
    "DescribeLaunchTemplateVersions",
    "CreateLaunchTemplateVersion",
    "ModifyLaunchTemplate",
)


def scenario(servers: int) -> dict[str, Any]:
    share = servers // len(TIERS)
    counts = [share] * (len(TIERS) - 1) + [servers - share * (len(TIERS) - 1)]
    return {
        "accounts": {
            ACCOUNT: {
                "regions": {
                    REGION: {
                        "servers": [
                            {
                                "count": n,
                                "hostnamePrefix": f"{tier}-",
                                "tags": {"App": "estate", "Tier": tier},
                            }
                            for tier, n in zip(TIERS, counts, strict=True)
                        ]
                    }
                }
            }
        }
    }


def settings(subnet: str, group: str) -> LaunchSettings:
    return LaunchSettings.model_validate(
        {
            "defaults": {
                "subnetId": subnet,
                "securityGroupIds": [group],
                "targetInstanceTypeRightSizingMethod": "NONE",
                "tags": {"RecoveredBy": "drs-orchestrator"},
            },
            "tagRules": [
                {"matchTags": {"Tier": tier}, "settings": {"instanceType": kind}}
                for tier, kind in TIERS.items()
            ],
        }
    )


def calls(emulator: Emulator, before: tuple[Counter[str], Counter[str]]) -> dict[str, int]:
    assert emulator.ec2 is not None
    drs, ec2 = emulator.counts - before[0], emulator.ec2.counts - before[1]
    return {name: drs[name] for name in DRS_CALLS} | {name: ec2[name] for name in EC2_CALLS}


def snapshot(emulator: Emulator) -> tuple[Counter[str], Counter[str]]:
    assert emulator.ec2 is not None
    return Counter(emulator.counts), Counter(emulator.ec2.counts)


def run(servers: int) -> None:
    emulator = Emulator(parse_scenario(scenario(servers)), ec2=True)
    assert emulator.ec2 is not None
    network = emulator.ec2.region(ACCOUNT, REGION).network
    assert network is not None
    thread = EmulatorThread(emulator)
    thread.start()
    os.environ |= {
        "AWS_ENDPOINT_URL_DRS": thread.endpoint,
        "AWS_ENDPOINT_URL_EC2": thread.ec2_endpoint or "",
        "AWS_ENDPOINT_URL_IAM": thread.ec2_endpoint or "",
        "AWS_ACCESS_KEY_ID": ACCOUNT,
        "AWS_SECRET_ACCESS_KEY": "emulator",
    }
    with tempfile.TemporaryDirectory() as tmp:
        svc = Services.build(
            Settings.model_validate(
                {
                    "database_url": f"sqlite:///{Path(tmp) / 'bench.db'}",
                    "admin_password": "bench-password-1",
                    "regions": [REGION],
                }
            )
        )
        rate = svc.ctx.settings.drs_calls_per_second
        print(f"{servers} servers, tag rules for {len(TIERS)} tiers; DRS limiter {rate:g} calls/s")
        print(f"{'step':<22}{'seconds':>9}{'ms/server':>11}  calls (DRS | EC2)")
        group_id = _group(svc)
        svc.launch_settings.replace(
            group_id, settings(network.subnet_ids[1], network.security_group_id), None, "bench"
        )
        for step in ("apply (all differ)", "apply (none differ)", "drift status"):
            before = snapshot(emulator)
            start = time.perf_counter()
            if step.startswith("apply"):
                record = svc.launch_sync.apply(group_id, "bench")
                svc.launch_sync.settle([record.id], timeout=3600)
                done = svc.launch_sync.view(group_id, record.id).record
                outcome = (
                    f"changed {done.changed}, unchanged {done.unchanged}, failed {done.failed}"
                )
            else:
                found = svc.launch_sync.status(group_id)
                outcome = ", ".join(f"{k} {v}" for k, v in found.counts().items() if v)
            seconds = time.perf_counter() - start
            made = calls(emulator, before)
            drs = " ".join(f"{k} {made[k]}" for k in DRS_CALLS)
            ec2 = " ".join(f"{k} {made[k]}" for k in EC2_CALLS)
            print(f"{step:<22}{seconds:>9.1f}{seconds * 1000 / servers:>11.1f}  {drs} | {ec2}")
            print(f"{'':<42}{outcome}")
        svc.launch_sync.close()
    thread.stop()


def _group(svc: Services) -> str:
    spec = ProtectionGroupSpec.model_validate(
        {"name": "Estate", "region": REGION, "serverSelector": {"tags": {"App": "estate"}}}
    )
    return svc.groups.create(spec, "bench")[0].id


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    run(parser.parse_args().servers)
