"""How many people were red, amber, green, exempt or had nothing due at each of a series of past days (a month's
last day, for a safeguarding board's "are we improving?"), from the evidence known now. Pure: the people, their
evidence and the days in, counts out; the store is read by `pipeline/trend.py`.

Each day counts the people on the roster then: assigned on or before it and not left by it (a leaver counts up to
the day before leaving, as the roster import dates it). Everyone is evaluated with today's evidence and
exemptions, replaying only what happened on or before the day (the engine's rule 3), so a completion recorded late
changes the months after it happened, as `status --as-of` would show them today.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from lrs_adapter.rules.engine import AMBER, EXEMPT, GREEN, NONE, RED, Params, Piece, states_on

#: The statuses a trend counts, most urgent first (as the report page orders them).
STATUSES = (RED, AMBER, GREEN, EXEMPT, NONE)


@dataclass(frozen=True)
class Tracked:
    """One person's certification as the store holds it today: their roster dates, evidence and exemption."""

    learner: str
    certification: str
    assigned_on: date | None
    left_on: date | None
    pieces: Sequence[Piece]
    params: Params
    routes: dict[str, tuple[tuple[str, ...], ...]]
    exempt_until: date | None = None

    def on_roster(self, day: date) -> bool:
        return (self.assigned_on is None or self.assigned_on <= day) and (self.left_on is None or day < self.left_on)


@dataclass(frozen=True)
class Month:
    """The counts of one day (a month's last): people per status, in `STATUSES` order, and how many in all."""

    day: date
    counts: dict[str, int]

    @property
    def people(self) -> int:
        return sum(self.counts.values())


def month_ends(first: date, last: date) -> list[date]:
    """The last day of each month from `first`'s to `last`'s, both included (days within them are ignored)."""
    ends, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def trend(tracked: Iterable[Tracked], days: Sequence[date]) -> list[Month]:
    """The counts per status on each of `days` (ascending), of those of `tracked` on the roster that day."""
    counts = [Counter[str]() for _ in days]
    for one in tracked:
        present = [index for index, day in enumerate(days) if one.on_roster(day)]
        if not present:
            continue
        states = states_on(
            one.pieces,
            params=one.params,
            days=[days[index] for index in present],
            assigned_on=one.assigned_on,
            routes=one.routes,
            exempt_until=one.exempt_until,
        )
        for index, state in zip(present, states, strict=True):
            counts[index][state.status] += 1
    return [Month(day, {status: found[status] for status in STATUSES}) for day, found in zip(days, counts, strict=True)]
