"""The group's Launch settings tab in a real browser, on an emulator that serves EC2 too:
settings written as YAML (a fault named by its field), a bulk override, each value's source,
apply followed to the end, and drift after an edit made in EC2 by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from drs_orchestrator.emulator.ec2 import Network
from tests.integration.conftest import ADMIN_PASSWORD
from tests.integration.conftest import sign_in as api_sign_in
from tests.integration.ec2_estate import REGION, aws, edit_default, estate, network
from tests.integration.web.conftest import ConsoleErrors, shot
from tests.integration.web.test_accessibility import axe, serious
from tests.integration.web.test_console import sign_in

pytestmark = pytest.mark.integration
__all__ = ["aws", "estate", "network"]  # fixtures


@pytest.fixture
def base_url(_api: tuple[Any, str], aws: Any) -> str:
    return _api[1]


@pytest.fixture
def http(_api: tuple[Any, str], aws: Any) -> Iterator[httpx.Client]:
    with api_sign_in(_api[1] + "/api/v1", "admin", ADMIN_PASSWORD) as signed_in:
        yield signed_in


def count(page: Page, label: str) -> Any:
    """The number under a state's label in the Drift summary."""
    return expect(page.locator(f'[data-launch-count="{label}"]'))


def write_settings(page: Page, network: Network, errors: ConsoleErrors) -> None:
    """Settings typed as YAML: a fault first (named by its field), then good ones."""
    page.get_by_role("button", name="Edit", exact=True).click()
    editor = page.get_by_label("Launch settings (YAML)")
    editor.fill(f"defaults:\n  subnetId: {network.subnet_ids[1]}\n  privateIp: 10.200.0.9\n")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The launch settings were not saved")).to_be_visible()
    expect(page.get_by_text("defaults.privateIp").first).to_be_visible()  # the field at fault
    errors.expect("status of 400")
    editor.fill(
        f"defaults:\n  subnetId: {network.subnet_ids[1]}\n  instanceType: r6i.large\n"
        "  targetInstanceTypeRightSizingMethod: NONE\n"
        "tagRules:\n  - matchTags: {Tier: db}\n    settings: {instanceType: r6i.2xlarge}\n"
    )
    page.get_by_role("button", name="Save", exact=True).click()


def test_settings_overrides_apply_and_drift_from_the_console(
    page: Page,
    base_url: str,
    http: httpx.Client,
    aws: Any,
    *,
    network: Network,
    errors: ConsoleErrors,
) -> None:
    _, drs, ec2 = aws
    group = http.post(
        "/protection-groups",
        json={"name": "Shop db", "region": REGION, "serverSelector": {"tags": {"Tier": "db"}}},
    ).json()
    first = group["serverIds"][0]
    sign_in(page, base_url, f"/protection-groups/{group['id']}")
    page.get_by_role("tab", name="Launch settings").click()
    expect(page).to_have_url(re.compile(r"\?tab=launch-settings$"))
    count(page, "NOT_APPLIED").to_have_text("3")

    write_settings(page, network, errors)
    expect(page.get_by_text("Settings, version 1")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=first)
    expect(row).to_contain_text("r6i.2xlarge")
    expect(row).to_contain_text("Tag rule 1")

    expect(row).to_contain_text("10.100.2.0/24")  # the subnet's address range beside its ID
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Edit overrides (1)").click()
    expect(page.get_by_text("In 10.100.2.0/24, not its first four addresses")).to_be_visible()
    page.get_by_label("Static private IP").fill("10.100.9.9")
    page.get_by_role("button", name="Save overrides").click()
    expect(page.get_by_text("is not in", exact=False).first).to_be_visible()
    errors.expect("status of 400")
    page.get_by_label("Static private IP").fill("10.100.2.50")
    assert serious(axe(page)) == []  # the dialog too
    page.get_by_role("button", name="Save overrides").click()
    expect(page.get_by_text("Settings, version 2")).to_be_visible()
    expect(row).to_contain_text("10.100.2.50")
    page.get_by_role("button", name="Edit overrides (1)").click()  # opens with what is set
    expect(page.get_by_label("Static private IP")).to_have_value("10.100.2.50")
    page.keyboard.press("Escape")
    expect(row).to_contain_text("Override")

    page.get_by_role("button", name="Apply to DRS and EC2").click()
    expect(page.get_by_text("Applied version 2")).to_be_visible()
    expect(page.get_by_text("3 servers: 3 changed, 0 unchanged, 0 failed")).to_be_visible()
    count(page, "IN_SYNC").to_have_text("3")
    shot(page, "launch-settings-1280")
    assert serious(axe(page)) == []

    edit_default(drs, ec2, first, InstanceType="m5.large")
    page.get_by_role("button", name="Check again").click()
    count(page, "DRIFTED").to_have_text("1")
    expect(row).to_contain_text("Drifted")
    expect(row).to_contain_text("held: m5.large")
    page.set_viewport_size({"width": 1440, "height": 900})
    shot(page, "launch-settings-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "launch-settings-390")
    assert serious(axe(page)) == []
