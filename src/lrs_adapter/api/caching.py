"""ETag and 304 on every GET: a client polling the feed or a state sends back the ETag it was given
(`If-None-Match`) and, when nothing changed, gets 304 and no body.

The tag is weak (`W/"…"`), a hash of the JSON before compression: the same answer gzipped or not is the same
representation to the client, which a strong tag would have to tell apart (RFC 9110 8.8.3). Answers carry
`Cache-Control: no-store` (api/headers.py): a shared cache keeps nothing, the client keeps the tag itself.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def entity_tag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def matches(if_none_match: str, tag: str) -> bool:
    """Weak comparison, as If-None-Match asks (RFC 9110 13.1.2): `*`, or any listed tag with the same opaque part."""
    wanted = tag.removeprefix("W/")
    given = [part.strip().removeprefix("W/") for part in if_none_match.split(",")]
    return "*" in given or wanted in given


class EntityTags:
    """Pure ASGI: a GET's 200 answer is held until its body is complete (the API's answers are pages, not streams),
    tagged, and answered 304 when the client already holds it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        body = bytearray()

        async def tagged(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] == 200:
                start = message
                return
            if start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            tag = entity_tag(bytes(body))
            headers = MutableHeaders(scope=start)
            headers["ETag"] = tag
            if if_none_match and matches(if_none_match, tag):
                for name in ("content-length", "content-type"):
                    del headers[name]
                await send({**start, "status": 304})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, tagged)
