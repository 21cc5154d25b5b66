"""The security headers every API answer carries, set by one middleware.

The report page is the API's only HTML and a manager's team is personal data, so every answer says: run nothing but
the page's own stylesheet (the report's Content-Security-Policy), never inside another site's frame (clickjacking:
`frame-ancestors 'none'` and, for older browsers, X-Frame-Options), never guess a content type (nosniff), send no
Referer (the page's URLs name a manager) and keep no copy (no-store). HSTS belongs to the TLS proxy in front.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lrs_adapter.report.page import CONTENT_SECURITY_POLICY

SECURITY_HEADERS = {
    "Content-Security-Policy": f"{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """Pure ASGI (no BaseHTTPMiddleware): the headers are added to the response's start, the body streams as is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
