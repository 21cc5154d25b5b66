"""One thin connection wrapper over SQLite (the default) and PostgreSQL (shared by several workers).

The SQL in this package is written once, with `?` placeholders and the subset both databases speak
(`ON CONFLICT`, `RETURNING`); the wrapper translates placeholders for psycopg and hides the two drivers'
transaction styles behind `transaction()`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from lrs_adapter.errors import ConfigError

Row = tuple[Any, ...]


class Database:
    """A connection in explicit-transaction mode: nothing is committed except by `transaction()`."""

    dialect: str

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            self.path: Path | None = Path(url.removeprefix("sqlite:///"))
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn: Any = sqlite3.connect(self.path, isolation_level=None, timeout=30)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                # Checkpoint (copy the WAL into the database and fsync) every 32 MB, not every 4 MB: measured 10%
                # faster pulls (bench/RESULTS.md), and the WAL is truncated back at each checkpoint anyway.
                self._conn.execute("PRAGMA wal_autocheckpoint=8000")
                self._conn.execute("PRAGMA foreign_keys=ON")
            except (OSError, sqlite3.Error) as error:
                raise ConfigError(
                    f"cannot open the SQLite store {self.path}: {error}.",
                    key="store.url",
                    fix="point store.url at a writable location.",
                ) from None
        else:
            self.dialect = "postgresql"
            self.path = None
            try:
                self._conn = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
            except psycopg.Error as error:
                # psycopg's message names host and user, never the password.
                raise ConfigError(
                    f"cannot connect to the PostgreSQL store: {str(error).strip()}.",
                    key="store.url",
                    fix="check host, port, database and user in store.url, and that the server is running.",
                ) from None
        self._depth = 0

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._conn.execute(self._sql(sql), params)
        return list(cursor.fetchall()) if cursor.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cursor = self._conn.cursor()
            cursor.executemany(self._sql(sql), rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All or nothing; nested calls join the outer transaction, so helpers can be composed."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()
