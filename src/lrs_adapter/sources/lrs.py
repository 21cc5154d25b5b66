"""Incremental reads of an LRS's statements, and where it is safe to put the bookmark.

The rules, from xAPI and from LRSs met in the wild:
- `since` is exclusive and page boundaries can split statements that share one `stored`: each run starts a
  millisecond before the bookmark and intake dedupes the re-read by id.
- `X-Experience-API-Consistent-Through` says up to when the LRS's answers are complete; the first one fixes the
  run's upper bound and the bookmark never goes past it.
- An LRS that sends no such header (Ralph) gets `overlap_seconds` re-read on the next run.
- An LRS that does not serve ascending order across pages (Ralph reverses each page only) gets its bookmark moved
  only at the end of a complete run, never page by page, so a killed run leaves no gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise

from lrs_adapter.config import ConnectorConfig, LrsConfig
from lrs_adapter.model.statements import Accepted, Cursor
from lrs_adapter.model.timestamps import format_instant, format_since, parse_timestamp
from lrs_adapter.sources import Page
from lrs_adapter.xapi.client import XapiClient

BOUNDARY = timedelta(milliseconds=1)


class LrsStatements:
    kind = "lrs"

    def __init__(
        self,
        client: XapiClient,
        lrs: LrsConfig,
        connector: ConnectorConfig,
        cursor: Cursor | None,
        *,
        full: bool,
    ) -> None:
        self.client, self.lrs, self.connector = client, lrs, connector
        self.previous = None if full else cursor
        self.bound: str | None = None  # Consistent-Through of the run's first page
        self.newest: str | None = None  # newest value of the `since` field seen in this run
        self.ascending = True
        self.notes: list[str] = []

    def since(self) -> datetime | None:
        if self.previous is None:
            return self.connector.since
        position = parse_timestamp(self.previous.position)
        assert position is not None
        if self.previous.basis == "newest_seen":
            position -= timedelta(seconds=self.lrs.overlap_seconds)
        return position - BOUNDARY

    def query(self) -> dict[str, str]:
        params = {"ascending": "true", "limit": str(self.lrs.page_size)}
        since = self.since()
        if since is not None:
            params["since"] = format_since(since)
        if self.connector.verb:
            params["verb"] = self.connector.verb
        if self.connector.activity:
            params["activity"] = self.connector.activity
            if self.connector.related_activities:
                params["related_activities"] = "true"
        return params

    def pages(self) -> Iterator[Page]:
        for number, page in enumerate(self.client.statement_pages(self.query()), start=1):
            # Consistent-Through vouches for `stored`; a cursor on `timestamp` relies on the overlap alone.
            if number == 1 and page.consistent_through is not None and self.lrs.since_field == "stored":
                self.bound = format_instant(page.consistent_through)
            label = f"{page.url} (page {number})"
            statements = [(f"{label} #{index}", item) for index, item in enumerate(page.statements)]
            yield Page(label, statements, size=sum(len(item) for item in page.statements))
        if self.bound is None:
            why = (
                "the cursor is on timestamp (since_field)"
                if self.lrs.since_field == "timestamp"
                else "the LRS sent no X-Experience-API-Consistent-Through header"
            )
            self.notes.append(
                f"{why}: the next run re-reads the last {self.lrs.overlap_seconds:g} s"
                f" (lrs.{self.lrs.name}.overlap_seconds)"
            )

    def _value(self, item: Accepted) -> str:
        return item.timestamp if self.lrs.since_field == "timestamp" else item.stored

    def _cursor(self) -> Cursor | None:
        candidates = [value for value in (self.newest, self.previous and self.previous.position) if value]
        if not candidates:
            return None
        position = max(candidates)
        if self.bound is not None:
            return Cursor(min(position, self.bound), "consistent_through")
        return Cursor(position, "newest_seen")

    def advance(self, accepted: list[Accepted]) -> Cursor | None:
        values = [self._value(item) for item in accepted]
        if values:
            in_order = all(a <= b for a, b in pairwise(values))
            if not in_order or (self.newest is not None and values[0] < self.newest):
                self.ascending = False
            self.newest = max(self.newest or values[-1], max(values))
        return self._cursor() if self.ascending else None

    def finish(self) -> Cursor | None:
        """Every page is in: the LRS vouched for everything up to its Consistent-Through, so the bookmark goes there."""
        if not self.ascending:
            self.notes.append(
                "the LRS did not serve statements in ascending order across pages: the cursor moved only at the end"
            )
        if self.bound is not None:
            return Cursor(
                max(self.bound, self.previous.position if self.previous else self.bound), "consistent_through"
            )
        return self._cursor()
