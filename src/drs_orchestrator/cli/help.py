"""Help that reads as words: `--host HOST`, `--api URL`, not `<str>` or `<int>`. Typer has no
setting for this, so its display hook is replaced here, once, for every option and argument."""

from __future__ import annotations

import click
from typer.core import TyperArgument, TyperOption


def _option_type(self: TyperOption, ctx: click.Context) -> str | None:
    """What follows the option: its metavar, else its name (`--region REGION`)."""
    if self.is_flag or self.count:
        return None
    shown = self.metavar or (self.name or "value").upper()
    return f"{shown}..." if self.nargs != 1 or self.multiple else shown


def _argument_type(self: TyperArgument, ctx: click.Context) -> str | None:
    return None  # the argument's name (`PLAN`) already says it


def _argument_usage(self: TyperArgument) -> str:
    """`run PLAN`, `lint [PLAN]`: as click and most CLIs write it, not `{PLAN}`."""
    name = self.metavar or (self.name or "value").upper()
    name = name if self.required else f"[{name}]"
    return f"{name}..." if self.nargs != 1 else name


def install() -> None:
    TyperOption.display_type_rich = _option_type  # type: ignore[method-assign,assignment]
    TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]
    TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]
