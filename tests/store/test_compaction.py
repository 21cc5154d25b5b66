"""After an erasure, the deleted bytes out of the database's files: PostgreSQL's tables rewritten (their heap files
read back, as the server's superuser, to show the person's rows are gone from disk, not only from the tables), and
the search of SQLite's files, which must not mistake five digits inside a random UUID for a payroll number."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from lrs_adapter.errors import StoreError
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.compaction import ERASED_TABLES, Compacted, compact, compact_store, holds_any
from lrs_adapter.store.erasure import erase
from tests.helpers.changelog import sync
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement

NAME = "Ulla Vacuumed-Leaver"


def on_disk(db: Database, table: str) -> bytes:
    """The table's heap file as the server wrote it (after a checkpoint flushed what was in memory)."""
    db.execute("CHECKPOINT")
    row = db.one("SELECT pg_read_binary_file(pg_relation_filepath(?)) AS data", (table,))
    assert row is not None
    return bytes(row.data)


def erased_leaver(db: Database) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on,"
            " left_on, on_roster, updated_at) VALUES ('P55001', ?, 'Highways', NULL, 'Office', 0, NULL,"
            " '2019-03-31', 0, 'n')",
            (NAME,),
        )
    sync(db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P55001", timestamp="2018-01-10T10:00:00Z"))
    assert NAME.encode() in on_disk(db, "learners")
    assert b"P55001" in on_disk(db, "statements")
    with db.transaction():
        erase(db, "P55001", home_page=HOME, now="2026-06-02T00:00:00.000000Z")
    assert NAME.encode() in on_disk(db, "learners")  # deleted, and still on disk: a dead tuple


def compacted_once_nothing_older_runs(db: Database) -> Compacted:
    """The server's other clients (other suites on a shared server, on any database: the horizon is the server's,
    as running this with the check narrowed to the store's own database showed, the person's row left on disk)
    may hold a transaction open from before the erasure: the command then says so and is run again, as an operator
    would, for up to two minutes."""
    refusals = []
    for _ in range(240):
        try:
            return compact_store(db)
        except StoreError as error:
            refusals.append(str(error))
            time.sleep(0.5)
    raise AssertionError(f"a transaction on the server stayed open for two minutes: {refusals[-1]}")


@pytest.mark.postgres
def test_postgresql_rewrites_the_tables_an_erasure_touched_so_no_dead_row_keeps_the_person(pg_url: str) -> None:
    db = open_store(pg_url)
    try:
        erased_leaver(db)
        assert compacted_once_nothing_older_runs(db).vacuumed == ERASED_TABLES
        for table in ("learners", "statements", "changes", "completions", "certification_states"):
            data = on_disk(db, table)
            assert NAME.encode() not in data
            assert b"P55001" not in data
    finally:
        db.close()


@pytest.mark.postgres
def test_a_transaction_open_since_before_the_erasure_is_named_and_the_clean_up_refused(pg_url: str) -> None:
    db, reader = open_store(pg_url), psycopg.connect(pg_url, autocommit=True)
    try:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        # A snapshot that still sees the person, taken on a table the erasure leaves alone (a lock on one it
        # touches would stop VACUUM FULL itself, after its lock timeout, with another message).
        reader.execute("SELECT COUNT(*) FROM runs")
        erased_leaver(db)
        with pytest.raises(StoreError) as refused:
            compact(db, ["P55001", NAME])
        assert f"pid {reader.info.backend_pid} on " in str(refused.value)
        assert "lrs-adapter store compact" in str(refused.value)
        assert NAME.encode() in on_disk(db, "learners")  # what it said: the row stayed
        reader.execute("COMMIT")
        compacted_once_nothing_older_runs(db)
        assert NAME.encode() not in on_disk(db, "learners")
    finally:
        reader.close()
        db.close()


def test_a_numeric_payroll_number_is_found_on_its_own_and_not_inside_a_uuid(tmp_path: Path) -> None:
    file = tmp_path / "store.db"
    file.write_bytes(b'{"id":"3f2a1770-0142-4c3e-9a55-77001bd3e0aa","name":"someone else"}')
    assert not holds_any(file, ["77001"])
    file.write_bytes(b'{"account":{"name":"77001"}}')
    assert holds_any(file, ["77001"])
    assert holds_any(file, ["account"])
    file.write_bytes(b"")
    assert not holds_any(file, ["77001"])
