"""Rows as both drivers return them: a tuple (unpacked, sliced, compared with tuples) that also reads by name."""

from __future__ import annotations

import pytest

from lrs_adapter.store import Database
from lrs_adapter.store.database import IN_CHUNK, rows_in


def test_a_row_reads_by_name_and_is_still_a_tuple(db: Database) -> None:
    row = db.one("SELECT 'a' AS learner, 2 AS runs, 'x' AS reason")
    assert row is not None
    assert (row.learner, row.runs, row.reason) == ("a", 2, "x")
    assert row.as_dict() == {"learner": "a", "runs": 2, "reason": "x"}
    assert row == ("a", 2, "x")
    learner, *rest = row
    assert (learner, rest, row[1:]) == ("a", [2, "x"], (2, "x"))


def test_a_name_that_is_no_column_is_refused_with_the_columns_there_are(db: Database) -> None:
    row = db.one("SELECT 1 AS one")
    assert row is not None
    with pytest.raises(AttributeError, match=r"no column 'two' \(it has one\)"):
        _ = row.two


def test_two_column_rows_make_a_dict(db: Database) -> None:
    assert dict(db.execute("SELECT 'k' AS key, 'v' AS value")) == {"k": "v"}


def test_rows_in_reads_more_values_than_one_in_list_takes(db: Database) -> None:
    ids = [f"run-{i:05}" for i in range(IN_CHUNK * 2 + 3)]
    with db.transaction():
        db.executemany(
            "INSERT INTO cursors (connector, position, basis, run_id, updated_at) VALUES (?, 'p', 'b', 1, 'now')",
            [(i,) for i in ids],
        )
    rows = rows_in(db, "SELECT connector FROM cursors WHERE basis = ? AND connector IN ({})", ids, ("b",))
    assert sorted(row.connector for row in rows) == ids
