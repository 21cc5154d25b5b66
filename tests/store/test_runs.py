"""What the run log answers for metrics and health checks: counts, totals, last endings and cursor positions."""

from __future__ import annotations

from lrs_adapter.model.statements import Cursor
from lrs_adapter.store import Database
from lrs_adapter.store.runs import (
    RunCounts,
    add_to_run,
    cursor_positions,
    finish_run,
    last_ended,
    last_outcome,
    run_counts,
    set_cursor,
    start_run,
    statement_totals,
)


def run(db: Database, connector: str, outcome: str, ended: str, fetched: int = 0, quarantined: int = 0) -> int:
    run_id = start_run(db, connector, "lrs", ended, None)
    with db.transaction():
        add_to_run(db, run_id, RunCounts(fetched=fetched, quarantined=quarantined), None)
    finish_run(db, run_id, now=ended, outcome=outcome)
    return run_id


def test_runs_are_counted_and_summed_by_connector(db: Database) -> None:
    run(db, "b", "succeeded", "2026-01-01T00:00:00Z", fetched=5, quarantined=1)
    run(db, "a", "failed", "2026-01-02T00:00:00Z", fetched=2)
    run(db, "a", "succeeded", "2026-01-03T00:00:00Z", fetched=3, quarantined=2)
    assert [tuple(r) for r in run_counts(db)] == [("a", "failed", 1), ("a", "succeeded", 1), ("b", "succeeded", 1)]
    assert [(r.connector, r.fetched, r.quarantined) for r in statement_totals(db)] == [("a", 5, 2), ("b", 5, 1)]


def test_last_ended_is_the_newest_run_with_those_outcomes_and_last_outcome_the_newest_finished(db: Database) -> None:
    run(db, "a", "succeeded", "2026-01-01T00:00:00Z")
    run(db, "a", "quarantined", "2026-01-02T00:00:00Z")
    run(db, "a", "failed", "2026-01-03T00:00:00Z")
    run(db, "b", "failed", "2026-01-04T00:00:00Z")
    start_run(db, "a", "lrs", "2026-01-05T00:00:00Z", None)  # running: not finished
    assert last_ended(db, ("succeeded", "quarantined")) == {"a": "2026-01-02T00:00:00Z"}
    assert last_ended(db, ("succeeded",), "a") == {"a": "2026-01-01T00:00:00Z"}
    assert last_ended(db, ("succeeded",), "b") == {}
    assert last_outcome(db, "a") == "failed"
    assert last_outcome(db, "b") == "failed"
    assert last_outcome(db, "c") is None


def test_cursor_positions_by_connector(db: Database) -> None:
    run_id = run(db, "a", "succeeded", "2026-01-01T00:00:00Z")
    with db.transaction():
        set_cursor(db, "b", Cursor("2026-01-02T00:00:00Z", "stored"), run_id, "now")
        set_cursor(db, "a", Cursor("2026-01-01T00:00:00Z", "stored"), run_id, "now")
    assert cursor_positions(db) == {"a": "2026-01-01T00:00:00Z", "b": "2026-01-02T00:00:00Z"}


def test_the_adapters_own_statements_skipped_are_counted_with_the_run_and_summed(db: Database) -> None:
    first = start_run(db, "a", "lrs", "2026-01-01T00:00:00Z", None)
    for own in (3, 4):
        with db.transaction():
            add_to_run(db, first, RunCounts(fetched=10, own=own), None)
    later = start_run(db, "a", "lrs", "2026-01-02T00:00:00Z", None)
    with db.transaction():
        add_to_run(db, later, RunCounts(fetched=1, own=1), None)
    finished = finish_run(db, first, now="2026-01-01T00:01:00Z", outcome="succeeded")
    assert (finished.fetched, finished.own) == (20, 7)
    assert [(r.connector, r.fetched, r.own) for r in statement_totals(db)] == [("a", 21, 8)]
