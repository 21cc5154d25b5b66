"""Incremental reads of an LRS's statements, and where it is safe to put the bookmark.

The rules, from xAPI and from LRSs met in the wild:
- `since` is exclusive and page boundaries can split statements that share one `stored`: each run starts a
  millisecond before the bookmark and intake dedupes the re-read by id.
- `X-Experience-API-Consistent-Through` says up to when the LRS's answers are complete; the first one fixes the
  run's upper bound and the bookmark never goes past it.
- A `more` chain may end early (Learning Locker's in-memory service follows `more` by comparing UUID-v1 ids as
  text, an order that wraps every few minutes): when it ends, a closing query asks again from the last `stored`
  received (a millisecond before it, the connector's filters kept). What it finds is taken in, its chain followed,
  and another closing query asked, until one finds nothing after the last `stored` received; only then may the
  bookmark go to Consistent-Through. Statements found that the LRS had vouched for (stored up to its
  Consistent-Through) mean the chain lied: a warning, and a note in the run log.
- An LRS that sends no such header (Ralph) gets `overlap_seconds` re-read on the next run.
- An LRS that does not serve ascending order across pages (Ralph reverses each page only) gets its bookmark moved
  only at the end of a complete run, never page by page, so a killed run leaves no gap.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime, timedelta
from itertools import pairwise

import structlog

from lrs_adapter.config import ConnectorConfig, LrsConfig
from lrs_adapter.model.statements import Accepted, Cursor
from lrs_adapter.model.timestamps import format_instant, format_since, parse_timestamp
from lrs_adapter.sources import Page
from lrs_adapter.xapi.client import XapiClient

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
        self.at_newest: set[str] = set()  # ids of the statements taken in with that value
        self.chain_newest: str | None = None  # the same within the chain being read, whose pages must ascend
        self.closing_from: str | None = None  # while a closing query's pages are taken in: the newest before it
        self.closing_known: frozenset[str] = frozenset()  # and the ids taken in with that value
        self.found = 0  # statements closing queries found after the newest received before them
        self.lied = 0  # of those, the ones stored up to Consistent-Through: the chain should have given them
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

    def query(self, since: datetime | None) -> dict[str, str]:
        params = {"ascending": "true", "limit": str(self.lrs.page_size)}
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
        """The `more` chain from the cursor, then closing queries until one finds nothing new."""
        yield from self._chain(self.query(self.since()), closing=False)
        yield Page("(the chain's pages taken in)", [], wait=True)
        closing = self._closing_point()
        while closing is not None and (yield from self._closing_query(closing)):
            closing = self._closing_point()
        self._report()

    def _chain(self, query: dict[str, str], *, closing: bool) -> Iterator[Page]:
        self.chain_newest = None
        for number, page in enumerate(self.client.statement_pages(query), start=1):
            # The run's first page fixes the bound. Consistent-Through vouches for `stored`; a cursor on `timestamp`
            # relies on the overlap alone.
            first = number == 1 and not closing
            if first and page.consistent_through is not None and self.lrs.since_field == "stored":
                self.bound = format_instant(page.consistent_through)
            label = f"{page.url} ({'closing query, ' if closing else ''}page {number})"
            statements = [(f"{label} #{index}", item) for index, item in enumerate(page.statements)]
            yield Page(label, statements, size=sum(len(item) for item in page.statements))

    def _closing_point(self) -> str | None:
        """Where the next closing query starts: the newest value received, unless nothing was received (the query
        that came back empty was its own closing query) or the chain went past Consistent-Through (what is beyond
        is the next run's)."""
        if self.newest is None or (self.bound is not None and self.newest >= self.bound):
            return None
        return self.newest

    def _closing_query(self, start: str) -> Generator[Page, None, int]:
        """One closing query, its chain followed and taken in; how many statements it found after `start`."""
        self.closing_from, self.closing_known, found_before = start, frozenset(self.at_newest), self.found
        since = parse_timestamp(start)
        assert since is not None
        yield from self._chain(self.query(since - BOUNDARY), closing=True)
        yield Page("(the closing query's pages taken in)", [], wait=True)
        self.closing_from = None
        return self.found - found_before

    def _report(self) -> None:
        if self.lied:
            note = (
                f"the LRS's `more` chain ended early: a closing query found {self.lied} statements stored before its"
                " X-Experience-API-Consistent-Through after the last one the chain gave; they were taken in"
            )
            log.warning(note, lrs=self.lrs.name, connector=self.connector.name, found=self.lied)
            self.notes.append(note)
        elif self.found and self.bound is None:
            self.notes.append(
                f"a closing query found {self.found} statements after the `more` chain ended (written during the run,"
                " or the chain ended early: without X-Experience-API-Consistent-Through the LRS does not say which);"
                " they were taken in"
            )
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
            if not in_order or (self.chain_newest is not None and values[0] < self.chain_newest):
                self.ascending = False
            self.chain_newest = max(self.chain_newest or values[-1], max(values))
            if self.closing_from is not None:
                self._count_found(accepted, values, self.closing_from)
            self._take_newest(accepted, values)
        return self._cursor() if self.ascending else None

    def _take_newest(self, accepted: list[Accepted], values: list[str]) -> None:
        newest = max(values)
        if self.newest is None or newest > self.newest:
            self.newest, self.at_newest = newest, set()
        if newest == self.newest:
            self.at_newest.update(item.id for item, value in zip(accepted, values, strict=True) if value == newest)

    def _count_found(self, accepted: list[Accepted], values: list[str], start: str) -> None:
        """New to this run: after `start`, or at `start` and not among the statements taken in with it (the closing
        query re-reads that millisecond)."""
        new = [
            value
            for item, value in zip(accepted, values, strict=True)
            if value > start or (value == start and item.id not in self.closing_known)
        ]
        self.found += len(new)
        if self.bound is not None:
            self.lied += sum(1 for value in new if value <= self.bound)

    def finish(self) -> Cursor | None:
        """Every page is in and a closing query found nothing more (pages() ends only then): the LRS vouched for
        everything up to its Consistent-Through, so the bookmark goes there."""
        if not self.ascending:
            self.notes.append(
                "the LRS did not serve statements in ascending order across pages: the cursor moved only at the end"
            )
        if self.bound is not None:
            return Cursor(
                max(self.bound, self.previous.position if self.previous else self.bound), "consistent_through"
            )
        return self._cursor()
