"""Register rows in the store: kept by content, queued for mapping under their payroll number, which resolves only
through the roster: a row whose number the roster does not know yet waits, unresolved, and counts once it does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lrs_adapter.mapping.mapper import RegisterEntry
from lrs_adapter.sources.register import RegisterRow
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import payroll_key


def save_register(db: Database, rows: Sequence[RegisterRow], *, certification: str, now: str) -> tuple[int, int]:
    """(new rows, rows already imported)."""
    with db.transaction():
        known = {
            row[0] for row in db.execute("SELECT id FROM register_entries WHERE certification = ?", (certification,))
        }
        fresh = [row for row in rows if row.id not in known]
        db.executemany(
            "INSERT INTO register_entries (id, certification, learner_key, payroll_number, name, delivered_on,"
            " delivered_by, department, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [
                (
                    r.id,
                    certification,
                    payroll_key(r.payroll_number),
                    r.payroll_number,
                    r.name,
                    r.delivered_on.isoformat(),
                    r.delivered_by,
                    r.department,
                    r.source,
                    now,
                )
                for r in fresh
            ],
        )
        db.executemany(
            "INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING",
            sorted({(payroll_key(r.payroll_number),) for r in fresh}),
        )
    return len(fresh), len(rows) - len(fresh)


def register_entries(db: Database, certification: str, keys: Sequence[str]) -> list[RegisterEntry]:
    marks = ",".join("?" * len(keys))
    rows = db.execute(
        f"SELECT id, delivered_on, source FROM register_entries WHERE certification = ? AND learner_key IN ({marks})",
        (certification, *keys),
    )
    return [RegisterEntry(row[0], date.fromisoformat(row[1]), row[2]) for row in rows]
