"""Plan documents: defaults, structure rules and what a wave launches."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from drs_orchestrator.domain.plans import (
    GroupMembers,
    RecoveryPlanSpec,
    reference_violations,
    structure_violations,
    wave_servers,
)

pytestmark = pytest.mark.unit
A, B, C = "s-aaaaaaaaaaaaaaaaa", "s-bbbbbbbbbbbbbbbbb", "s-ccccccccccccccccc"
GROUPS = {
    "g1": GroupMembers("g1", "One", "111111111111", "us-east-1", (A, B)),
    "g2": GroupMembers("g2", "Two", "111111111111", "us-east-1", (C,)),
}


def plan(*waves: dict[str, object]) -> RecoveryPlanSpec:
    return RecoveryPlanSpec.model_validate({"name": "P", "waves": list(waves)})


def test_depends_on_defaults_to_the_previous_wave_and_empty_means_none() -> None:
    p = plan(
        {"name": "a", "protectionGroupIds": ["g1"]},
        {"name": "b", "protectionGroupIds": ["g2"]},
        {"name": "c", "protectionGroupIds": ["g2"], "dependsOn": []},
    )
    assert [w.depends_on for w in p.waves] == [[], ["a"], []]


def test_a_wave_launches_its_subset_or_all_of_its_groups() -> None:
    p = plan({"name": "a", "protectionGroupIds": ["g1", "g2"], "serverIds": [B]})
    assert wave_servers(p.waves[0], GROUPS) == [B]
    whole = plan({"name": "a", "protectionGroupIds": ["g1", "g2"]})
    assert wave_servers(whole.waves[0], GROUPS) == [A, B, C]


def test_structure_rules_are_all_reported_at_once() -> None:
    p = plan(
        {"name": "a", "protectionGroupIds": ["g1", "g1"], "dependsOn": ["a"]},
        {"name": "A", "protectionGroupIds": ["g2"], "dependsOn": ["nope"]},
    )
    codes = {(v.field, v.code) for v in structure_violations(p)}
    assert codes == {
        ("waves[1].name", "DUPLICATE_WAVE_NAME"),
        ("waves[0].protectionGroupIds[1]", "DUPLICATE_PROTECTION_GROUP"),
        ("waves[0].dependsOn[0]", "SELF_DEPENDENCY"),
        ("waves[1].dependsOn[0]", "UNKNOWN_WAVE_DEPENDENCY"),
    }


def test_reference_rules_pass_for_a_good_plan() -> None:
    p = plan(
        {"name": "a", "protectionGroupIds": ["g1"]}, {"name": "b", "protectionGroupIds": ["g2"]}
    )
    assert reference_violations(p, GROUPS) == []
    assert structure_violations(p) == []


@pytest.mark.parametrize(
    "wave",
    [
        {"name": "a", "protectionGroupIds": []},
        {"name": "a", "protectionGroupIds": ["g1"], "onFailure": "retry"},
        {"name": "a", "protectionGroupIds": ["g1"], "timeoutMinutes": 0},
        {"name": "a", "protectionGroupIds": ["g1"], "waveId": "wave-1"},
    ],
)
def test_malformed_waves_are_refused(wave: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        plan(wave)
