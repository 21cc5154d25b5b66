"""Reminders raised (`due_soon`, `overdue_reminder`), so each goes once per learner, due date and offset, and the day
each configured offset was switched on, so that switching one on never sends the reminders whose day had passed.

A reminder is recorded in the settling transaction that puts its event in the outbox: raised and recorded together,
or neither. The outbox then delivers it like any event (retries, held learners, the run log).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from lrs_adapter.store.database import Database, rows_in
from lrs_adapter.store.learners import queue_key

#: A reminder as stored: (due date, kind, offset, the day it fell on).
SentReminder = tuple[date, str, str, date]


def sent_reminders(db: Database, learners: Sequence[str]) -> dict[tuple[str, str], list[SentReminder]]:
    """The reminders raised for each of `learners`, by (learner, certification)."""
    found: dict[tuple[str, str], list[SentReminder]] = {}
    rows = rows_in(
        db,
        "SELECT learner, certification, due_on, kind, offset_iso, day FROM reminders_sent WHERE learner IN ({})",
        list(learners),
    )
    for row in rows:
        sent = (date.fromisoformat(row.due_on), str(row.kind), str(row.offset_iso), date.fromisoformat(row.day))
        found.setdefault((row.learner, row.certification), []).append(sent)
    return found


def record_reminders(db: Database, raised: Iterable[tuple[str, str, SentReminder, str]], now: str) -> None:
    """Each (learner, certification, reminder, event id) of `raised`, in the caller's transaction."""
    db.executemany(
        "INSERT INTO reminders_sent (learner, certification, due_on, kind, offset_iso, day, event_id, raised_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (learner, certification, due_on.isoformat(), kind, offset, day.isoformat(), event_id, now)
            for learner, certification, (due_on, kind, offset, day), event_id in raised
        ],
    )


def switch_on(
    db: Database, certification: str, offsets: Iterable[tuple[str, str]], today: date, home_page: str | None
) -> dict[tuple[str, str], date]:
    """The day each of a certification's configured (kind, offset) was switched on: one new today is recorded
    today, one no longer configured is forgotten (switched on again later, it starts again from that day). When
    one is new, every learner of the certification is queued, so that their next reminder day is worked out.
    Returns the days by (kind, offset)."""
    wanted = set(offsets)
    with db.transaction():
        rows = db.execute(
            "SELECT kind, offset_iso, switched_on FROM reminder_offsets WHERE certification = ?", (certification,)
        )
        known = {(r.kind, r.offset_iso): date.fromisoformat(r.switched_on) for r in rows}
        gone, new = set(known) - wanted, sorted(wanted - set(known))
        db.executemany(
            "DELETE FROM reminder_offsets WHERE certification = ? AND kind = ? AND offset_iso = ?",
            [(certification, kind, offset) for kind, offset in sorted(gone)],
        )
        db.executemany(
            "INSERT INTO reminder_offsets (certification, kind, offset_iso, switched_on) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",  # an administrator's re-evaluation may record it at the same moment
            [(certification, kind, offset, today.isoformat()) for kind, offset in new],
        )
        if new:
            rows = db.execute("SELECT learner FROM certification_states WHERE certification = ?", (certification,))
            db.executemany(
                "INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING",
                [(queue_key(row.learner, home_page),) for row in rows],
            )
    return {key: day for key, day in known.items() if key in wanted} | {key: today for key in new}
