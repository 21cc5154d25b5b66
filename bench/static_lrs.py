"""The cheapest LRS there can be: statements from a JSON Lines file, served with `since`, `limit` and `more` honoured.

Why not ``python -m http.server`` over pre-cut pages (as before): it ignores the query, so the pull's cursor (its
paging by ``since``, ``more`` within one stored instant) was never exercised, and every ``since`` got page 1
back. Why not only Learning Locker: its own cost (about 12x a static file) hides the adapter's. So this serves the
bytes of each statement as written (no parsing, no JSON building beyond the page's envelope) from an index of
``stored`` values (epoch milliseconds, ascending) and line offsets that the benchmark writes beside the file.

    python bench/static_lrs.py DIRECTORY PORT     (DIRECTORY holds export.jsonl, stored.bin, offsets.bin)
"""

from __future__ import annotations

import mmap
import sys
from array import array
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
DEFAULT_LIMIT = 100


def epoch_ms(text: str) -> int:
    """An xAPI timestamp (as the adapter sends ``since``) as whole epoch milliseconds, rounded down."""
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return (instant - EPOCH) // MILLISECOND


class Statements:
    """The file's statements by position, and where a query's page starts."""

    def __init__(self, directory: Path) -> None:
        self.stored = array("q", (directory / "stored.bin").read_bytes())
        self.offsets = array("q", (directory / "offsets.bin").read_bytes())
        with (directory / "export.jsonl").open("rb") as file:
            self.data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)

    def start(self, since: str | None) -> int:
        """The first statement stored strictly after ``since`` (xAPI's ``since`` is exclusive)."""
        return 0 if since is None else bisect_right(self.stored, epoch_ms(since))

    def page(self, start: int, limit: int) -> tuple[bytes, int]:
        """A StatementResult's ``statements`` array body from ``start``, and the position after it."""
        end = min(start + limit, len(self.stored))
        if end <= start:
            return b"", start
        chunk = self.data[self.offsets[start] : self.offsets[end]]
        return chunk.rstrip(b"\n").replace(b"\n", b","), end


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as an LRS behind a real web server
    statements: Statements

    def do_GET(self) -> None:  # http.server's name
        parts = urlsplit(self.path)
        if parts.path.rstrip("/").lower() != "/xapi/statements":
            self.send_error(404)
            return
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        limit = int(query.get("limit", DEFAULT_LIMIT)) or DEFAULT_LIMIT
        start = int(query["from"]) if "from" in query else self.statements.start(query.get("since"))
        body, end = self.statements.page(start, limit)
        more = f"/xapi/statements?from={end}&limit={limit}" if end < len(self.statements.stored) and body else ""
        payload = b'{"statements":[' + body + b'],"more":"' + more.encode() + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Experience-API-Version", "1.0.3")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # http.server's names
        """Quiet: a log line per page would cost more than the page."""


def main(argv: list[str]) -> int:
    directory, port = Path(argv[0]), int(argv[1])
    Handler.statements = Statements(directory)
    with ThreadingHTTPServer(("127.0.0.1", port), Handler) as server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
