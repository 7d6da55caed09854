"""The `drs-orchestrator` (alias `drso`) command line."""
