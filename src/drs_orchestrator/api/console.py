"""The web console: the built single-page app, served at `/` next to the API.

Paths under /assets are Vite's hashed files and may be cached for ever; every other path that
is not the API answers index.html, so the console's own routes survive a reload."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.convertors import Convertor, register_url_convertor

STATIC = Path(__file__).parent / "static"

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>drs-orchestrator</title></head><body style="font-family:sans-serif;margin:3em">
<h1>The console is not built</h1>
<p>Run <code>make web</code> (or <code>make demo</code>), then reload. The API is at
<a href="/api/v1/docs">/api/v1/docs</a>.</p></body></html>"""


class ConsolePath(Convertor[str]):
    """Any path but the API's, whose unknown paths stay 404 (and wrong methods 405)."""

    regex = r"(?!api(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("console", ConsolePath())


def mount(app: FastAPI, root: Path = STATIC) -> None:
    index = root / "index.html"
    if (root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=root / "assets"), name="assets")

    @app.get("/{path:console}", include_in_schema=False)
    def console(path: str) -> Response:
        file = (root / path).resolve()
        if path and file.is_file() and file.is_relative_to(root.resolve()):
            return FileResponse(file)
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        # index.html names this build's hashed assets: never serve a stale one.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
