"""Schemathesis hooks for `schemathesis run --checks all` against our API (see
test_schemathesis.py): one check stands in for `positive_data_acceptance`.

A request the schema allows must be accepted, except where no schema can say why it is
not: a refusal our own rules decide from the state of things (a cursor this API never issued,
an account this deployment does not reach, a recovery not confirmed by the plan's name, an
unknown protection group, deleting yourself, a stale If-Match). Those are the codes our code
raises as domain refusals (found in the source, below); a refusal of the request's shape (a
pattern, a length, a type, a missing field, NUL) is still a failure here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import schemathesis

SRC = Path(__file__).parents[3] / "src" / "drs_orchestrator"
# Of the codes our rules raise, those about the request's shape, which the schema does say.
SHAPE = {"INVALID_IF_MATCH", "FIELD_REQUIRED", "NAME_NOT_TRIMMED"}
# A cross-parameter rule no schema here says: `region` is needed unless protectionGroupId.
CROSS_PARAMETER = {("FIELD_REQUIRED", "region")}
ACCEPTED = {401, 403, 404, 409, 429}


def raised_codes() -> set[str]:
    """Every CODE_LIKE_THIS our rules pass when they refuse (to Violation, a domain error,
    PydanticCustomError, a helper, a table of checks): the domain, the services, DRS's
    answers and the routes. The boundary's and pydantic's shape codes are not among them."""
    found: set[str] = set()
    for folder in ("domain", "service", "drs", "api/routes"):
        for path in (SRC / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                values: list[ast.expr] = []
                if isinstance(node, ast.Call):
                    values = [*node.args, *(k.value for k in node.keywords)]
                elif isinstance(node, ast.Tuple):
                    values = list(node.elts)
                found |= {
                    v.value
                    for v in values
                    if isinstance(v, ast.Constant)
                    and isinstance(v.value, str)
                    and re.fullmatch(r"[A-Z]+(?:_[A-Z]+)+", v.value)
                }
    return found - SHAPE


SEMANTIC = raised_codes() | {"INVALID_CURSOR", "DRS_NOT_INITIALIZED", "VERSION_MISMATCH"}


def _semantic(error: dict[str, Any]) -> bool:
    return (
        error.get("code") in SEMANTIC or (error.get("code"), error.get("field")) in CROSS_PARAMETER
    )


def _mislabelled(case: Any, error: dict[str, Any]) -> bool:
    """Schemathesis's coverage phase sends some header values its schema's pattern refuses
    (`If-Match: 0`) as if they were valid: such a request is not schema-valid."""
    headers = {k.lower(): v for k, v in (case.headers or {}).items()}
    field = str(error.get("field", "")).lower()
    schemas = {
        p.name.lower(): p.definition.get("schema", {})
        for p in case.operation.headers
        if hasattr(p, "definition")
    }
    pattern = schemas.get(field, {}).get("pattern")
    return field in headers and pattern is not None and not re.search(pattern, headers[field])


def _excused(case: Any, body: dict[str, Any]) -> bool:
    errors = body.get("errors") or [{"field": "", "code": body.get("code")}]
    return all(_semantic(e) or _mislabelled(case, e) for e in errors)


@schemathesis.check
def positive_data_accepted_unless_semantic(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    status = response.status_code
    if meta is None or not meta.generation.mode.is_positive or status < 400 or status in ACCEPTED:
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if status in {400, 412} and _excused(case, body):
        return None
    raise AssertionError(
        f"Schema-valid request refused with {status} {body.get('code')}: "
        f"{body.get('detail')} (phase {meta.phase.name})"
    )
