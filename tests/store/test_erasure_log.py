"""The erasure log (SQLite and PostgreSQL): identifiers kept only as HMACs under a salt made once per store; rows
carrying them are told apart with the erasure's date; a restored store finds the people the log remembers; the log
carries across a restore; and on PostgreSQL a pull's commit and an erasure take turns on the salt's row."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lrs_adapter.errors import ConfigError
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.erasure_log import (
    Erasure,
    ErasureLog,
    carry,
    erased_rows,
    identifier_hash,
    learners_erased,
    missing_from,
    read_backup_log,
    read_log,
    remember_erasure,
)
from lrs_adapter.store.identity import merge
from tests.helpers.prevent import HOME

AT = "2026-06-01T10:00:00.000000Z"


def add_learner(db: Database, learner: str, *identifiers: str) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO learners (id, name, department, staff_group, no_it_access, left_on, on_roster, updated_at)"
            " VALUES (?, 'Ann Example', 'Highways', 'Office', 0, '2019-03-31', 0, 'n')",
            (learner,),
        )
        db.executemany(
            "INSERT INTO learner_identifiers (ifi, learner_id) VALUES (?, ?)", [(i, learner) for i in identifiers]
        )


def remember(db: Database, learner: str, at: str = AT) -> str:
    with db.transaction():
        return remember_erasure(db, learner, home_page=HOME, action="learners.erase", at=at).id


def test_the_log_keeps_salted_hashes_of_every_identifier_and_no_identifier_itself(db: Database) -> None:
    add_learner(db, "P00001", "payroll:P00001", "payroll:P09001", "mbox:mailto:ann@council.example")
    first = remember(db, "P00001")
    log = read_log(db)
    assert log.salt is not None
    assert len(bytes.fromhex(log.salt)) == 32
    keys = {
        "payroll:P00001",
        "payroll:P09001",
        "mbox:mailto:ann@council.example",
        f"account:{HOME} P00001",
    }
    assert {h for h, erasure in log.hashes if erasure == first} == {identifier_hash(log.salt, k) for k in keys}
    dumped = repr(db.execute("SELECT * FROM erasures")) + repr(db.execute("SELECT * FROM erased_identifiers"))
    assert "P00001" not in dumped
    assert "ann@" not in dumped

    add_learner(db, "P00002", "payroll:P00002")
    remember(db, "P00002", at="2026-07-01T10:00:00.000000Z")
    assert read_log(db).salt == log.salt  # made once, kept


def test_the_same_identifier_hashes_differently_in_two_installations(tmp_path: Path) -> None:
    one, two = (open_store(f"sqlite:///{tmp_path / name}") for name in ("one.db", "two.db"))
    try:
        for db in (one, two):
            add_learner(db, "P00001", "payroll:P00001")
            remember(db, "P00001")
        assert not {h for h, _ in read_log(one).hashes} & {h for h, _ in read_log(two).hashes}
    finally:
        one.close()
        two.close()


def test_rows_carrying_an_erased_identifier_are_told_apart_with_the_erasures_date(db: Database) -> None:
    rows = [("ann", ["mbox:mailto:ann@council.example"]), ("bob", ["payroll:P00002"]), ("group", [])]
    assert erased_rows(db, rows, lambda row: row[1]) == (rows, [])  # no erasure yet: no salt, nothing to test
    add_learner(db, "P00001", "mbox:mailto:ann@council.example")
    erasure = remember(db, "P00001")
    kept, refused = erased_rows(db, rows, lambda row: row[1])
    assert kept == rows[1:]
    [(row, found)] = refused
    assert row == rows[0]
    assert found.id == erasure
    assert found.reason.startswith("erased person: an identifier of someone erased on 2026-06-01 (erasure ")


def test_a_restored_store_finds_the_people_the_log_remembers_once_each(db: Database) -> None:
    add_learner(db, "P00001", "payroll:P00001", "payroll:P09001", "mbox:mailto:ann@council.example")
    add_learner(db, "P00002", "payroll:P00002")
    remember(db, "P00001")
    assert learners_erased(db, HOME) == ["P00001"]  # the log still knows them (the erasure itself comes after)
    with db.transaction():  # a restored backup: an older number of theirs as its own learner, merged into them
        db.execute("DELETE FROM learner_identifiers WHERE ifi = 'payroll:P09001'")
    add_learner(db, "P09001", "payroll:P09001")
    with db.transaction():
        merge(db, "P00001", "P09001", reason="old number", actor="dpo", now=AT)
    assert learners_erased(db, HOME) == ["P00001"]  # the merged identity goes with the learner it was merged into


def test_a_backups_log_is_read_without_changing_it_and_an_older_backup_lacks_the_later_erasures(
    tmp_path: Path,
) -> None:
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        add_learner(db, "P00001", "payroll:P00001")
        add_learner(db, "P00002", "payroll:P00002")
        remember(db, "P00001")
        from lrs_adapter.store.backup import backup_sqlite

        backup_sqlite(db, tmp_path / "backup.db")
        later = remember(db, "P00002", at="2026-07-01T10:00:00.000000Z")
        current = read_log(db)
    finally:
        db.close()
    before = (tmp_path / "backup.db").read_bytes()
    older = read_backup_log(tmp_path / "backup.db")
    assert (tmp_path / "backup.db").read_bytes() == before
    assert older.salt == current.salt
    assert [e.id for e in missing_from(current, older)] == [later]
    with pytest.raises(ConfigError, match="is not a backup of an lrs-adapter store"):
        read_backup_log(tmp_path / "missing.db")


def test_a_backup_of_another_installation_with_erasures_of_its_own_is_refused(db: Database) -> None:
    add_learner(db, "P00001", "payroll:P00001")
    remember(db, "P00001")
    current = read_log(db)
    other = ErasureLog("ab" * 32, current.erasures[:1], ())
    with pytest.raises(ConfigError, match="from another installation"):
        missing_from(current, other)
    assert missing_from(current, ErasureLog(None, (), ())) == list(current.erasures)


def test_carrying_the_log_into_a_store_without_one_makes_its_hashes_match_there(db: Database, tmp_path: Path) -> None:
    add_learner(db, "P00001", "payroll:P00001")
    remember(db, "P00001")
    log = read_log(db)
    restored = open_store(f"sqlite:///{tmp_path / 'restored.db'}")
    try:
        add_learner(restored, "P00001", "payroll:P00001")  # the backup's copy of them
        assert learners_erased(restored, HOME) == []
        with restored.transaction():
            carry(restored, log)
            carry(restored, log)  # twice changes nothing
        assert read_log(restored) == log
        assert learners_erased(restored, HOME) == ["P00001"]
    finally:
        restored.close()


@pytest.mark.postgres
def test_on_postgresql_a_pull_commit_waits_for_an_erasure_in_progress_and_then_sees_it(pg_url: str) -> None:
    """Without the row lock the pull's check would read the log before the erasure commits and store the person's
    statement; with it, the check waits (seen in pg_stat_activity, not timed) and then refuses it."""
    erasing, pulling, watching = open_store(pg_url), open_store(pg_url), open_store(pg_url)
    try:
        add_learner(erasing, "P00001", "payroll:P00001")
        remember(erasing, "P00000")  # the salt exists already: the lock is on the row, not on its creation
        found: list[tuple[list[str], list[tuple[str, Erasure]]]] = []
        with erasing.transaction():
            remember_erasure(erasing, "P00001", home_page=HOME, action="learners.erase", at=AT)
            pid = pulling.one("SELECT pg_backend_pid() AS pid")
            assert pid is not None

            def commit() -> None:
                with pulling.transaction():
                    found.append(erased_rows(pulling, [f"account:{HOME} P00001"], lambda key: [key], hold=True))

            thread = threading.Thread(target=commit)
            thread.start()
            while thread.is_alive() and not watching.one(  # its own transactions: a fresh view each time
                "SELECT 1 FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'", (pid.pid,)
            ):
                time.sleep(0.01)
            assert thread.is_alive(), f"the pull's check did not wait for the erasure: {found}"
        thread.join(timeout=30)
        [(kept, refused)] = found
        assert kept == []
        assert [row for row, _ in refused] == [f"account:{HOME} P00001"]
    finally:
        for db in (erasing, pulling, watching):
            db.close()
