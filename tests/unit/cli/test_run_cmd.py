"""The CLI's live progress: which DRS phase a wave's launching servers are in."""

from __future__ import annotations

from drs_orchestrator.cli.run_cmd import latest_phase


def server(status: str, **phases: str) -> dict[str, object]:
    return {"status": status, "phases": phases}


def test_the_newest_phase_of_servers_still_launching() -> None:
    servers = [
        server(
            "IN_PROGRESS",
            SNAPSHOT_START="2026-11-22T09:00:00Z",
            SNAPSHOT_END="2026-11-22T09:12:00Z",
            CONVERSION_START="2026-11-22T09:12:01Z",
        ),
        server("PENDING", SNAPSHOT_START="2026-11-22T09:00:00Z"),
        server("LAUNCHED", LAUNCH_START="2026-11-22T09:30:00Z"),  # done: not shown
    ]  # fmt: skip

    assert latest_phase(servers) == "CONVERSION_START"
    assert latest_phase([server("READY", LAUNCH_START="2026-11-22T09:30:00Z")]) == ""
    assert latest_phase([server("WAITING")]) == ""
