"""Reminders: which `due_soon` and `overdue_reminder` a learner is owed as of a day. Pure: the state, the
certification's offsets, what was already raised and the day each offset was switched on in; the one reminder to
raise (or none) out.

A reminder is about one due date: `due_soon` falls an offset before it (`reminders` in the mapping), and
`overdue_reminder`, the escalation that also goes to the line manager, an offset after it (`escalations`). The
rules, each stated in the README:
- it goes out only while it still applies on the day it is raised: `due_soon` while the learner is amber for that
  due date, `overdue_reminder` while red for it; so no one exempt, certified again (a new due date) or off the
  roster (a leaver) gets one, and a new due date ends the old date's reminders;
- at most once per learner, due date (the cycle) and offset;
- when several offsets have passed unsent (no run on the day), only the most urgent goes, and a less urgent one is
  never sent after a more urgent one of the same due date;
- an offset whose day passed before it was switched on (the mapping gained it, or the adapter was installed) is
  never sent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from lrs_adapter.model.period import Period

DUE_SOON, OVERDUE_REMINDER = "due_soon", "overdue_reminder"
AMBER, RED = "amber", "red"  # the engine's statuses these reminders follow (rules/engine.py)
#: The status each kind of reminder needs on the day it is raised.
APPLIES_WHILE = {DUE_SOON: AMBER, OVERDUE_REMINDER: RED}


@dataclass(frozen=True)
class Schedule:
    """A certification's offsets from its mapping: `reminders` before the due date, `escalations` after it."""

    reminders: tuple[Period, ...] = ()
    escalations: tuple[Period, ...] = ()

    def offsets(self) -> dict[str, tuple[Period, ...]]:
        return {DUE_SOON: self.reminders, OVERDUE_REMINDER: self.escalations}


@dataclass(frozen=True, order=True)
class Reminder:
    """One reminder about `due_on`: its kind, its offset as written in ISO 8601 (`str(Period)`), and its day."""

    due_on: date
    kind: str
    offset: str
    day: date


#: When each (kind, offset) was switched on: reminders whose day is earlier are never sent.
Enabled = Mapping[tuple[str, str], date]


def reminders_of(kind: str, offsets: Sequence[Period], due_on: date) -> list[Reminder]:
    """Every reminder of `kind` about `due_on`, on its day."""
    if kind == DUE_SOON:
        return [Reminder(due_on, kind, str(offset), offset.before(due_on)) for offset in offsets]
    return [Reminder(due_on, kind, str(offset), offset.after(due_on)) for offset in offsets]


def _kind_of(status: str) -> str | None:
    return next((kind for kind, needed in APPLIES_WHILE.items() if needed == status), None)


def due_reminder(
    status: str,
    due_on: date | None,
    schedule: Schedule,
    *,
    sent: Collection[Reminder],
    enabled: Enabled,
    as_of: date,
    on_roster: bool,
) -> Reminder | None:
    """The reminder to raise as of `as_of`, or None. `status`/`due_on`: the learner's state as of that day;
    `sent`: the reminders already raised for them (any due date); `enabled`: when each offset was switched on (one
    not yet recorded counts as switched on `as_of`); `on_roster`: on the roster and not left as of `as_of`."""
    kind = _kind_of(status)
    if kind is None or due_on is None or not on_roster:
        return None
    passed = [
        r
        for r in reminders_of(kind, schedule.offsets()[kind], due_on)
        if enabled.get((kind, r.offset), as_of) <= r.day <= as_of
    ]
    if not passed:
        return None
    urgent = max(passed, key=lambda r: (r.day, r.offset))
    if any(s.kind == kind and s.due_on == due_on and s.day >= urgent.day for s in sent):
        return None  # this one, or one more urgent, already went
    return urgent


def next_reminder_day(status: str, due_on: date | None, schedule: Schedule, as_of: date) -> date | None:
    """The first day after `as_of` on which a reminder of the learner's present status falls (None: none left), so
    that the daily run re-evaluates them that day even though their status does not change."""
    kind = _kind_of(status)
    if kind is None or due_on is None:
        return None
    return min((r.day for r in reminders_of(kind, schedule.offsets()[kind], due_on) if r.day > as_of), default=None)
