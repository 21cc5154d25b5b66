"""The store as the API reaches it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lrs_adapter.store import Database, open_store


class Store:
    """A connection per request, opened and closed in the thread that serves it (SQLite connections stay in the
    thread that made them; PostgreSQL's are cheap beside a client's HTTP round trip)."""

    def __init__(self, url: str) -> None:
        self.url = url
        open_store(url).close()  # migrate once, at start-up, not on every request

    @contextmanager
    def open(self) -> Iterator[Database]:
        db = Database(self.url)
        try:
            yield db
        finally:
            db.close()
