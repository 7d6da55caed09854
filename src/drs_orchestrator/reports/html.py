"""The report as one self-contained HTML page an auditor can read on its own."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from drs_orchestrator.reports.evidence import Report

_ENV = Environment(
    loader=PackageLoader("drs_orchestrator.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def duration(seconds: float | None) -> str:
    """`1 h 02 min 05 s`, `4 min 10 s`, `12 s`; an em dash when unknown."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def moment(at: datetime | None) -> str:
    return "—" if at is None else at.strftime("%Y-%m-%d %H:%M:%S UTC")


_ENV.filters["duration"] = duration
_ENV.filters["moment"] = moment


def render(report: Report) -> str:
    return _ENV.get_template("report.html").render(r=report)
