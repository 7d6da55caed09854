"""Every command explains itself, in words: help text, metavars like `URL` and `PLAN`, and
no option marked required when the command asks for it."""

from __future__ import annotations

import click
import pytest
import typer
from typer.testing import CliRunner

from drs_orchestrator.cli.main import app

pytestmark = pytest.mark.unit


def commands(group: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if hasattr(group, "commands"):  # a group (typer's are not click.Group subclasses)
        for name, sub in group.commands.items():
            found += commands(sub, (*path, name))
    return found


ROOT = typer.main.get_command(app)
ALL = commands(ROOT)[1:]


def _command(path: tuple[str, ...]) -> click.Command:
    command = ROOT
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_every_command_has_help_in_words(path: tuple[str, ...]) -> None:
    assert (_command(path).help or "").strip(), f"{' '.join(path)} has no help"
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})

    assert shown.exit_code == 0, shown.output
    for machine_word in ("<str>", "<bool>", "<int>", "{", "[env"):
        assert machine_word not in shown.output.replace("[env DRSO", "(env DRSO")


def test_executions_commands_the_issue_named_have_help() -> None:
    for name in ("list", "show", "resume", "approve"):
        assert _command(("executions", name)).help


def test_login_asks_rather_than_requiring_options() -> None:
    shown = CliRunner().invoke(app, ["login", "--help"], env={"COLUMNS": "200"})

    assert "required" not in shown.output
    assert "--password PASSWORD" in shown.output
    assert "--api URL" in shown.output


def test_the_version() -> None:
    shown = CliRunner().invoke(app, ["--version"])

    assert shown.exit_code == 0
    assert shown.output.startswith("drs-orchestrator ")
