"""Incremental reads of an LRS's statements, and where it is safe to put the bookmark.

The rules, from xAPI and from LRSs met in the wild:
- `since` is exclusive and a page can cut a group of statements that share one `stored`: each run starts a
  millisecond before the bookmark and intake dedupes the re-read by id.
- The pages are asked for by `since` (xapi/paging.py), not by following `more`: a `more` chain may leave statements
  out (Learning Locker's in-memory service follows it by comparing UUID-v1 ids as text, an order that wraps every
  few minutes). Paging ends only once a request finds nothing new, so the bookmark never passes a statement not yet
  received.
- `X-Experience-API-Consistent-Through` says up to when the LRS's answers are complete; the first one fixes the
  run's upper bound and the bookmark never goes past it. Statements found after a page the LRS said was its last,
  that it had vouched for, mean its `more` chain lied: a warning, and a note in the run log.
- An LRS whose `since` applies to `timestamp` (Ralph, `since_field = "timestamp"`) cannot be paged by it: its `more`
  chain is followed, the overlap re-read on the next run, and, as it does not serve ascending order across pages
  (Ralph reverses each page only), its bookmark moved only at the end of a complete run, never page by page, so a
  killed run leaves no gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import pairwise

import structlog

from lrs_adapter.config import ConnectorConfig, LrsConfig
from lrs_adapter.model.statements import Accepted, Cursor
from lrs_adapter.model.timestamps import format_instant, format_since, parse_timestamp
from lrs_adapter.sources import Page
from lrs_adapter.xapi.client import StatementPage, XapiClient
from lrs_adapter.xapi.paging import SincePages

log = structlog.get_logger(__name__)

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
        self.newest: str | None = None  # newest value of the `since` field taken in during this run
        self.chain_newest: str | None = None  # the newest taken in on a `more` chain, whose pages must ascend
        self.paging: SincePages | None = None
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
        """The connector's query, without `since`."""
        params = {"ascending": "true", "limit": str(self.lrs.page_size)}
        if self.connector.verb:
            params["verb"] = self.connector.verb
        if self.connector.activity:
            params["activity"] = self.connector.activity
            if self.connector.related_activities:
                params["related_activities"] = "true"
        return params

    def pages(self) -> Iterator[Page]:
        """Paged by `since` on `stored`; an LRS whose `since` is on `timestamp` by its `more` chain."""
        since = self.since()
        if self.lrs.since_field == "stored":
            self.paging = SincePages(self.client, self.query(), since)
            pages: Iterable[StatementPage] = self.paging
        else:
            query = self.query() | ({"since": format_since(since)} if since is not None else {})
            pages = self.client.statement_pages(query)
        for number, page in enumerate(pages, start=1):
            # The run's first page fixes the bound. Consistent-Through vouches for `stored`; a cursor on `timestamp`
            # relies on the overlap alone.
            if number == 1 and page.consistent_through is not None and self.lrs.since_field == "stored":
                self.bound = format_instant(page.consistent_through)
            label = f"{page.url} (page {number})"
            statements = [(f"{label} #{index}", item) for index, item in enumerate(page.statements)]
            yield Page(label, statements, size=sum(len(item) for item in page.statements))
        self._report()

    def _report(self) -> None:
        if self.paging is not None and self.paging.hidden:
            note = (
                f"the LRS's `more` chain ended early: paging by `since` found {self.paging.hidden} statements stored"
                " before its X-Experience-API-Consistent-Through after a page it said was its last; they were taken in"
            )
            log.warning(note, lrs=self.lrs.name, connector=self.connector.name, found=self.paging.hidden)
            self.notes.append(note)
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
        """The newest value taken in, up to the bound. Paged by `since`, everything before it was received (a page
        starts where the pages before it stopped); a `more` chain must also ascend, or the cursor waits for the end."""
        values = [self._value(item) for item in accepted]
        if values:
            newest = max(values)
            if self.paging is None:
                in_order = all(a <= b for a, b in pairwise(values))
                if not in_order or (self.chain_newest is not None and values[0] < self.chain_newest):
                    self.ascending = False
                self.chain_newest = max(self.chain_newest or newest, newest)
            self.newest = max(self.newest or newest, newest)
        return self._cursor() if self.ascending else None

    def finish(self) -> Cursor | None:
        """Every page is in, and paging ended on a request that found nothing new: the LRS vouched for everything up
        to its Consistent-Through, so the bookmark goes there."""
        if not self.ascending:
            self.notes.append(
                "the LRS did not serve statements in ascending order across pages: the cursor moved only at the end"
            )
        if self.bound is not None:
            return Cursor(
                max(self.bound, self.previous.position if self.previous else self.bound), "consistent_through"
            )
        return self._cursor()
