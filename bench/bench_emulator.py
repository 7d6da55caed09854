"""How the emulator scales: DescribeJobs naming 1,000 jobs and DescribeSourceServers over
3,000 servers, through real boto3 over HTTP, beside one-item baselines measured in the same run.

Run: .venv/bin/python bench/bench_emulator.py   (or `make bench`)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3

from drs_orchestrator.emulator import Emulator, EmulatorThread, parse_scenario

SERVERS, JOBS = 3000, 1000
SCENARIO = {
    "accounts": {
        "111111111111": {
            "regions": {"us-east-1": {"servers": [{"count": SERVERS, "hostnamePrefix": "srv-"}]}}
        }
    },
    # Raised so the benchmark can hold 1,000 jobs at once; real DRS allows 20 active jobs.
    "quotas": {"concurrentJobs": JOBS, "serversInActiveJobs": SERVERS},
}


def median_ms(action: Callable[[], Any], repeats: int) -> float:
    action()  # warm
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(strict: bool) -> dict[str, float]:
    emulator = Emulator(parse_scenario(SCENARIO), strict=strict)
    with EmulatorThread(emulator) as endpoint:
        drs = boto3.client(
            "drs",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="111111111111",
            aws_secret_access_key="x",
        )
        ids = [
            s["sourceServerID"]
            for p in drs.get_paginator("describe_source_servers").paginate(
                PaginationConfig={"PageSize": 1000}
            )
            for s in p["items"]
        ]
        jobs = [
            drs.start_recovery(sourceServers=[{"sourceServerID": sid}], isDrill=True)["job"][
                "jobID"
            ]
            for sid in ids[:JOBS]
        ]
        emulator.advance(3600)  # every job completed, each with its full log

        def all_servers() -> int:
            pages = drs.get_paginator("describe_source_servers").paginate(
                PaginationConfig={"PageSize": 1000}
            )
            return sum(len(p["items"]) for p in pages)

        assert all_servers() == SERVERS
        assert len(drs.describe_jobs(filters={"jobIDs": jobs})["items"]) == JOBS
        return {
            "DescribeJobs, 1 job ID": median_ms(
                lambda: drs.describe_jobs(filters={"jobIDs": jobs[:1]}), 50
            ),
            "DescribeJobs, 1,000 job IDs": median_ms(
                lambda: drs.describe_jobs(filters={"jobIDs": jobs}), 15
            ),
            "DescribeSourceServers, 1 server": median_ms(
                lambda: drs.describe_source_servers(filters={"sourceServerIDs": ids[:1]}), 50
            ),
            "DescribeSourceServers, all 3,000 (3 pages)": median_ms(all_servers, 5),
        }


def main() -> None:
    plain = measure(strict=False)
    strict = measure(strict=True)
    print(f"{'call':45} {'median ms':>10} {'x 1-item':>9} {'strict ms':>10} {'strict x':>9}")
    baselines = {
        "DescribeJobs": plain["DescribeJobs, 1 job ID"],
        "DescribeSourceServers": plain["DescribeSourceServers, 1 server"],
    }
    for name, ms in plain.items():
        base = baselines[name.split(",")[0]]
        print(
            f"{name:45} {ms:10.1f} {ms / base:9.1f} {strict[name]:10.1f} {strict[name] / ms:9.2f}"
        )
    per_job = plain["DescribeJobs, 1,000 job IDs"] / JOBS * 1000
    per_server = plain["DescribeSourceServers, all 3,000 (3 pages)"] / SERVERS * 1000
    print(
        f"\nper job in a 1,000-ID DescribeJobs: {per_job:.0f} us; "
        f"per server over 3,000: {per_server:.0f} us"
    )


if __name__ == "__main__":
    main()
