"""Backing up a SQLite store while it is in use: SQLite's online backup API copies a consistent snapshot page by
page (a sync may be writing meanwhile), into a file beside the target that replaces it only when complete, so a
backup is never half written. PostgreSQL stores are backed up with pg_dump (README: Operations)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from lrs_adapter.errors import ConfigError
from lrs_adapter.store.database import Database


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
