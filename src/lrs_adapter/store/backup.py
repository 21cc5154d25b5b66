"""Backing up a SQLite store while it is in use: SQLite's online backup API copies a consistent snapshot page by
page (a sync may be writing meanwhile), into a file beside the target that replaces it only when complete, so a
backup is never half written. Restoring copies a backup back the same way, into the store's own file, in one
step that other connections see whole. PostgreSQL stores are backed up with pg_dump (README: Operations)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lrs_adapter.errors import ConfigError
from lrs_adapter.store.audit import latest_entry
from lrs_adapter.store.database import Database

#: The audit action `store backup` records, with the file it wrote.
BACKUP_ACTION = "store.backup"


def backup_sqlite(db: Database, target: Path) -> int:
    """The size of the backup written, in bytes."""
    if db.dialect != "sqlite" or db.path is None:
        raise ConfigError(
            "store backup copies a SQLite store; this store is PostgreSQL.",
            key="store.url",
            fix="back it up with pg_dump (README: Operations, backup and restore).",
        )
    target = target.resolve()
    if target == db.path.resolve():
        raise ConfigError("the backup would overwrite the store itself.", fix="write the backup to another file.")
    try:
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as error:
        raise ConfigError(
            f"cannot write the backup {target}: {error.strerror}.", fix="choose a writable folder."
        ) from None
    os.close(descriptor)
    try:
        source = sqlite3.connect(db.path)
        copy = sqlite3.connect(temporary)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _restored_file(db: Database, backup: Path) -> Path:
    """The SQLite store's file that `backup` is to replace; a PostgreSQL store, or no such backup, refused."""
    if db.dialect != "sqlite" or db.path is None:
        raise ConfigError(
            "store restore copies a SQLite backup; this store is PostgreSQL.",
            key="store.url",
            fix="restore it with pg_restore (README: Operations, backup and restore).",
        )
    if not backup.is_file():
        raise ConfigError(f"there is no backup {backup}.", fix="give the file `store backup` wrote.")
    return db.path


def restore_sqlite(db: Database, backup: Path) -> int:
    """Replace the store's contents with a backup's; the number of schema migrations the backup had (the store is
    migrated forward when it is next opened, so an older backup comes up to date)."""
    store = _restored_file(db, backup)
    try:
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        source.row_factory = sqlite3.Row  # this connection is the backup file's own, not a `Database`
        try:
            row = source.execute("SELECT COUNT(*) AS migrations FROM schema_migrations").fetchone()
            target = sqlite3.connect(store, timeout=30)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        raise not_a_backup(backup, error) from None
    return int(row["migrations"]) if row else 0


def latest_backup(db: Database) -> str:
    """Where the newest backup is, in words, for a command about to destroy something: the file `store backup` last
    wrote (from the audit trail) and when, whether it is still there, or what to do when there is none."""
    if db.dialect != "sqlite":
        return "none on record here: a PostgreSQL store is backed up with pg_dump; make sure a recent dump exists"
    entry = latest_entry(db, BACKUP_ACTION)
    if entry is None:
        return "none on record: take one first with `lrs-adapter store backup FILE`"
    file = str(entry.after["file"])
    gone = "" if Path(file).is_file() else " (the file is no longer there)"
    return f"{file}, taken {entry.at}{gone}"


def not_a_backup(backup: Path, error: sqlite3.DatabaseError | str) -> ConfigError:
    """What a restore says of a file SQLite cannot read as a store."""
    return ConfigError(
        f"{backup} is not a backup of an lrs-adapter store ({error}).", fix="give the file `store backup` wrote."
    )


@contextmanager
def staged_copy(db: Database, backup: Path) -> Iterator[Path]:
    """A private copy of a backup in a folder beside the store, removed afterwards: it is opened (migrated forward)
    and brought up to date (the erasure log carried in, erasures applied again) before `restore_sqlite` puts it in
    the store's place in one step, so the store is never seen restored but not yet erased again, and a failure on
    the way leaves the store as it was."""
    store = _restored_file(db, backup)
    with tempfile.TemporaryDirectory(dir=store.parent, prefix=".restore-") as folder:
        copy = Path(folder) / "store.db"
        shutil.copyfile(backup, copy)
        yield copy
