"""One lock per connector, held by the operating system or the database so that a killed holder frees it.

SQLite: an flock on a file beside the database (the kernel drops it with the process). PostgreSQL: a session-level
advisory lock on its own connection (the server drops it when the connection dies), so workers on several machines
sharing one database exclude each other too.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from lrs_adapter.errors import LockedError
from lrs_adapter.store.database import Database

if TYPE_CHECKING:
    import psycopg

BUSY = "another run of connector {name!r} holds its lock ({how}); this run did nothing. It is safe to run again later."


def advisory_key(schema: str, name: str) -> int:
    """A stable signed 64-bit key per store and lock name: PostgreSQL's advisory locks are keyed by bigint and held
    database-wide, so the store's schema is part of the key (two stores in one database, each in its own schema, do
    not lock each other out)."""
    return int.from_bytes(hashlib.sha256(f"lrs-adapter:{schema}:{name}".encode()).digest()[:8], "big", signed=True)


def _stage(stage: str) -> str:
    """A stage lock's name: its file's or advisory key's, the same for every holder of that stage."""
    return f"(stage) {stage}"


@contextmanager
def connector_lock(db: Database, connector: str) -> Iterator[None]:
    """Taken at once or refused: a second pull of one connector has nothing to add to the first."""
    with _lock(db, connector, wait=0.0, busy=BUSY.format(name=connector, how="{how}")):
        yield


@contextmanager
def stage_lock(db: Database, stage: str, *, wait: float = 600.0) -> Iterator[None]:
    """One run at a time settles the learners' certifications, and one pushes to each sink, whichever connectors
    they pulled: two at once would evaluate a learner twice and write its events twice. A run waits for the other
    (whose work it shares) rather than skip, so what it queued is not left for the next run."""
    busy = f"another run held the {stage} lock ({{how}}) for {wait:.0f} s; this run stopped there. Run it again later."
    with _lock(db, _stage(stage), wait=wait, busy=busy):
        yield


@contextmanager
def erasure_lock(db: Database, *, wait: float = 600.0) -> Iterator[None]:
    """An erasure takes the settle lock, as a sync does while it maps and evaluates: a sync settling the person
    would otherwise write their states back after the erasure. It waits for that sync, then gives up naming it. (A
    sync still pulling holds only its connectors' locks: what it commits after the erasure is held by the erasure
    log, store/erasure_log.py.)"""
    busy = (
        f"a sync (or a remap or another erasure) held the settle lock ({{how}}) for {wait:.0f} s; nothing was"
        " erased. `lrs-adapter runs` shows the sync; erase again once it has finished."
    )
    with _lock(db, _stage("settle"), wait=wait, busy=busy):
        yield


@contextmanager
def _lock(db: Database, name: str, *, wait: float, busy: str) -> Iterator[None]:
    if db.dialect == "sqlite":
        assert db.path is not None
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        path = db.path.with_name(f"{db.path.name}.{safe}.lock")
        lock = FileLock(path, timeout=wait)
        try:
            lock.acquire()
        except Timeout:
            raise LockedError(busy.format(how=f"file lock {path}")) from None
        try:
            yield
        finally:
            lock.release()
        return
    import psycopg  # only a PostgreSQL store pays for importing it
    from psycopg.rows import dict_row

    # A connection of its own (the lock is the connection's), so rows by name through psycopg's dict rows.
    url = db.url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        schema = conn.execute("SELECT current_schema() AS schema").fetchone()
        key = advisory_key(schema["schema"] if schema else "", name)
        deadline = time.monotonic() + wait
        while not _try_advisory_lock(conn, key):
            if time.monotonic() >= deadline:
                raise LockedError(busy.format(how=f"PostgreSQL advisory lock {key}"))
            time.sleep(0.05)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _try_advisory_lock(conn: psycopg.Connection[dict[str, Any]], key: int) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s) AS locked", (key,)).fetchone()
    return bool(row and row["locked"])
