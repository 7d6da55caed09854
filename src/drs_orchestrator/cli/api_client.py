"""The CLI's HTTP client of the REST API: where it is, who you are, and readable failures."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import typer
from httpx_sse import ServerSentEvent, connect_sse

from drs_orchestrator.cli.consoles import err

DEFAULT_API = "http://127.0.0.1:8080/api/v1"


def credentials_file() -> Path:
    base = os.environ.get("DRSO_CONFIG_DIR") or Path.home() / ".config" / "drs-orchestrator"
    return Path(base) / "credentials.json"


def save_credentials(api: str, token: str) -> Path:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(json.dumps({"api": api, "token": token}))
    return path


def _saved() -> dict[str, str]:
    try:
        data = json.loads(credentials_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def api_url(option: str | None) -> str:
    return (option or os.environ.get("DRSO_API_URL") or _saved().get("api") or DEFAULT_API).rstrip(
        "/"
    )


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail", ""))
        self.status = status
        self.problem = problem


class UnreachableError(Exception):
    """The API did not answer (down, restarting, network): the caller may try again."""


def raise_for_problem(answer: httpx.Response) -> None:
    if answer.status_code >= 400:
        try:
            problem = answer.json()
        except ValueError:
            problem = {"detail": answer.text, "code": f"HTTP_{answer.status_code}"}
        raise ApiError(answer.status_code, problem)


class Api:
    def __init__(self, url: str | None, token: str | None = None) -> None:
        self.url = api_url(url)
        token = token or os.environ.get("DRSO_TOKEN") or _saved().get("token")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.attempt(method, path, **kwargs)
        except UnreachableError as error:
            err.print(f"Cannot reach the API at {self.url}: {error}", style="red")
            err.print("Start it with `drs-orchestrator serve`, or pass --api URL.")
            raise typer.Exit(2) from None

    def attempt(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request: UnreachableError when the API does not answer, ApiError for a problem."""
        try:
            answer = self.http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise UnreachableError(str(error) or type(error).__name__) from error
        raise_for_problem(answer)
        return answer

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        return answer.json() if answer.content else None

    def events(self, path: str, after: str | None) -> Iterator[ServerSentEvent]:
        """A server-sent event stream, resumed after the event ID `after`; UnreachableError when
        the connection cannot be made or drops."""
        headers = {"Last-Event-ID": after} if after is not None else {}
        try:
            with connect_sse(self.http, "GET", path, headers=headers) as source:
                if source.response.status_code >= 400:
                    source.response.read()
                    raise_for_problem(source.response)
                yield from source.iter_sse()
        except httpx.TransportError as error:
            raise UnreachableError(str(error) or type(error).__name__) from error

    def all_pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.json(
                "GET",
                path,
                params={**params, "limit": 1000, **({"cursor": cursor} if cursor else {})},
            )
            items += page["items"]
            if not (cursor := page.get("nextCursor")):
                return items


def report(error: ApiError) -> None:
    """Print a problem answer the way an operator needs it: what, where, why."""
    p = error.problem
    fields = p.get("errors") or []
    detail = p.get("detail", "")
    if detail == "; ".join(f"{e['field']}: {e['message']}" for e in fields):
        detail = ""  # it only repeats the field lines below
    err.print(
        f"{p.get('code', 'ERROR')} ({error.status})" + (f": {detail}" if detail else ""),
        style="red",
    )
    for e in fields:
        err.print(f"  {e['field']}: {e['message']} [{e['code']}]")
    for c in p.get("conflicts") or []:
        err.print(f"  {c['serverId']} is in {c['protectionGroupName']} ({c['protectionGroupId']})")
    if p.get("code") == "INVALID_CREDENTIALS":
        err.print("Check the username and the password (both are case-sensitive).")
    elif error.status == 401:
        err.print("Sign in with `drs-orchestrator login`, or set DRSO_TOKEN.")
    if p.get("code") == "PASSWORD_CHANGE_REQUIRED":
        err.print("Change your one-time password with `drs-orchestrator password`.")
