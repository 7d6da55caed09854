"""The interactive API docs: Swagger UI served from packaged files, same-origin, offline.

The assets come from the `fastapi-offline` distribution on PyPI (it packages Swagger UI's
build); the page and its start-up script are ours, so no inline script is needed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent
ASSETS = Path(str(resources.files("fastapi_offline") / "static"))


def mount(app: FastAPI, prefix: str) -> None:
    app.mount(f"{prefix}/docs/assets", StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(HERE / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get(f"{prefix}/docs/init.js", include_in_schema=False)
    def init() -> FileResponse:
        return FileResponse(HERE / "init.js", media_type="text/javascript")
