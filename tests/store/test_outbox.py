"""The outbox: deliveries written with the change that made them, failed into dead letters, replayed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from lrs_adapter.config import SINK_EVENTS
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from lrs_adapter.store.learners import import_roster
from lrs_adapter.store.outbox import (
    DEAD,
    DELIVERED,
    HELD,
    LEFT,
    NO_EMAIL,
    PENDING,
    deliveries,
    delivery,
    depth,
    hold_unaddressed,
    mark_delivered,
    mark_failed,
    requeue,
    sink_totals,
)
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import evaluate, take

NOW = "2026-06-01T00:00:00.000000Z"


def test_each_certification_event_becomes_one_delivery_per_sink_that_takes_it(db: Database) -> None:
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    sinks = {"lrs": frozenset({"certified", "revoked"}), "hook": frozenset({"certified", "window_opened"})}
    made = evaluate(db, NOW, sinks)
    assert sorted((d.sink, d.event) for d in made) == [("hook", "certified"), ("lrs", "certified")]
    assert made[0].event_id == made[1].event_id  # one event, two deliveries
    assert made[0].payload["cycle"]["due_on"] == "2027-01-10"
    assert made[0].payload["cycle"]["window_opens_on"] == "2026-07-10"


def test_evaluating_again_with_nothing_new_adds_no_delivery(db: Database) -> None:
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    evaluate(db, NOW)
    db.execute("INSERT INTO learners_to_map (learner) SELECT learner FROM statement_learners")
    assert evaluate(db, NOW) == []


def test_a_void_revokes_the_cycle_it_certified(db: Database) -> None:
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    take(db, completion)
    (certified,) = [d for d in evaluate(db, NOW) if d.event == "certified"]
    take(db, voiding(completion))
    made = evaluate(db, NOW)
    assert [d.event for d in made] == ["revoked"]
    assert made[0].payload["cycle"]["statement_id"] == certified.payload["cycle"]["statement_id"]
    assert made[0].payload["state"]["status"] == "none"


def test_a_change_rolled_back_leaves_no_delivery(db: Database) -> None:
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))

    class Killed(Exception):
        pass

    def evaluate_then_die() -> None:
        with db.transaction():
            evaluate(db, NOW)
            raise Killed

    with pytest.raises(Killed):
        evaluate_then_die()
    assert depth(db) == {}
    assert db.one("SELECT COUNT(*) FROM certification_states") == (0,)


def test_failures_dead_letter_after_max_attempts_and_retry_puts_them_back(db: Database) -> None:
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    (item,) = evaluate(db, NOW, {"hook": frozenset({"certified"})})
    assert mark_failed(db, item.id, "transient: 503", NOW, max_attempts=2) == PENDING
    assert mark_failed(db, item.id, "transient: 503 again", NOW, max_attempts=2) == DEAD
    dead = delivery(db, item.id)
    assert dead is not None
    assert (dead.attempts, dead.last_error) == (2, "transient: 503 again")
    assert requeue(db, None) == 1
    back = delivery(db, item.id)
    assert back is not None
    assert (back.status, back.attempts) == (PENDING, 0)
    mark_delivered(db, [item.id], NOW)
    done = delivery(db, item.id)
    assert done is not None
    assert (done.status, done.last_error, done.delivered_at) == (DELIVERED, None, NOW)


def test_sink_totals_count_pending_and_dead_deliveries_and_every_attempt_but_a_delivering_one(db: Database) -> None:
    rows = [
        ("e1", "lms", PENDING, 0),
        ("e2", "lms", PENDING, 2),
        ("e3", "lms", DELIVERED, 3),
        ("e4", "lms", DEAD, 5),
        ("e5", "hook", DELIVERED, 1),
    ]
    with db.transaction():
        db.executemany(
            "INSERT INTO outbox (event_id, sink, event, learner, certification, payload, status, attempts, created_at)"
            " VALUES (?, ?, 'certified', 'l', 'c', '{}', ?, ?, 'now')",
            rows,
        )
    assert [(r.sink, r.pending, r.dead, r.failed_attempts) for r in sink_totals(db)] == [
        ("hook", 0, 0, 0),
        ("lms", 2, 1, 2 + 2 + 5),
    ]


def test_a_mail_sinks_deliveries_about_a_learner_without_an_email_or_a_leaver_are_held_with_why(db: Database) -> None:
    rows = read_roster(Path(__file__).resolve().parents[2] / "fixtures" / "roster.csv")
    ann_without = [replace(r, work_emails=()) if r.name == "Ann Example" else r for r in rows]
    import_roster(db, ann_without, home_page=HOME, today=date(2026, 6, 1), now=NOW)
    evaluate(db, NOW, {"mail": SINK_EVENTS["email"]})  # everyone on the roster: window opened or overdue

    def status(learner: str) -> set[tuple[str, str | None]]:
        return {(d.status, d.last_error) for d in deliveries(db, sink="mail", learner=learner)}

    hold_unaddressed(db, "mail")
    assert status("P00001") == {(HELD, NO_EMAIL)}
    assert status("P00002") == {(PENDING, None)}
    import_roster(db, [r for r in rows if r.name != "Bob Sample"], home_page=HOME, today=date(2026, 6, 2), now=NOW)
    hold_unaddressed(db, "mail")
    assert status("P00001") == {(PENDING, None)}  # the roster gives Ann a work e-mail now: in order, pending
    assert status("P00002") == {(HELD, LEFT)}  # Bob left
