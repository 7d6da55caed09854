"""Security headers on every answer: the console, the API, errors, streams, static files.

Written as a small ASGI middleware rather than taken from a library (`secure` was weighed):
two things here are per answer, which the library's middleware does not do: HSTS only when
the request came over TLS, and a route's own Content-Security-Policy (the HTML report's,
which allows its inline style and nothing else) is kept instead of overwritten.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drs_orchestrator.reports import html

# Same origin only; no inline script, no eval, nothing framed, nothing posted elsewhere. The
# one inline style allowed is the evidence report's (shown inside the console), by its hash.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {html.STYLE_SOURCE}",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
_FIXED: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
_SET_HERE = {name for name, _ in _FIXED} | {b"server", b"strict-transport-security"}


def secured(
    headers: list[tuple[bytes, bytes]], *, tls: bool, api: bool
) -> list[tuple[bytes, bytes]]:
    kept = [(n, v) for n, v in headers if n.lower() not in _SET_HERE]
    names = {n.lower() for n, _ in kept}
    out = kept + _FIXED
    if b"content-security-policy" not in names:
        out.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
    if api and b"cache-control" not in names:  # answers carry who may do what: keep no copy
        out.append((b"cache-control", b"no-store"))
    if tls:
        out.append((b"strict-transport-security", HSTS.encode()))
    return out


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"
        path = str(scope.get("path", ""))
        # API answers are not kept; the docs' packaged assets may be, like the console's
        api = path.startswith("/api/") and not path.startswith("/api/v1/docs/assets/")

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": secured(list(message.get("headers", [])), tls=tls, api=api),
                }
            await send(message)

        await self.app(scope, receive, send_secured)
