"""One thin connection wrapper over SQLite (the default) and PostgreSQL (shared by several workers).

The SQL in this package is written once, with `?` placeholders and the subset both databases speak
(`ON CONFLICT`, `RETURNING`); the wrapper translates placeholders for psycopg and hides the two drivers'
transaction styles behind `transaction()`.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar

import structlog

from lrs_adapter.errors import ConfigError, StoreError

log = structlog.get_logger(__name__)


class Row(tuple[Any, ...]):
    """A row read by column name (`row.learner`) that is still the tuple the driver returned.

    Not `sqlite3.Row`: that one compares unequal to a tuple and cannot be sliced, and code here and in the tests
    unpacks rows (`learner, *values = row`), slices them, zips them with column names and compares them with
    tuples. Both drivers hand their rows to `row_class` (SQLite once per query in `Database.execute`, PostgreSQL
    through psycopg's row factory), so a name reads the same on both. A column without a plain name
    (`COUNT(*)`) is read by name only with an `AS` alias; PostgreSQL folds unquoted names to lower case, so the
    store's SQL names its columns in lower case.
    """

    __slots__ = ()
    _columns: ClassVar[tuple[str, ...]] = ()

    def as_dict(self) -> dict[str, Any]:
        """The row keyed by its column names."""
        return dict(zip(self._columns, self, strict=True))

    def __getattr__(self, name: str) -> Any:  # only reached for a name that is no column
        raise AttributeError(f"the row has no column {name!r} (it has {', '.join(self._columns) or 'none'})")


@lru_cache(maxsize=512)
def row_class(columns: tuple[str, ...]) -> type[Row]:
    """The row type for one list of column names: each name a read-only property, as a namedtuple's fields are."""
    namespace: dict[str, Any] = {"__slots__": (), "_columns": columns}
    for index, name in reversed(list(enumerate(columns))):  # a name given twice reads its first column
        if name.isidentifier() and not hasattr(Row, name) and not name.startswith("_"):
            namespace[name] = property(itemgetter(index))
    return type("Row", (Row,), namespace)


def _postgresql_rows(cursor: Any) -> Any:
    """psycopg's row factory (psycopg.rows.RowFactory): called once per result, gives the row type to build."""
    description = cursor.description
    return row_class(tuple(column.name for column in description)) if description else tuple


#: Values per `IN (...)` list: well inside both databases' limits on parameters.
IN_CHUNK = 500


def rows_in(db: Database, sql: str, values: Sequence[Any], params: Sequence[Any] = ()) -> list[Row]:
    """`sql` with its `{}` made an `IN (...)` list of `values`, run a chunk of them at a time (after `params`)."""
    rows: list[Row] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        rows += db.execute(sql.format(",".join("?" * len(chunk))), (*params, *chunk))
    return rows


def matching(equal: Mapping[str, Any], *conditions: str) -> tuple[str, list[Any]]:
    """A WHERE clause (or nothing) that holds each column in `equal` to its value, those given as None left out, and
    each of `conditions`; with its parameters. A listing and its count share it, so the count is of the same rows."""
    clauses = [f"{column} = ?" for column, value in equal.items() if value is not None] + list(conditions)
    params = [value for value in equal.values() if value is not None]
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


#: The WAL's size on disk after a checkpoint resets it: the 8,000 pages of 16 KB between automatic checkpoints.
WAL_SIZE_LIMIT = 8000 * 16384
#: How long a run's closing checkpoint waits for a reader to finish, in milliseconds, before copying what it can.
CHECKPOINT_WAIT_MS = 1000

#: What is kept when the store fails: the sentence every store fault ends with.
NOTHING_LOST = "nothing committed was lost, and the next run resumes from the last commit."
#: SQLite's primary result codes (the low byte of `sqlite_errorcode`) that a person must fix, and how.
_SQLITE_FAULTS = {
    13: ("the disk holding the store {where} is full", "free space on that disk, or move store.url to a larger one"),
    8: (
        "the store {where} cannot be written",
        "let the user running lrs-adapter write the file, its folder and the -wal and -shm files beside it",
    ),
    10: ("the store {where} could not be read or written", "check that disk (and the system log) and its free space"),
    14: ("the store {where} cannot be opened", "let the user running lrs-adapter read and write it and its folder"),
}
#: PostgreSQL's SQLSTATEs of the same kind: disk full, and a read-only server (a standby, or read-only mode).
_POSTGRESQL_FAULTS = {
    "53100": ("the disk of the PostgreSQL store {where} is full", "free space on the database server's disk"),
    "25006": (
        "the PostgreSQL store {where} is read-only",
        "point store.url at the primary server, or take the database out of read-only mode",
    ),
}


def store_fault(error: Exception, where: str) -> StoreError | None:
    """A StoreError naming the store and the fix for a full disk or a store that cannot be written; None for any
    other database error (a bug, a constraint), which stays what it is."""
    code = getattr(error, "sqlite_errorcode", None)
    known = (
        _SQLITE_FAULTS.get(code & 0xFF)
        if isinstance(code, int)
        else _POSTGRESQL_FAULTS.get(str(getattr(error, "sqlstate", "")))
    )
    if known is None:
        return None
    what, fix = known
    said = " ".join(str(error).split())[:200]
    return StoreError(f"{what.format(where=where)} ({said}): {NOTHING_LOST}", fix=f"{fix}.")


def _uuid_blob(text: str | None) -> bytes | None:
    return None if text is None else uuid.UUID(text).bytes


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
                # A pull commits on a thread of its own, never while another thread uses the connection
                # (pipeline/pull.py).
                self._conn: Any = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
                # A new store's pages hold about six 2 KB statements, not one: at SQLite's default of 4 KB a page
                # fits a single statement and leaves the rest empty, so the file was twice its data and a pull's
                # store writes 30% slower (bench/RESULTS.md). An existing store keeps the size it was made with.
                self._conn.execute("PRAGMA page_size=16384")
                # 32 MB of page cache, not 2 MB: a pull's transaction inserts into the id and learner indexes all
                # over, and with too small a cache SQLite spills and re-reads pages (a system call each). Measured
                # (bench/RESULTS.md): 1M statements pulled in 68 s with this and 10,000-statement transactions, 100 s
                # with 16 MB and 2,000; memory stays flat from 100k to 1M, as the cache fills at either size.
                self._conn.execute("PRAGMA cache_size=-32768")
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                # Checkpoint (copy the WAL into the database and fsync) every 8,000 pages (128 MB), not every 1,000:
                # measured 10% faster pulls (bench/RESULTS.md); the WAL file is reused from its start after each.
                self._conn.execute("PRAGMA wal_autocheckpoint=8000")
                # A checkpoint held off by a reader lets the WAL grow past those 128 MB; once it is reset, cut the
                # file back to them rather than keep its high-water mark on disk (close() truncates it to nothing).
                self._conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
                self._conn.execute("PRAGMA foreign_keys=ON")
                # SQLite 3.40 has no `unhex`: the migration that made statement ids 16 bytes converts with this.
                self._conn.create_function("uuid_blob", 1, _uuid_blob, deterministic=True)
            except (OSError, sqlite3.Error) as error:
                fault = store_fault(error, str(self.path))  # a read-only file or a full disk, as at any write
                if fault is not None:
                    raise fault from None
                raise ConfigError(
                    f"cannot open the SQLite store {self.path}: {error}.",
                    key="store.url",
                    fix="point store.url at a writable location.",
                ) from None
        else:
            self.dialect = "postgresql"
            self.path = None
            import psycopg  # here, not at the top: 50 ms that every command on the default SQLite would pay

            try:
                self._conn = psycopg.connect(
                    url.replace("postgres://", "postgresql://", 1), autocommit=True, row_factory=_postgresql_rows
                )
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

    @property
    def where(self) -> str:
        """The store as a person finds it: the SQLite file, or PostgreSQL's host and database (no credentials)."""
        return str(self.path) if self.path is not None else self.url.rsplit("@", 1)[-1]

    def _raise_fault(self, error: Exception) -> None:
        """A full disk or a store that cannot be written, as a StoreError; any other error as it was."""
        fault = store_fault(error, self.where)
        if fault is not None:
            raise fault from error

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._conn.execute(sql, params)
        except Exception as error:
            self._raise_fault(error)
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """The rows, each a tuple that also reads its columns by name (`Row`)."""
        cursor = self._run(self._sql(sql), params)
        description = cursor.description
        if not description:
            return []
        if self.dialect == "postgresql":
            return list(cursor.fetchall())  # already `Row`s, made by `_postgresql_rows`
        # One row type per query, not sqlite3's per-row `row_factory` (a Python call for every row).
        return list(map(row_class(tuple(column[0] for column in description)), cursor.fetchall()))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cursor = self._conn.cursor()
            try:
                cursor.executemany(self._sql(sql), rows)
            except Exception as error:
                self._raise_fault(error)
                raise

    def insert_new(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], key: str
    ) -> None:
        """`rows` (values of `columns`, each a (name, PostgreSQL type) pair) inserted into `table` in their order,
        a row whose `key` the table holds already skipped. PostgreSQL takes them by binary COPY into a temporary
        table of the same columns and one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`: 2.5x the rows a second of
        a statement a row (bench/RESULTS.md, bench/store.py). SQLite, in the same process, gains nothing from that."""
        names = ", ".join(name for name, _ in columns)
        insert = f"INSERT INTO {table} ({names})"
        if self.dialect == "sqlite" or not rows:
            self.executemany(f"{insert} VALUES ({', '.join('?' * len(columns))}) ON CONFLICT ({key}) DO NOTHING", rows)
            return
        staging = f"{table}_arriving"
        # A temporary table lives as long as the connection (or until the transaction that made it rolls back);
        # its `arrival` numbers the rows so that they reach `table` in the order given.
        self.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (arrival BIGINT GENERATED ALWAYS AS IDENTITY,"
            f" {', '.join(f'{name} {kind}' for name, kind in columns)}) ON COMMIT DELETE ROWS"
        )
        try:
            with self._conn.cursor().copy(f"COPY {staging} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([kind for _, kind in columns])
                for row in rows:
                    copy.write_row(row)
            self._run(f"{insert} SELECT {names} FROM {staging} ORDER BY arrival ON CONFLICT ({key}) DO NOTHING")
        except Exception as error:
            self._raise_fault(error)
            raise
        self._run(f"TRUNCATE {staging}")  # the transaction may go on to insert more

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
        self._run("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        self._depth = 1
        try:
            yield self
            self._run("COMMIT")  # a full disk may fail the commit itself: then nothing of it stands
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0

    def _rollback(self) -> None:
        """Roll back what is open; after a failed COMMIT SQLite may already have (an error here says so, and the
        transaction's own error is the one that matters)."""
        try:
            self._conn.execute("ROLLBACK")
        except Exception as error:
            if "no transaction is active" not in str(error) and store_fault(error, self.where) is None:
                raise

    def close(self) -> None:
        """Close; a SQLite connection that changed rows first copies the WAL into the store and truncates it (see
        `_truncate_wal`), so every run, whichever command ran it, ends with no WAL beside the store. One that only
        read leaves the WAL to the writers: a `status` during a sync waits for nothing at its end."""
        if self.dialect == "sqlite" and self._conn.total_changes:
            self._truncate_wal()
        self._conn.close()

    def _truncate_wal(self) -> None:
        """`PRAGMA wal_checkpoint(TRUNCATE)`. SQLite deletes the WAL itself when its last connection closes, but not
        while another process has the store open (the API, a second command, a backup): the file then stayed at its
        high-water mark, a 57 MB WAL beside a 9.4 MB store. A reader in the middle of a read holds back the part it
        reads: the checkpoint waits a moment, then copies what it can and says so; the next run's end finishes it.
        Nothing here fails the run, whose work is committed already."""
        try:
            self._conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            busy, wal_pages, copied = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as error:
            log.warning("store checkpoint failed", store=self.where, error=str(error))
            return
        if busy:
            log.info(
                "store checkpoint partial: another connection was reading; the WAL stays until a later run ends",
                store=self.where,
                wal_pages=wal_pages,
                copied_pages=copied,
            )
