"""Security headers on every answer (OWASP ASVS V14.4), as a plain ASGI middleware (streams pass through).

- ``X-Content-Type-Options: nosniff``: a browser takes the declared content type, never guesses;
- ``X-Frame-Options: SAMEORIGIN``: another site cannot frame jejo's pages (click-jacking);
- ``Referrer-Policy: same-origin``: page addresses (codes in them) do not leak to other sites;
- ``Strict-Transport-Security`` when the request came over HTTPS.
"""

from __future__ import annotations

from typing import Any

Scope = dict[str, Any]
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS + ([HSTS] if scope.get("scheme") == "https" else [])

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
