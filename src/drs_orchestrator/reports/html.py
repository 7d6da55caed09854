"""The report as one self-contained HTML page an auditor can read on its own."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from drs_orchestrator.domain import display
from drs_orchestrator.reports.evidence import Report

_ENV = Environment(
    loader=PackageLoader("drs_orchestrator.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def moment(at: datetime | None) -> str:
    """In UTC, named: a report is read anywhere, later, by people in other zones."""
    return display.moment(None if at is None else at.astimezone(UTC))


_ENV.filters["duration"] = display.duration
_ENV.filters["plural"] = display.plural
_ENV.filters["kind"] = functools.partial(display.label, display.KIND)
_ENV.filters["transition_state"] = display.transition_state
for _name in ("EXECUTION", "WAVE", "SERVER", "HOOK", "CLEANUP", "MODE", "SITE_EVENT"):
    _ENV.filters[_name.lower()] = functools.partial(display.label, getattr(display, _name))
_ENV.filters["moment"] = moment


def render(report: Report) -> str:
    return _ENV.get_template("report.html").render(r=report)


def _style_hash() -> str:
    """The CSP source of the report's one inline style, so a strict policy can allow it
    (and nothing else inline) wherever the report is shown."""
    source = _ENV.loader.get_source(_ENV, "report.html")[0]  # type: ignore[union-attr]
    found = re.search(r"<style>(.*?)</style>", source, re.DOTALL)
    assert found is not None, "the report template has its style block"
    digest = hashlib.sha256(found.group(1).encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


STYLE_SOURCE = _style_hash()
# The report on its own: its style, nothing else; not to be framed by anyone.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {STYLE_SOURCE}; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
