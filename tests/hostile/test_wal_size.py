"""A run leaves no WAL beside the SQLite store, even while another process has the store open (the API, a second
command, a backup), when SQLite's own clean-up at the last close does not happen; a reader in the middle of a read
makes the closing checkpoint partial, which is logged and fails nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
from structlog.testing import capture_logs

from lrs_adapter.store import Database, open_store
from tests.helpers.factory import make_statements

MB = 1_000_000


def add_learners(db: Database, count: int) -> None:
    db.executemany(
        "INSERT INTO learners (id, name, department, staff_group, no_it_access, on_roster, updated_at)"
        " VALUES (?, ?, 'Highways', 'Office', 0, 1, 'n')",
        [(f"P{n:05d}", "x" * 500) for n in range(count)],
    )


def test_a_sync_leaves_an_empty_wal_while_another_process_holds_the_store(tmp_path: Path) -> None:
    (tmp_path / "export.jsonl").write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in make_statements(6000)))
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[connectors.demo]\nfile = "export.jsonl"\n')
    store, wal = tmp_path / "store.db", tmp_path / "store.db-wal"
    open_store(f"sqlite:///{store}").close()  # the schema, for the other connection to open
    holder = sqlite3.connect(store)  # open, idle: SQLite no longer deletes the WAL at the sync's close
    try:
        assert holder.execute("SELECT COUNT(*) FROM statements").fetchone() == (0,)
        command = [sys.executable, "-m", "lrs_adapter", "--config", str(config), "--log-format", "json", "sync"]
        synced = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), check=False)
        assert synced.returncode == 0, synced.stderr
        assert not wal.exists() or wal.stat().st_size == 0
        assert holder.execute("SELECT COUNT(*) FROM statements").fetchone() == (6000,)
        assert store.stat().st_size > 10 * MB  # what the run wrote went through the WAL, now in the store
    finally:
        holder.close()


def test_a_reader_mid_read_makes_the_checkpoint_partial_logged_and_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    wal = tmp_path / "store.db-wal"
    writer = open_store(url)
    reader = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM learners").fetchone()  # a snapshot the checkpoint may not overwrite
    with writer.transaction():
        add_learners(writer, 2000)
    with capture_logs() as logs:
        writer.close()  # no error: the run's work is committed
    (partial,) = [line for line in logs if line["event"].startswith("store checkpoint partial")]
    assert partial["log_level"] == "info"
    assert partial["copied_pages"] < partial["wal_pages"]
    assert wal.stat().st_size > 1 * MB  # held back by the reader
    reader.execute("COMMIT")
    reader.close()
    again = open_store(url)
    with again.transaction():  # the next run's end finishes the job
        again.execute("UPDATE learners SET name = 'y' WHERE id = 'P00001'")
    holder = sqlite3.connect(tmp_path / "store.db")  # keeps SQLite's own clean-up at close from hiding the result
    holder.execute("SELECT COUNT(*) FROM learners").fetchone()
    again.close()
    assert wal.stat().st_size == 0
    holder.close()


def test_a_connection_that_only_read_leaves_the_wal_to_the_writers(tmp_path: Path) -> None:
    """Were it to checkpoint, the reader mid-read would make it wait and log a partial checkpoint."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    writer = open_store(url)
    reader = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM learners").fetchone()
    with writer.transaction():
        add_learners(writer, 1)
    status = open_store(url)  # the schema is there: its migration check changes nothing
    status.execute("SELECT COUNT(*) FROM learners")
    with capture_logs() as logs:
        status.close()
    assert logs == []
    reader.execute("COMMIT")
    reader.close()
    writer.close()
