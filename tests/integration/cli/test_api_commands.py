"""The CLI's API commands as an operator runs them, against the API server over real HTTP.

`login` saves a token that later commands use; failures print the API's code and field and
exit non-zero; `plan apply | export | diff | lint` round-trip the shipped demo plan file.
"""

from __future__ import annotations

import json
import socket
import stat
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from typer.testing import CliRunner, Result

from drs_orchestrator.cli.main import app
from tests.integration.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.integration
SHOP_PLAN = resources.files("drs_orchestrator.cli").joinpath("shop-plan.yaml").read_text()

Run = Callable[..., Result]


@pytest.fixture
def backend() -> str:
    """The CLI adds nothing store-specific; the API tests cover both backends."""
    return "sqlite"


@pytest.fixture
def run(api_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """`run("pg", "list", input=...)`: the CLI in-process, with its own config directory."""
    monkeypatch.setenv("DRSO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("DRSO_TOKEN", raising=False)
    monkeypatch.delenv("DRSO_API_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


@pytest.fixture
def signed_in(run: Run, api_url: str) -> Run:
    result = run("login", "--username", "admin", "--password", ADMIN_PASSWORD, "--api", api_url)
    assert result.exit_code == 0, result.output
    return run


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP_PLAN)
    return path


# --- signing in -------------------------------------------------------------------------


def test_login_saves_a_private_token_that_later_commands_use(
    run: Run, api_url: str, tmp_path: Path
) -> None:
    result = run("login", "--api", api_url, input=f"admin\n{ADMIN_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    saved = tmp_path / "config" / "credentials.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["api"] == api_url
    # No --api and no DRSO_TOKEN: the saved URL and token are used.
    assert as_json(run("pg", "list", "--json")) == []


def test_a_wrong_password_is_refused_and_nothing_is_saved(
    run: Run, api_url: str, tmp_path: Path
) -> None:
    result = run("login", "--username", "admin", "--password", "wrong", "--api", api_url)

    assert result.exit_code == 1
    assert "INVALID_CREDENTIALS (401)" in result.stderr
    assert "drs-orchestrator login" not in result.stderr  # they are running it
    assert "Check the username and the password" in result.stderr
    assert not (tmp_path / "config" / "credentials.json").exists()


def test_without_a_token_commands_say_how_to_sign_in(run: Run, api_url: str) -> None:
    result = run("pg", "list", "--api", api_url)

    assert result.exit_code == 1
    assert "UNAUTHENTICATED (401)" in result.stderr
    assert "drs-orchestrator login" in result.stderr


def test_a_token_from_the_environment_wins_over_the_saved_one(
    signed_in: Run, api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRSO_TOKEN", "not-a-token")

    result = signed_in("pg", "list")

    assert result.exit_code == 1
    assert "(401)" in result.stderr


def test_an_unreachable_api_is_named_with_what_to_do(run: Run) -> None:
    with socket.socket() as s:  # a port nobody listens on: bind one, then close it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run("pg", "list", "--api", f"http://127.0.0.1:{port}/api/v1")

    assert result.exit_code == 2
    assert f"Cannot reach the API at http://127.0.0.1:{port}/api/v1" in result.stderr
    assert "drs-orchestrator serve" in result.stderr


# --- discovery and protection groups ----------------------------------------------------


def test_servers_lists_the_region_with_groups(signed_in: Run, admin: httpx.Client) -> None:
    listed = as_json(signed_in("servers", "--region", "us-east-1", "--json"))
    from_api = admin.get("/drs/source-servers", params={"region": "us-east-1"}).json()["items"]

    assert [s["sourceServerId"] for s in listed] == [s["sourceServerId"] for s in from_api]
    table = signed_in("servers", "--region", "us-east-1")
    assert table.exit_code == 0, table.output
    assert all(s["hostname"] in table.stdout for s in listed)


def test_pg_create_by_tag_then_show_and_delete(
    signed_in: Run, server_ids: Callable[[str, str], list[str]]
) -> None:
    made = as_json(
        signed_in(
            "pg", "create", "Shop DB", "--region", "us-east-1",
            "--tag", "App=shop", "--tag", "Tier=db", "--json",
        )
    )  # fmt: skip
    assert made["serverIds"] == server_ids("us-east-1", "db")
    assert made["serverSelector"] == {"tags": {"App": "shop", "Tier": "db"}}

    shown = signed_in("pg", "show", "shop db")  # names match in any case
    assert shown.exit_code == 0, shown.output
    assert all(s in shown.stdout for s in made["serverIds"])
    listed = signed_in("pg", "list")
    assert "Shop DB" in listed.stdout
    assert 'tags {"App": "shop", "Tier": "db"}' in listed.stdout

    deleted = signed_in("pg", "delete", made["id"])
    assert deleted.exit_code == 0, deleted.output
    assert as_json(signed_in("pg", "list", "--json")) == []


def test_pg_launch_settings_set_from_a_file_then_show_and_a_fault_named_by_field(
    signed_in: Run, tmp_path: Path, moto_endpoint: str
) -> None:
    ec2 = boto3.client(
        "ec2", region_name="us-east-1", endpoint_url=moto_endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    vpc = ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    # a zone named: moto picks one at random, and t3.large is not offered in every one
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="172.16.1.0/24", AvailabilityZone="us-east-1a")[
        "Subnet"
    ]["SubnetId"]
    signed_in("pg", "create", "Shop DB", "--region", "us-east-1", "--tag", "Tier=db")
    before = signed_in("pg", "launch-settings", "show", "Shop DB")
    assert "no launch settings saved" in before.stdout, before.output
    good = tmp_path / "good.yaml"
    good.write_text(f"defaults:\n  instanceType: t3.large\n  subnetId: {subnet}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"defaults:\n  subnetId: {subnet}\n  privateIp: 172.16.1.0\n")

    saved = signed_in("pg", "launch-settings", "set", "Shop DB", str(good))
    refused = signed_in("pg", "launch-settings", "set", "Shop DB", str(bad))

    assert saved.exit_code == 0, saved.output
    assert "v1" in saved.stdout
    shown = signed_in("pg", "launch-settings", "show", "Shop DB")
    assert "launch settings v1, saved by admin" in shown.stdout
    assert f"subnetId: {subnet}" in shown.stdout
    assert refused.exit_code != 0
    assert "LAUNCH_SETTINGS_INVALID" in refused.output
    assert "defaults.privateIp" in refused.output
    assert as_json(signed_in("pg", "launch-settings", "show", "Shop DB", "--json"))["version"] == 1


def test_pg_create_with_an_unknown_server_names_the_field(signed_in: Run) -> None:
    result = signed_in(
        "pg", "create", "Bad", "--region", "us-east-1", "--server", "s-00000000000000000"
    )

    assert result.exit_code == 1
    assert "INVALID_SERVER_IDS (400)" in result.stderr
    assert "sourceServerIds[0]" in result.stderr
    assert as_json(signed_in("pg", "list", "--json")) == []


def test_pg_create_refuses_a_malformed_tag_before_calling_the_api(signed_in: Run) -> None:
    result = signed_in("pg", "create", "Bad", "--region", "us-east-1", "--tag", "Tier")

    assert result.exit_code == 2
    assert "--tag takes KEY=VALUE" in result.stdout


def test_pg_create_lists_the_conflicting_servers(
    signed_in: Run, server_ids: Callable[[str, str], list[str]]
) -> None:
    db = server_ids("us-east-1", "db")
    as_json(
        signed_in("pg", "create", "First", "--region", "us-east-1", "--server", db[0], "--json")
    )

    result = signed_in("pg", "create", "Second", "--region", "us-east-1", "--server", db[0])

    assert result.exit_code == 1
    assert "SERVER_ASSIGNMENT_CONFLICT (409)" in result.stderr
    assert f"{db[0]} is in First" in result.stderr


def test_pg_show_of_an_unknown_group_says_so(signed_in: Run) -> None:
    result = signed_in("pg", "show", "Nope")

    assert result.exit_code == 1
    assert "GROUP_NOT_FOUND: No protection group named or with ID 'Nope'" in result.stderr


# --- plans as code ----------------------------------------------------------------------


def test_plan_apply_creates_groups_and_plan_then_has_nothing_to_do(
    signed_in: Run, shop_file: Path, admin: httpx.Client
) -> None:
    first = signed_in("plan", "apply", "-f", str(shop_file), "--yes")

    assert first.exit_code == 0, first.output
    assert "+  name: Shop" in first.stdout  # the diff is shown before applying
    for name in ("Shop databases", "Shop application", "Shop web"):
        assert f"created protection group {name}" in first.stdout
    assert "created recovery plan Shop (version 1)" in first.stdout
    plans = admin.get("/recovery-plans").json()["items"]
    assert [(p["name"], [w["name"] for w in p["waves"]]) for p in plans] == [
        ("Shop", ["Databases", "Application", "Web"])
    ]

    again = signed_in("plan", "apply", "-f", str(shop_file))
    assert again.exit_code == 0, again.output
    assert "Shop is already as the file says; nothing to do." in again.stdout


def test_plan_export_round_trips_through_diff(
    signed_in: Run, shop_file: Path, tmp_path: Path
) -> None:
    signed_in("plan", "apply", "-f", str(shop_file), "--yes")
    exported = tmp_path / "exported.yaml"

    result = signed_in("plan", "export", "shop", "-o", str(exported))

    assert result.exit_code == 0, result.output
    assert "serverSelector" in exported.read_text()
    same = signed_in("plan", "diff", "Shop", "-f", str(exported))
    assert same.exit_code == 0, same.output
    assert "No differences." in same.stdout
    to_stdout = signed_in("plan", "export", "Shop")
    assert to_stdout.stdout == exported.read_text()


def test_plan_diff_shows_the_change_and_apply_asks_first(
    signed_in: Run, shop_file: Path, admin: httpx.Client
) -> None:
    signed_in("plan", "apply", "-f", str(shop_file), "--yes")
    shop_file.write_text(SHOP_PLAN.replace("rtoTargetMinutes: 90", "rtoTargetMinutes: 45"))

    diff = signed_in("plan", "diff", "Shop", "-f", str(shop_file))
    assert diff.exit_code == 1
    assert "-  rtoTargetMinutes: 90" in diff.stdout
    assert "+  rtoTargetMinutes: 45" in diff.stdout

    declined = signed_in("plan", "apply", "-f", str(shop_file), input="n\n")
    assert declined.exit_code == 1
    (plan,) = admin.get("/recovery-plans").json()["items"]
    assert (plan["version"], plan["rtoTargetMinutes"]) == (1, 90)

    accepted = signed_in("plan", "apply", "-f", str(shop_file), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "updated recovery plan Shop to version 2" in accepted.stdout
    versions = admin.get(f"/recovery-plans/{plan['id']}/versions").json()["items"]
    assert sorted(v["version"] for v in versions) == [1, 2]


def test_plan_apply_updates_a_changed_group(
    signed_in: Run, shop_file: Path, server_ids: Callable[[str, str], list[str]]
) -> None:
    signed_in("plan", "apply", "-f", str(shop_file), "--yes")
    shop_file.write_text(SHOP_PLAN.replace("tags: {App: shop, Tier: web}", "tags: {Tier: web}"))

    result = signed_in("plan", "apply", "-f", str(shop_file), "--yes")

    assert result.exit_code == 0, result.output
    assert "updated protection group Shop web" in result.stdout
    groups = {g["name"]: g for g in as_json(signed_in("pg", "list", "--json"))}
    assert groups["Shop web"]["serverSelector"] == {"tags": {"Tier": "web"}}
    assert groups["Shop web"]["serverIds"] == server_ids("us-east-1", "web")


def test_plan_apply_reports_the_api_refusal_with_its_field(
    signed_in: Run, shop_file: Path, admin: httpx.Client
) -> None:
    broken = SHOP_PLAN.replace("      dependsOn: []\n", "      dependsOn: [Web]\n")
    shop_file.write_text(broken)

    result = signed_in("plan", "apply", "-f", str(shop_file), "--yes")

    assert result.exit_code == 1
    assert "(400)" in result.stderr
    assert "waves[0].dependsOn" in result.stderr
    assert admin.get("/recovery-plans").json()["items"] == []


def test_a_malformed_plan_file_is_refused_with_the_path(signed_in: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SHOP_PLAN.replace("rtoTargetMinutes: 90", "rtoTargetMinutes: soon"))

    result = signed_in("plan", "apply", "-f", str(path), "--yes")

    assert result.exit_code == 1
    assert f"{path}: plan.rtoTargetMinutes" in result.stderr
    missing = signed_in("plan", "diff", "Shop", "-f", str(tmp_path / "absent.yaml"))
    assert missing.exit_code == 1
    assert "No such file or directory" in missing.stderr


def test_plan_lint_by_name_finds_the_stalled_web_server(signed_in: Run, shop_file: Path) -> None:
    signed_in("plan", "apply", "-f", str(shop_file), "--yes")

    result = signed_in("plan", "lint", "Shop", "--json")

    report = json.loads(result.stdout)
    assert result.exit_code == (0 if report["ok"] else 1)
    stalled = [f for f in report["findings"] if f["code"] == "SERVER_NOT_CONTINUOUS"]
    assert stalled, report
    assert {f["wave"] for f in stalled} == {"Web"}
    table = signed_in("plan", "lint", "Shop")
    assert "SERVER_NOT_CONTINUOUS" in table.stdout


def test_plan_lint_of_a_file_warns_about_groups_not_applied(
    signed_in: Run, shop_file: Path
) -> None:
    result = signed_in("plan", "lint", "-f", str(shop_file), "--json")

    assert "Not applied yet, so not checked against DRS: Shop application, Shop databases" in (
        result.stderr
    )
    json.loads(result.stdout)  # stdout holds only the JSON


def test_plan_lint_needs_exactly_one_of_name_and_file(signed_in: Run, shop_file: Path) -> None:
    both = signed_in("plan", "lint", "Shop", "-f", str(shop_file))
    neither = signed_in("plan", "lint")

    assert both.exit_code == neither.exit_code == 1
    assert "Give a plan name or -f FILE" in both.stderr


def test_plan_export_of_an_unknown_plan_fails(signed_in: Run) -> None:
    result = signed_in("plan", "export", "Nope")

    assert result.exit_code == 1
    assert "PLAN_NOT_FOUND: No recovery plan named 'Nope'" in result.stderr


# --- users --------------------------------------------------------------------------------


def test_users_create_list_delete(signed_in: Run, api_url: str) -> None:
    made = signed_in(
        "users", "create", "olivia", "--role", "operator", "--password", "pw-olivia-1", "--json"
    )
    assert as_json(made)["roles"] == ["operator"]
    assert "olivia" in [u["username"] for u in as_json(signed_in("users", "list", "--json"))]

    as_olivia = signed_in("login", "--username", "olivia", "--password", "pw-olivia-1")
    assert as_olivia.exit_code == 0, as_olivia.output
    refused = signed_in("users", "list")
    assert refused.exit_code == 1
    assert "FORBIDDEN (403)" in refused.stderr

    signed_in("login", "--username", "admin", "--password", ADMIN_PASSWORD)
    deleted = signed_in("users", "delete", "olivia")
    assert deleted.exit_code == 0, deleted.output
    assert "olivia" not in [u["username"] for u in as_json(signed_in("users", "list", "--json"))]


def test_users_create_with_an_unknown_role_names_the_field(signed_in: Run) -> None:
    result = signed_in("users", "create", "x", "--role", "superuser", input="pw-x-12345\n" * 2)

    assert result.exit_code == 1
    assert result.stderr.count("roles[0]") == 1  # the field once, not again in the detail


def test_login_with_a_one_time_password_says_how_to_change_it_and_password_does(
    run: Run, api_url: str, admin: httpx.Client
) -> None:
    made = admin.post(
        "/users",
        json={"username": "newbie", "password": "temporary-1", "roles": ["operator"],
              "passwordChangeRequired": True},
    )  # fmt: skip
    assert made.status_code == 201

    signed = run("login", "--username", "newbie", "--password", "temporary-1", "--api", api_url)
    refused = run("pg", "list")
    changed = run("password", "--current", "temporary-1", "--new", "mine-at-last")
    listed = run("pg", "list")

    assert signed.exit_code == 0, signed.output
    assert "drs-orchestrator password" in signed.stdout
    assert refused.exit_code == 1
    assert "PASSWORD_CHANGE_REQUIRED (403)" in refused.stderr
    assert "drs-orchestrator password" in refused.stderr
    assert changed.exit_code == 0, changed.output
    assert "earlier tokens no longer work" in changed.stdout
    assert listed.exit_code == 0, listed.output  # with the token `password` saved
    again = run("login", "--username", "newbie", "--password", "mine-at-last", "--api", api_url)
    assert "one-time" not in again.stdout
