"""Erasure in the store (SQLite and PostgreSQL): the person's rows gone, their statements kept under a random
pseudonym, their feed records emptied where they stand and a tombstone appended for each; nobody else touched."""

from __future__ import annotations

from datetime import date

import orjson

from lrs_adapter.store import Database
from lrs_adapter.store.erasure import ERASED_HOME, employment, erase, leavers_before, roster_standing
from tests.helpers.changelog import sync
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement
from tests.helpers.stored import statement_learners


def test_erasing_keeps_statements_under_a_pseudonym_and_nothing_that_names_the_person(db: Database) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
            " on_roster, updated_at) VALUES ('P00001', 'Ann Example', 'Highways', NULL, 'Office', 0, '2016-01-01',"
            " '2019-03-31', 0, 'n'), ('P00002', 'Bob Other', 'Highways', NULL, 'Office', 0, '2016-01-01', NULL, 1, 'n')"
        )
    done = "2018-01-10T10:00:00Z"
    sync(
        db, *(statement(SATISFIED, f"{IRI}/prevent-elearning", learner=p, timestamp=done) for p in ("P00001", "P00002"))
    )
    assert [leaver.learner for leaver in leavers_before(db, date(2020, 1, 1))] == ["P00001"]
    assert employment(db, "P00002", date(2026, 1, 1)) == "on HR's roster with no leaving date"
    assert employment(db, "P00001", date(2026, 1, 1)) is None

    before = db.execute("SELECT seq, certification, kind FROM changes WHERE learner = 'P00001' ORDER BY seq")
    with db.transaction():
        erased = erase(db, "P00001", home_page=HOME, now="2026-06-02T00:00:00.000000Z")
    assert (erased.statements, erased.roster_rows, erased.completions, erased.states) == (1, 1, 1, 1)
    assert erased.feed_records == len(before) == 2
    raws = [orjson.loads(row[0]) for row in db.execute("SELECT raw FROM statements WHERE learner_key IS NULL")]
    assert [raw["actor"] for raw in raws] == [
        {"objectType": "Agent", "account": {"homePage": ERASED_HOME, "name": erased.pseudonym}}
    ]
    assert [learner for learner in statement_learners(db) if learner] == [f"account:{HOME} P00002"]
    assert db.execute("SELECT learner FROM statement_learners") == [(f"account:{HOME} P00002",)]
    # The old rows stay (a cursor at their seq stays valid) emptied, served by neither feed; each has a tombstone
    # after every change before the erasure, naming only the seq it erases.
    emptied = db.execute("SELECT seq, learner, subject, record, kind FROM changes WHERE kind = 'erased' ORDER BY seq")
    assert emptied == [(row.seq, "", "", None, "erased") for row in before]
    tombstones = db.execute(
        "SELECT erases, certification, kind, learner, subject, record FROM changes WHERE erases IS NOT NULL ORDER BY seq"
    )
    assert tombstones == [(row.seq, row.certification, row.kind, "", "", None) for row in before]
    newest_before = db.one("SELECT MAX(seq) AS seq FROM changes WHERE erases IS NULL")
    assert newest_before is not None
    assert min(r.seq for r in db.execute("SELECT seq FROM changes WHERE erases IS NOT NULL")) > newest_before.seq
    assert db.execute("SELECT id FROM learners") == [("P00002",)]
    assert db.execute("SELECT DISTINCT learner FROM certification_states") == [("P00002",)]


def test_erasing_a_learner_erases_the_identities_merged_into_them(db: Database) -> None:
    from lrs_adapter.store.identity import merge

    with db.transaction():
        for learner, name in (("P00001", "Ann Example"), ("P07001", "Ann Example (old number)")):
            db.execute(
                "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on,"
                " left_on, on_roster, updated_at) VALUES (?, ?, 'Highways', NULL, 'Office', 0, '2016-01-01',"
                " '2019-03-31', 0, 'n')",
                (learner, name),
            )
    sync(db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P07001", timestamp="2018-01-10T10:00:00Z"))
    with db.transaction():
        merge(db, "P00001", "P07001", reason="old number", actor="ann", now="n")
        erased = erase(db, "P00001", home_page=HOME, now="n")
    assert (erased.roster_rows, erased.statements) == (2, 1)
    assert db.execute("SELECT id FROM learners") == []
    assert db.execute("SELECT * FROM merges") == []
    assert statement_learners(db) == [None]


def test_roster_standing_is_on_roster_and_leaving_date_or_none_for_a_stranger(db: Database) -> None:
    with db.transaction():
        db.executemany(
            "INSERT INTO learners (id, name, department, staff_group, no_it_access, left_on, on_roster, updated_at)"
            " VALUES (?, 'N', 'D', 'G', 0, ?, ?, 'now')",
            [("here", None, 1), ("gone", "2025-03-31", 0)],
        )
    assert roster_standing(db, "here") == {"left_on": None, "on_roster": True}
    assert roster_standing(db, "gone") == {"left_on": "2025-03-31", "on_roster": False}
    assert roster_standing(db, "nobody") is None
