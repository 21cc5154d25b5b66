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
from lrs_adapter.store.certifications import changes_after, settled_change
from lrs_adapter.store.database import Database

KINDS = {"completions": "completion", "certifications": "state"}


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
    erases: int | None = None  # an erasure's tombstone: the seq of the record to delete (learner and subject empty)


def read_changes(db: Database, kind: str, *, after: int = 0, limit: int | None = None) -> list[Change]:
    """Changes of one kind ("completion" or "state") after the record whose seq is `after` (0: from the start)."""
    rows = changes_after(db, kind, after=after, writer=_writer_of(db, after), limit=limit)
    return [
        Change(r.seq, r.learner, r.certification, r.kind, r.subject, _record(r.record), r.changed_at, r.erases)
        for r in rows
    ]


def _record(text: str | None) -> dict[str, Any] | None:
    return orjson.loads(text) if text else None


def _writer_of(db: Database, after: int) -> str | None:
    """The transaction id that wrote the cursor's record (None on SQLite, and for 0); refused when it is none."""
    if after == 0:
        return None
    row = settled_change(db, after)
    if row is None:
        raise UnknownCursor(
            f"no record of the feed has seq {after}: pass the seq of the last record you read (or 0 for all)."
        )
    return None if row.writer_xid is None else str(row.writer_xid)
