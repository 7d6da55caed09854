"""DRS's quotas, defined once for the orchestrator, agree with the emulator's model of DRS and
with botocore's drs model."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from drs_orchestrator.domain import quotas
from drs_orchestrator.emulator.scenario import Quotas

pytestmark = pytest.mark.unit


def test_the_emulator_models_the_same_quotas_by_default() -> None:
    modelled = Quotas()
    assert modelled.serversPerJob == quotas.SERVERS_PER_JOB
    assert modelled.concurrentJobs == quotas.CONCURRENT_JOBS
    assert modelled.serversInActiveJobs == quotas.SERVERS_IN_ACTIVE_JOBS


def _largest(operation: str, *path: str) -> Any:
    shape = botocore.session.get_session().get_service_model("drs").operation_model(operation)
    member = shape.input_shape
    for name in path:
        member = member.members[name]
    return member.metadata.get("max")


def test_request_sizes_are_botocores() -> None:
    assert _largest("TerminateRecoveryInstances", "recoveryInstanceIDs") == (
        quotas.TERMINATE_PER_CALL
    )
    assert _largest("DescribeJobs", "filters", "jobIDs") == quotas.JOB_IDS_PER_CALL
    assert _largest("DescribeSourceServers", "filters", "sourceServerIDs") == (
        quotas.SERVER_IDS_PER_FILTER
    )
    # The quota is lower than what the API accepts in one StartRecovery.
    assert _largest("StartRecovery", "sourceServers") > quotas.SERVERS_PER_JOB
