"""After an erasure: the deleted bytes out of the database's files as well as out of its tables.

A deleted or updated row stays on disk until its space is rewritten: in SQLite in free pages of the file and in the
write-ahead log, in PostgreSQL as dead tuples in the table's files. SQLite's file is rebuilt (`VACUUM`) and the log
copied into it and emptied (`wal_checkpoint(TRUNCATE)`); then the files themselves are searched for the person's
identifiers, because a reader that holds the store open (the API, an export) keeps the old pages from being
overwritten, and saying "erased" while the bytes stayed would be a lie. PostgreSQL's tables the erasure touched
are rewritten with `VACUUM FULL`; the server's write-ahead log and base backups still hold the old rows until they
rotate out, which no command of the adapter can reach.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lrs_adapter.errors import StoreError
from lrs_adapter.store.database import Database

#: Every table an erasure deletes from or rewrites rows of.
ERASED_TABLES = (
    "statements",
    "statement_learners",
    "statement_conflicts",
    "quarantine",
    "learners",
    "learner_identifiers",
    "learners_to_map",
    "recorded_completions",
    "evidence",
    "completions",
    "certification_states",
    "changes",
    "outbox",
    "audit",
    "exemptions",
    "retractions",
    "merges",
)
#: How long a checkpoint waits for readers to let go of the old pages (ms): a reader holding the store open now
#: (a running API, a long export) will not let go within the 30 s the store otherwise waits.
CHECKPOINT_WAIT_MS = 2000
#: PostgreSQL: how long VACUUM FULL waits for the exclusive lock on a table before giving up (a long transaction).
VACUUM_LOCK_WAIT = "60s"


@dataclass(frozen=True)
class Compacted:
    """What the clean-up did: SQLite's files searched, or PostgreSQL's tables rewritten."""

    files: tuple[str, ...] = ()
    vacuumed: tuple[str, ...] = ()


def compact(db: Database, identifiers: Sequence[str]) -> Compacted:
    """Outside any transaction, after the erasure committed. Raises StoreError when SQLite's files still hold one
    of `identifiers`, or when PostgreSQL could not rewrite a table, saying what to do."""
    if db.dialect == "sqlite":
        return _compact_sqlite(db, identifiers)
    return _vacuum_postgresql(db)


def _compact_sqlite(db: Database, identifiers: Sequence[str]) -> Compacted:
    assert db.path is not None  # a SQLite store is a file
    busy = rebuild_sqlite(db)
    files = [p for p in (db.path, Path(f"{db.path}-wal"), Path(f"{db.path}-shm")) if p.exists()]
    holding = [str(p) for p in files if holds_any(p, identifiers)]
    if holding:
        raise StoreError(
            f"the erasure is committed, but the person's identifiers are still in {', '.join(holding)}"
            + (": another process holds the store open, so its old pages could not be rewritten" if busy else "")
            + ".",
            fix="stop every process that has the store open (`lrs-adapter serve`, a sync, an export, a sqlite3"
            " shell), then run `lrs-adapter store compact`, which rebuilds the file and empties its log.",
        )
    return Compacted(files=tuple(str(p) for p in files))


def rebuild_sqlite(db: Database) -> bool:
    """The file rebuilt and its log copied in and emptied; True when a reader kept the log from being emptied (the
    old pages are still on disk). The connection waits `CHECKPOINT_WAIT_MS` for locks from here on: call it last."""
    db.execute("VACUUM")
    db.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
    checkpoint = db.one("PRAGMA wal_checkpoint(TRUNCATE)")  # (busy, log pages, pages checkpointed)
    return bool(checkpoint and checkpoint[0])


def compact_store(db: Database) -> Compacted:
    """`store compact`: what an erasure does to the files, on its own (after a reader held an erasure's clean-up
    up). Raises StoreError when a reader still keeps SQLite's log from being emptied."""
    if db.dialect != "sqlite":
        return _vacuum_postgresql(db)
    assert db.path is not None
    if rebuild_sqlite(db):
        raise StoreError(
            f"another process still holds {db.path} open, so its old pages stay in the file.",
            fix="stop it (`lrs-adapter serve`, a sync, an export, a sqlite3 shell) and run `store compact` again.",
        )
    return Compacted(files=(str(db.path),))


def _vacuum_postgresql(db: Database) -> Compacted:
    """VACUUM FULL copies a dead row it may not yet remove: one that a transaction running since before it was
    deleted could still see, on any database of the server. So it runs only once no transaction (nor snapshot)
    older than the erasure is left: a transaction id taken now is above the erasure's, and a transaction running
    from before it is one whose id or snapshot is older than that; none left means none can start again."""
    import psycopg  # here, as in database.py: only a PostgreSQL store needs it

    tables = ", ".join(ERASED_TABLES)
    again = f"run `lrs-adapter store compact` (or, as the store's owner, VACUUM (FULL) {tables};)"
    mark = db.one("SELECT pg_current_xact_id() AS xid")
    older = "age(CAST(CAST(? AS xid8) AS xid))"
    holders = db.execute(
        "SELECT pid, datname FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        f" AND (age(backend_xid) >= {older} OR age(backend_xmin) >= {older}) ORDER BY pid",
        (mark.xid, mark.xid) if mark else (None, None),
    )
    if holders:
        named = ", ".join(f"pid {row.pid} on {row.datname}" for row in holders)
        raise StoreError(
            f"the erasure is committed, but transactions open since before it ({named}) may still see the erased"
            " rows, so PostgreSQL would keep them in the files as dead tuples: the tables were not rewritten.",
            fix=f"once those transactions end, {again}.",
        )
    try:
        db.execute(f"SET lock_timeout = '{VACUUM_LOCK_WAIT}'")
        db.execute(f"VACUUM (FULL) {tables}")
    except psycopg.Error as error:
        raise StoreError(
            f"the erasure is committed, but PostgreSQL could not rewrite the tables it touched"
            f" ({' '.join(str(error).split())[:200]}): the erased rows stay in their files as dead tuples.",
            fix=f"when no long transaction holds them, {again}.",
        ) from None
    finally:
        db.execute("RESET lock_timeout")
    return Compacted(vacuumed=ERASED_TABLES)


def _pattern(identifiers: Sequence[str]) -> re.Pattern[bytes]:
    """An identifier made only of hex digits (a numeric payroll number) is matched only between non-hex bytes:
    inside a random UUID (a statement id, a pseudonym) five digits in a row are no one's."""
    parts = [
        rb"(?<![0-9A-Fa-f])" + re.escape(s.encode()) + rb"(?![0-9A-Fa-f])"
        if re.fullmatch(r"[0-9A-Fa-f]+", s) and len(s) < 32
        else re.escape(s.encode())
        for s in identifiers
    ]
    return re.compile(b"|".join(parts))


def holds_any(path: Path, identifiers: Sequence[str]) -> bool:
    """Whether the file's bytes hold one of `identifiers` as UTF-8 (read through a memory map: a store of millions
    of statements is never loaded whole)."""
    if not identifiers or path.stat().st_size == 0:
        return False
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _pattern(identifiers).search(data) is not None
