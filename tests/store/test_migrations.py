"""Migrations: applied once, recorded, and safe to run again by every command and every worker."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.database import Row
from lrs_adapter.store.evidence import facts_by_identifier
from lrs_adapter.store.learners import unresolved
from lrs_adapter.store.migrations import MIGRATIONS, migrate, probe_write
from lrs_adapter.store.statement_keys import id_bytes, id_text
from lrs_adapter.store.statements import save_statements, statement_origins
from lrs_adapter.xapi.facts import StatementFacts, from_row
from tests.helpers.factory import make_statement


def test_migrating_again_changes_nothing(db: Database, store_url: str) -> None:
    latest = max(version for version, _, _ in MIGRATIONS)
    assert migrate(db) == latest
    again = open_store(store_url)
    assert again.execute("SELECT version FROM schema_migrations ORDER BY version") == [
        (version,) for version, _, _ in MIGRATIONS
    ]
    again.close()


def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    try:
        with db.transaction():
            db.execute(
                "INSERT INTO cursors (connector, position, basis, run_id, updated_at) VALUES ('c', 'p', 'b', 1, 'n')"
            )
            raise RuntimeError("killed mid-page")
    except RuntimeError:
        pass
    assert db.execute("SELECT * FROM cursors") == []


def test_the_write_probe_leaves_nothing_behind_and_can_run_again(db: Database) -> None:
    probe_write(db)
    probe_write(db)
    with pytest.raises(Exception, match="lrs_adapter_write_probe"):
        db.execute("SELECT * FROM lrs_adapter_write_probe")


#: How a pull stored a statement before migration 19: the SQL of store/statements.py as of migration 17.
INSERT_AS_OF_17 = (
    "INSERT INTO statements (id, connector, learner, verb_id, object_type, object_id, registration, timestamp,"
    " stored, voids, voided_by, content_hash, raw, run_id, received_at, facts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _store_as_of_17(db: Database) -> list[tuple[str, Accepted, str]]:
    """A store written by the schema of migration 17 and its SQL: three pages (the middle one received first of the
    later two, to show the order is the arrival's, not the insert's), a Group's statement, a void and a conflict.
    Returns (connector, row, received_at) in arrival order."""
    statements = [make_statement(i) | {"stored": f"2026-01-05T10:00:{i:02d}.000Z"} for i in range(9)]
    statements[4]["actor"] = {"objectType": "Group", "member": [statements[4]["actor"]]}
    statements[8] = {
        "id": statements[8]["id"],
        "actor": statements[0]["actor"],
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-GB": "voided"}},
        "object": {"objectType": "StatementRef", "id": statements[1]["id"]},
        "timestamp": "2026-01-05T10:00:08.000Z",
        "stored": "2026-01-05T10:00:08.000Z",
    }
    rows = [take_in(s, source="test", received_at=datetime(2026, 1, 5, tzinfo=UTC)) for s in statements]
    assert all(isinstance(row, Accepted) for row in rows), rows
    pages = {"2026-01-05T10:01:00.000000Z": rows[0:3], "2026-01-05T10:03:00.000000Z": rows[6:9]}
    pages["2026-01-05T10:02:00.000000Z"] = rows[3:6]
    arrived = []
    with db.transaction():
        for received_at, page in pages.items():
            for row in page:
                assert isinstance(row, Accepted)
                voided_by = statements[8]["id"] if row.id == statements[1]["id"] else None
                db.execute(
                    INSERT_AS_OF_17,
                    (
                        row.id,
                        "lrs",
                        row.learner,
                        row.verb_id,
                        row.object_type,
                        row.object_id,
                        row.registration,
                        row.timestamp,
                        row.stored,
                        row.voids,
                        voided_by,
                        row.content_hash,
                        row.raw,
                        1,
                        received_at,
                        row.facts,
                    ),
                )
                arrived.append(("lrs", row, received_at))
        db.execute(
            "INSERT INTO voids (target_id, voiding_id) VALUES (?, ?)", (statements[1]["id"], statements[8]["id"])
        )
        db.execute(
            "INSERT INTO statement_conflicts (statement_id, connector, run_id, stored_hash, new_hash, raw, seen_at)"
            " VALUES (?, 'lrs', 2, 'a', 'b', '{}', 'now')",
            (statements[2]["id"],),
        )
        db.execute("INSERT INTO learners_to_map (learner) VALUES (?)", (rows[0].learner,))  # type: ignore[union-attr]
    return sorted(arrived, key=lambda arrival: (arrival[2], arrival[1].stored))


def _answers_as_of_17(db: Database) -> tuple[list[StatementFacts], list[tuple[str, int, str]]]:
    """What the queries of store/evidence.py and store/learners.py answered before migration 19, in their SQL."""
    rows = db.execute(
        "SELECT id, learner, verb_id, object_id, registration, timestamp, stored, voided_by IS NOT NULL AS voided,"
        " facts FROM statements WHERE voids IS NULL AND learner IS NOT NULL"
    )
    facts = [
        from_row(
            r.id, r.learner, r.verb_id, r.object_id, r.registration, r.timestamp, r.stored, bool(r.voided), r.facts
        )
        for r in rows
    ]
    seen = db.execute(
        "SELECT learner, COUNT(*) AS seen, MAX(stored) AS last_seen FROM statements WHERE learner IS NOT NULL"
        " GROUP BY learner"
    )
    return sorted(facts, key=repr), sorted(
        ((r.learner, int(r.seen), r.last_seen) for r in seen), key=lambda r: (-r[1], r[0])
    )


def _assert_each_row_kept(rows: list[Row], arrived: list[tuple[str, Accepted, str]]) -> None:
    for row, (_, old, received_at) in zip(rows, arrived, strict=True):
        assert bytes(row.id) == id_bytes(old.id)
        assert (row.raw, row.content_hash, row.facts, row.received_at) == (
            old.raw,
            old.content_hash,
            old.facts,
            received_at,
        )
        assert (row.timestamp, row.stored, row.voids, row.object_id) == (
            old.timestamp,
            old.stored,
            old.voids,
            old.object_id,
        )


def test_binary_ids_and_learner_keys_migrate_a_store_of_the_old_schema(store_url: str) -> None:
    """Migration 19 rebuilds the statements table of a store written by the schema before it: every row, id, void,
    conflict and query answer survives, in arrival order, and the store goes on taking statements."""
    db = Database(store_url)
    migrate(db, through=17)
    arrived = _store_as_of_17(db)
    learners = sorted({row.learner for _, row, _ in arrived if row.learner})
    facts_before, unresolved_before = _answers_as_of_17(db)
    migrate(db)

    rows = db.execute(
        "SELECT s.seq, s.id, s.connector, k.learner, s.verb_id, s.object_type, s.object_id, s.registration,"
        " s.timestamp, s.stored, s.voids, s.voided_by, s.content_hash, s.raw, s.run_id, s.received_at, s.facts"
        " FROM statements s LEFT JOIN statement_learners k ON k.id = s.learner_key ORDER BY s.seq"
    )
    assert [row.seq for row in rows] == sorted(row.seq for row in rows)
    assert [(id_text(row.id), *row[2:5]) for row in rows] == [
        (row.id, connector, row.learner, row.verb_id) for connector, row, _ in arrived
    ]
    _assert_each_row_kept(rows, arrived)
    voided = [(id_text(row.id), row.voided_by) for row in rows if row.voided_by]
    target, void = arrived[1][1].id, arrived[-1][1].id
    assert voided == [(target, void)]
    assert db.execute("SELECT target_id, voiding_id FROM voids") == [(target, void)]
    assert db.one("SELECT statement_id FROM statement_conflicts") == (arrived[2][1].id,)
    assert sorted((f for found in facts_by_identifier(db, learners).values() for f in found), key=repr) == facts_before
    assert unresolved(db, None) == unresolved_before
    assert statement_origins(db, [row.id for _, row, _ in arrived]) == {
        row.id: ("lrs", row.stored) for _, row, _ in arrived
    }

    with db.transaction():
        again = save_statements(db, [row for _, row, _ in arrived[:2]], connector="lrs", run_id=3, received_at="later")
        fresh = take_in(make_statement(30), source="test", received_at=datetime(2026, 1, 6, tzinfo=UTC))
        assert isinstance(fresh, Accepted)
        assert save_statements(db, [fresh], connector="lrs", run_id=3, received_at="later").new == 1
    assert (again.new, again.duplicate, again.conflicts) == (0, 2, 0)
    newest = db.one("SELECT id FROM statements ORDER BY seq DESC LIMIT 1")
    assert newest is not None
    assert id_text(newest.id) == fresh.id
    db.close()
