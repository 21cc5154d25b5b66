"""An LRS's Statement resource served by `responses`, for the tests that need what a real LRS will not do on demand
(a Consistent-Through of the test's choosing, or none; hostile items in a page). It answers as xAPI says: `since`
exclusive on `stored` (as instants), ascending `stored` order, `limit`, and an honest `more` link (an offset into the
same answer) when more statements follow.

Items are statements (dicts), anything else a hostile LRS might put in `statements`, or a statement's JSON text
(bytes, sent as it is). An item without a readable `stored` is in the answer only when no `since` is asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import orjson
import requests
import responses

from lrs_adapter.model.timestamps import parse_timestamp

EARLIEST = datetime.min.replace(tzinfo=UTC)


def _stored(item: Any) -> datetime | None:
    if isinstance(item, bytes):
        try:
            item = orjson.loads(item.decode(errors="replace"))
        except orjson.JSONDecodeError:
            return None
    return parse_timestamp(item.get("stored")) if isinstance(item, dict) else None


def _answer(items: list[Any], query: dict[str, str], path: str) -> bytes:
    since = parse_timestamp(query.get("since"))
    chosen = [item for item in items if since is None or ((at := _stored(item)) is not None and at > since)]
    if query.get("ascending") == "true":
        chosen.sort(key=lambda item: _stored(item) or EARLIEST)
    skip, limit = int(query.get("skip", "0")), int(query.get("limit", "0")) or len(chosen) or 1
    page = chosen[skip : skip + limit]
    more = f"{path}?{urlencode(query | {'skip': str(skip + limit)})}" if skip + limit < len(chosen) else ""
    texts = [item if isinstance(item, bytes) else orjson.dumps(item) for item in page]
    return b'{"statements": [' + b",".join(texts) + b'], "more": ' + orjson.dumps(more) + b"}"


def serve_statements(endpoint: str, items: list[Any], consistent_through: str | None = None) -> None:
    """Answer GET `endpoint`statements (and its `more` links) from `items`, for as long as the test's `responses`
    mock is active; `consistent_through` goes in every answer's header."""
    headers = {"X-Experience-API-Consistent-Through": consistent_through} if consistent_through else {}
    url = endpoint + "statements"

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(str(request.url))
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return 200, {"Content-Type": "application/json", **headers}, _answer(items, query, parts.path)

    responses.add_callback(responses.GET, url, callback=answer)
