"""Reading the change log in an order a consumer can follow with one cursor and never miss or repeat a change.

On SQLite one transaction writes at a time, so commit order is `seq` order. On PostgreSQL writers take `seq` values
in one order and commit in another: a reader that passed seq 11 while seq 10 was still uncommitted would never see
10. So a row is shown only once no open transaction can still commit before it: its writer's transaction id is
below the oldest transaction still running (`pg_snapshot_xmin`), and rows are ordered by (writer, seq). Every
transaction that commits later has an id at or above that horizon, so it lands after everything already shown.
A cursor is the `seq` of the last record read; the reader finds that record's place in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from lrs_adapter.errors import AdapterError
from lrs_adapter.store.database import Database

KINDS = {"completions": "completion", "certifications": "state"}

#: Rows no open PostgreSQL transaction can still precede.
_SETTLED = "writer_xid < pg_snapshot_xmin(pg_current_snapshot())"


class UnknownCursor(AdapterError):
    """An `after` that is no record's seq: reading on from a guessed place could skip changes."""

    error_class = "usage"


@dataclass(frozen=True)
class Change:
    seq: int
    learner: str
    certification: str
    kind: str
    subject: str
    record: dict[str, Any] | None  # None: a tombstone, the subject no longer stands
    changed_at: str


def read_changes(db: Database, kind: str, *, after: int = 0, limit: int | None = None) -> list[Change]:
    """Changes of one kind ("completion" or "state") after the record whose seq is `after` (0: from the start)."""
    columns = "seq, learner, certification, kind, subject, record, changed_at"
    page = "" if limit is None else f" LIMIT {int(limit)}"
    if db.dialect == "sqlite":
        _check_cursor(db, after, "")
        rows = db.execute(f"SELECT {columns} FROM changes WHERE kind = ? AND seq > ? ORDER BY seq{page}", (kind, after))
    elif after == 0:
        rows = db.execute(
            f"SELECT {columns} FROM changes WHERE kind = ? AND {_SETTLED} ORDER BY writer_xid, seq{page}", (kind,)
        )
    else:
        writer = _check_cursor(db, after, f" AND {_SETTLED}")
        rows = db.execute(
            f"SELECT {columns} FROM changes WHERE kind = ? AND {_SETTLED}"
            f" AND (writer_xid, seq) > (CAST(? AS xid8), ?) ORDER BY writer_xid, seq{page}",
            (kind, writer, after),
        )
    return [Change(r[0], r[1], r[2], r[3], r[4], orjson.loads(r[5]) if r[5] else None, r[6]) for r in rows]


def _check_cursor(db: Database, after: int, settled: str) -> str | None:
    if after == 0:
        return None
    row = db.one(f"SELECT writer_xid FROM changes WHERE seq = ?{settled}", (after,))
    if row is None:
        raise UnknownCursor(
            f"no record of the feed has seq {after}: pass the seq of the last record you read (or 0 for all)."
        )
    return None if row[0] is None else str(row[0])
