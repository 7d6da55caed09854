"""drs-orchestrator: SRM-class disaster-recovery orchestration for AWS DRS."""

__version__ = "0.1.0"
