"""Serving the emulator over HTTP: in the foreground (CLI) or on a background thread."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp

from .app import create_app
from .emulator import Emulator

if TYPE_CHECKING:
    from .ec2 import Ec2Server


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back from the socket)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that name it,
    # and without it every response waits ~40 ms on Nagle and delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def endpoint_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def _server(app: ASGIApp, log_level: str, graceful_seconds: int | None = None) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=graceful_seconds,
        )
    )


def serve_forever(emulator: Emulator, sock: socket.socket, log_level: str = "warning") -> None:
    _server(create_app(emulator), log_level).run(sockets=[sock])


class ServerThread:
    """Any ASGI app on a daemon thread, for tests, benchmarks and the demo (the orchestrator's
    API uses it too).

    `with ServerThread(app) as url:` yields the base URL once it accepts calls.
    """

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        graceful_seconds: int | None = None,
    ) -> None:
        self._sock = bind(host, port)
        self.endpoint = endpoint_of(self._sock)
        # None: stop() waits for open connections; a number: open streams are cut after it.
        self._server = _server(app, "warning", graceful_seconds)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.01)
        return self.endpoint

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EmulatorThread(ServerThread):
    """The emulator on a daemon thread: `with EmulatorThread(emulator) as endpoint:`. When
    the emulator keeps EC2, EC2 (and IAM) are served too, at `ec2_endpoint`."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_app(emulator), host, port)
        self.emulator = emulator
        self._ec2: Ec2Server | None = None
        self.ec2_endpoint: str | None = None
        if emulator.ec2 is not None:
            from .ec2 import Ec2Server

            self._ec2 = Ec2Server(emulator.lock, host, counts=emulator.ec2.counts)
            self.ec2_endpoint = self._ec2.endpoint

    def start(self) -> str:
        if self._ec2 is not None:
            self._ec2.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        if self._ec2 is not None:
            self._ec2.stop()
