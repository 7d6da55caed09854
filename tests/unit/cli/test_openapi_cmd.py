"""`drs-orchestrator openapi` writes the document the console's types are generated from."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from drs_orchestrator.cli.main import app


def test_openapi_writes_the_document_without_a_database(tmp_path: Path) -> None:
    target = tmp_path / "out" / "openapi.json"
    result = CliRunner().invoke(app, ["openapi", "-o", str(target)])
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text())
    assert "/api/v1/executions/{execution_id}/events" in document["paths"]
    schemas = document["components"]["schemas"]
    assert schemas["ExecutionStatus"]["enum"][:2] == ["PENDING", "RUNNING"]
    assert schemas["WaveProgress"]["properties"]["status"] == {
        "$ref": "#/components/schemas/WaveStatus"
    }
    assert not list(tmp_path.glob("*.db"))
