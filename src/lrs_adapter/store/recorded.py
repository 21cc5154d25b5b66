"""Recorded completions (register rows, LMS history) in the store: kept by content, queued for mapping under their
payroll number, which resolves only through the roster: a row whose number the roster does not know yet waits,
unresolved, and counts once it does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lrs_adapter.model.evidence import RecordedCompletion, RecordedRow
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import payroll_key


def save_recorded(db: Database, rows: Sequence[RecordedRow], *, certification: str, now: str) -> tuple[int, int]:
    """(new rows, rows already imported)."""
    with db.transaction():
        known = {
            row.id
            for row in db.execute("SELECT id FROM recorded_completions WHERE certification = ?", (certification,))
        }
        fresh = [row for row in rows if row.id not in known]
        db.executemany(
            "INSERT INTO recorded_completions (id, certification, kind, option_id, learner_key, payroll_number, name,"
            " completed_on, recorded_by, department, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [
                (
                    r.id,
                    certification,
                    r.kind,
                    r.option,
                    payroll_key(r.payroll_number),
                    r.payroll_number,
                    r.name,
                    r.completed_on.isoformat(),
                    r.recorded_by,
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


def recorded_count(db: Database, certification: str) -> int:
    """How many rows are held for a certification: an import's audit entry shows the number before and after."""
    row = db.one("SELECT COUNT(*) AS held FROM recorded_completions WHERE certification = ?", (certification,))
    return int(row.held) if row else 0


def recorded_completions(db: Database, certification: str, keys: Sequence[str]) -> list[RecordedCompletion]:
    marks = ",".join("?" * len(keys))
    rows = db.execute(
        "SELECT id, kind, option_id, completed_on, source FROM recorded_completions"
        f" WHERE certification = ? AND learner_key IN ({marks})",
        (certification, *keys),
    )
    return [RecordedCompletion(r.id, r.kind, r.option_id, date.fromisoformat(r.completed_on), r.source) for r in rows]
