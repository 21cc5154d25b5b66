"""Reminders raised and offsets switched on, on both stores."""

from __future__ import annotations

from datetime import date

from lrs_adapter.store import Database
from lrs_adapter.store.certifications import save_states
from lrs_adapter.store.evidence import queued
from lrs_adapter.store.learners import payroll_key
from lrs_adapter.store.reminders import record_reminders, sent_reminders, switch_on

DUE = date(2026, 7, 5)
STATE = {
    "status": "amber",
    "certified_on": None,
    "due_on": DUE.isoformat(),
    "window_opens_on": "2026-01-05",
    "option_id": None,
    "evidence_ids": "[]",
    "exempt_until": None,
}


def test_a_reminder_is_recorded_once_per_learner_due_date_and_offset(db: Database) -> None:
    seven = (DUE, "due_soon", "P7D", date(2026, 6, 28))
    with db.transaction():
        record_reminders(db, [("P1", "prevent", seven, "e1"), ("P2", "prevent", seven, "e2")], "2026-06-29T06:00:00Z")
        record_reminders(db, [("P1", "prevent", seven, "e1")], "2026-06-30T06:00:00Z")  # raised again: no-op
    assert sent_reminders(db, ["P1", "P3"]) == {("P1", "prevent"): [seven]}


def test_an_offset_counts_from_the_day_it_was_first_seen_and_queues_the_certifications_learners(
    db: Database,
) -> None:
    with db.transaction():
        save_states(db, [("P1", "prevent", STATE, None), ("P2", "other", STATE, None)], as_of=DUE, now="now")
    june = switch_on(db, "prevent", [("due_soon", "P30D")], date(2026, 6, 1), None)
    assert june == {("due_soon", "P30D"): date(2026, 6, 1)}
    assert set(queued(db, 10)) == {payroll_key("P1")}  # the other certification's learner is not queued
    july = switch_on(db, "prevent", [("due_soon", "P30D"), ("due_soon", "P7D")], date(2026, 7, 1), None)
    assert july == {("due_soon", "P30D"): date(2026, 6, 1), ("due_soon", "P7D"): date(2026, 7, 1)}
    # removed, then added again: it counts from the day it came back
    switch_on(db, "prevent", [("due_soon", "P7D")], date(2026, 8, 1), None)
    back = switch_on(db, "prevent", [("due_soon", "P30D"), ("due_soon", "P7D")], date(2026, 9, 1), None)
    assert back == {("due_soon", "P30D"): date(2026, 9, 1), ("due_soon", "P7D"): date(2026, 7, 1)}
