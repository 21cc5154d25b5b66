"""Quarantine: statements that failed intake, kept whole with their reason until an admin retries or discards them.

Entries are never deleted: `discard` and a successful `retry` change their status, so the record of what was
received stays. Only an erasure rewrites one, the person's identifiers replaced in its raw text
(store/leftovers.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from lrs_adapter.model.statements import Rejected
from lrs_adapter.store.database import Database, matching

HELD, RELEASED, DISCARDED = "held", "released", "discarded"


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    connector: str
    run_id: int
    source: str
    statement_id: str | None
    field: str
    reason: str
    raw: str
    received_at: str
    status: str
    resolved_at: str | None


COLUMNS = "id, connector, run_id, source, statement_id, field, reason, raw, received_at, status, resolved_at"


def quarantine(db: Database, rejected: Sequence[Rejected], *, connector: str, run_id: int, received_at: str) -> None:
    """Keep each distinct bad input once per connector; meeting it again (an overlap, a re-import) adds nothing."""
    db.executemany(
        "INSERT INTO quarantine (connector, run_id, source, statement_id, field, reason, raw, raw_hash, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connector, raw_hash) DO NOTHING",
        [
            (connector, run_id, r.source, r.statement_id, r.field, r.reason, r.raw, raw_digest(r.raw), received_at)
            for r in rejected
        ],
    )


def raw_digest(raw: str) -> str:
    """What keeps one bad input once per connector (the `quarantine_once` index)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def list_entries(
    db: Database, *, connector: str | None = None, status: str | None = HELD, limit: int = 100
) -> list[QuarantineEntry]:
    where, params = matching({"connector": connector, "status": status})
    rows = db.execute(f"SELECT {COLUMNS} FROM quarantine{where} ORDER BY id LIMIT ?", (*params, limit))
    return [QuarantineEntry(*row) for row in rows]


def count_entries(db: Database, *, connector: str | None = None, status: str | None = HELD) -> int:
    """How many entries `list_entries` would list with no limit."""
    where, params = matching({"connector": connector, "status": status})
    return int(db.execute(f"SELECT COUNT(*) FROM quarantine{where}", params)[0][0])


def get_entry(db: Database, entry_id: int) -> QuarantineEntry | None:
    row = db.one(f"SELECT {COLUMNS} FROM quarantine WHERE id = ?", (entry_id,))
    return QuarantineEntry(*row) if row else None


def resolve(db: Database, entry_id: int, status: str, now: str) -> None:
    db.execute("UPDATE quarantine SET status = ?, resolved_at = ? WHERE id = ?", (status, now, entry_id))
