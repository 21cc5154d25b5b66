"""A statement query read page by page with `since`, rather than by following the LRS's `more` chain.

Why: a `more` chain is the LRS's own cursor, and one may be wrong. Learning Locker's in-memory service sorts a query by
(stored, record id) but follows `more` with `record id > cursor`, comparing UUID-v1 ids as text, an order that wraps
every 7 minutes: its chains leave statements out, in their middle or at their end, and nothing in the chain shows it.
`since` is xAPI's own (exclusive; with ascending=true the results are in `stored` order), so each page is asked for
afresh from where the pages before it stopped:

- A page whose statements have several `stored` instants: the next request starts from the newest instant before
  its last one, so the page's final group (the statements sharing its last `stored`, which the page's limit may have
  cut) is asked for again; the group's statements already received are not handed on twice.
- A page that is one group (more statements share one `stored` than a page holds): `since` cannot split it, so its
  `more` chain is followed while it stays in that group, then the next request starts from that `stored`. Within one
  instant the chain is all there is.
- The pull ends when a request brings nothing new and the LRS says nothing follows (no `more`).

`stored` is compared as an instant, whatever its precision: `since` is sent in milliseconds (Learning Locker compares
it as text), so a statement is placed at its `mark`, the first millisecond at or after its `stored` (the least
`since` that leaves it out). A page whose statements are not in `stored` order, or come from before the `since` asked,
shows an LRS that does not page as xAPI says: a `protocol` error, since paging it by `since` would lose statements.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Annotated, Any

import msgspec

from lrs_adapter.errors import ProtocolError
from lrs_adapter.model.timestamps import format_since, parse_timestamp
from lrs_adapter.xapi.client import StatementPage, XapiClient

MILLISECOND = timedelta(milliseconds=1)


class _Position(msgspec.Struct):
    """What paging reads of a statement (msgspec skips the rest of its text, and reads an RFC 3339 `stored` itself,
    about 1 us a statement)."""

    id: Any = None
    stored: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class _AnyPosition(msgspec.Struct):
    """The same when `stored` is not RFC 3339: read as xAPI reads timestamps (model/timestamps.py)."""

    id: Any = None
    stored: Any = None


_POSITION = msgspec.json.Decoder(_Position)
_ANY_POSITION = msgspec.json.Decoder(_AnyPosition)


@dataclass(frozen=True)
class Placed:
    """A statement of a page: who it is within the run (its id, or its text when it has none) and its `stored`."""

    key: str | bytes
    stored: datetime | None


def mark(stored: datetime) -> datetime:
    """The first millisecond at or after `stored`: a `since` of it or later leaves the statement out."""
    past = timedelta(microseconds=stored.microsecond % 1000)
    return stored if not past else stored - past + MILLISECOND


def floor_millisecond(instant: datetime) -> datetime:
    """What an LRS reads of `instant` as a `since` (format_since sends milliseconds)."""
    return instant - timedelta(microseconds=instant.microsecond % 1000)


def place(statements: list[bytes]) -> list[Placed]:
    """Each statement's identity and `stored`; a statement unreadable here is placed by its text, without `stored`
    (intake quarantines it; the page's other statements still place the next request)."""
    return [_placed(text) for text in statements]


def _placed(text: bytes) -> Placed:
    position: _Position | _AnyPosition
    try:
        position = _POSITION.decode(text)
        stored = position.stored
    except msgspec.ValidationError:
        try:
            position = _ANY_POSITION.decode(text)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return Placed(text, None)
        stored = parse_timestamp(position.stored)
    except msgspec.DecodeError:
        return Placed(text, None)
    return Placed(position.id if isinstance(position.id, str) else text, stored.astimezone(UTC) if stored else None)


@dataclass
class SincePages:
    """The statements of a query (`params`, without `since`) after `since`, page by page, each statement handed on
    once. `hidden` counts the statements found after the first page the LRS said was its last (no `more`) that it had
    vouched for (stored up to the Consistent-Through of its first answer): following its chain would have lost them."""

    client: XapiClient
    params: Mapping[str, str]
    since: datetime | None
    hidden: int = 0
    consistent_through: datetime | None = None
    _said_last: datetime | None = None  # the newest `stored` of the first page the LRS said was its last

    def __iter__(self) -> Iterator[StatementPage]:
        since, group = self.since, frozenset[str | bytes]()
        while True:
            pages = self.client.statement_pages(self._query(since))
            page = next(pages)
            placed = place(page.statements)
            if self.consistent_through is None:
                self.consistent_through = page.consistent_through
            self._check(page, placed, since)
            fresh = [index for index, item in enumerate(placed) if item.key not in group]
            yield self._handed_on(page, placed, fresh)
            marks = [mark(item.stored) for item in placed if item.stored is not None]
            if (not fresh and page.more is None) or not page.statements:
                return
            if not marks:
                raise ProtocolError(
                    f"LRS {self.client.lrs.name!r} answered {page.url} with statements none of which has a readable"
                    " `stored`: the next page cannot be asked for by `since`. Report this to the LRS's vendor."
                )
            last = max(marks)
            before = [value for value in marks if value < last]
            if before:
                since = max(before)
                group = frozenset(item.key for item in placed if item.stored is not None and mark(item.stored) > since)
            else:
                yield from self._rest_of_group(pages, page, last, since)
                since, group = last, frozenset()

    def _query(self, since: datetime | None) -> dict[str, str]:
        return {**self.params, "since": format_since(since)} if since is not None else dict(self.params)

    def _rest_of_group(
        self, pages: Iterator[StatementPage], page: StatementPage, last: datetime, since: datetime | None
    ) -> Iterator[StatementPage]:
        """The rest of a group bigger than a page, by its `more` chain: the chain's statements up to `last`, until it
        goes past it (what follows is asked for by `since`) or ends."""
        while page.more is not None:
            page = next(pages)
            placed = place(page.statements)
            self._check(page, placed, since)
            within = [i for i, item in enumerate(placed) if item.stored is None or mark(item.stored) <= last]
            yield self._handed_on(page, placed, within)
            if len(within) < len(placed):
                return

    def _handed_on(self, page: StatementPage, placed: list[Placed], indexes: list[int]) -> StatementPage:
        """The page with only the statements at `indexes`; those the LRS had said were not there are counted."""
        if page.more is None and self._said_last is None:
            self._said_last = max((item.stored for item in placed if item.stored is not None), default=None)
        if self._said_last is not None and self.consistent_through is not None:
            self.hidden += sum(
                1
                for index in indexes
                if (stored := placed[index].stored) is not None and self._said_last < stored <= self.consistent_through
            )
        return replace(page, statements=[page.statements[index] for index in indexes])

    def _check(self, page: StatementPage, placed: list[Placed], since: datetime | None) -> None:
        """An LRS that pages as xAPI says: statements after `since`, in `stored` order."""
        stored = [item.stored for item in placed if item.stored is not None]
        sent = floor_millisecond(since) if since is not None else None
        if sent is not None and any(mark(value) <= sent for value in stored):
            raise ProtocolError(
                f"LRS {self.client.lrs.name!r} answered {page.url} with statements stored at or before its `since`:"
                " it does not apply `since` to `stored`, so it cannot be paged by it. If it applies `since` to"
                f' `timestamp` (Ralph does), set since_field = "timestamp" in [lrs.{self.client.lrs.name}].'
            )
        if any(later < earlier for earlier, later in pairwise(stored)):
            raise ProtocolError(
                f"LRS {self.client.lrs.name!r} answered {page.url} (ascending=true) with statements out of `stored`"
                " order, so it cannot be paged by `since`. If it orders by something else (Ralph reverses each page),"
                f' set since_field = "timestamp" in [lrs.{self.client.lrs.name}]: its `more` chain is then followed.'
            )
