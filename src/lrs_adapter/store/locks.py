"""One lock per connector, held by the operating system or the database so that a killed holder frees it.

SQLite: an flock on a file beside the database (the kernel drops it with the process). PostgreSQL: a session-level
advisory lock on its own connection (the server drops it when the connection dies), so workers on several machines
sharing one database exclude each other too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from filelock import FileLock, Timeout

from lrs_adapter.errors import LockedError
from lrs_adapter.store.database import Database

BUSY = "another run of connector {name!r} holds its lock ({how}); this run did nothing. It is safe to run again later."


def advisory_key(connector: str) -> int:
    """A stable signed 64-bit key per connector: PostgreSQL's advisory locks are keyed by bigint."""
    return int.from_bytes(hashlib.sha256(f"lrs-adapter:{connector}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def connector_lock(db: Database, connector: str) -> Iterator[None]:
    if db.dialect == "sqlite":
        assert db.path is not None
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", connector)
        path = db.path.with_name(f"{db.path.name}.{safe}.lock")
        lock = FileLock(path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise LockedError(BUSY.format(name=connector, how=f"file lock {path}")) from None
        try:
            yield
        finally:
            lock.release()
        return
    with psycopg.connect(db.url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        key = advisory_key(connector)
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if not row or not row[0]:
            raise LockedError(BUSY.format(name=connector, how=f"PostgreSQL advisory lock {key}"))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
