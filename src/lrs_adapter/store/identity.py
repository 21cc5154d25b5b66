"""Merging two identities that are one person (an old and a new payroll number, a personal and a work email):
the merged learner's identifiers and history resolve to the learner kept, for as long as the merge stands, whatever
the roster says later. Nothing is moved or rewritten, so `unmerge` only has to drop the merge and evaluate both
again to give each their own history back, exactly as it was."""

from __future__ import annotations

from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import merged_into


def merge(db: Database, kept: str, merged: str, *, reason: str, actor: str, now: str) -> None:
    db.execute(
        "INSERT INTO merges (merged, kept, reason, actor, merged_at) VALUES (?, ?, ?, ?, ?)",
        (merged, kept, reason, actor, now),
    )


def unmerge(db: Database, merged: str) -> str | None:
    """The learner `merged` had been merged into, or None when it was not merged."""
    row = db.one("SELECT kept FROM merges WHERE merged = ?", (merged,))
    db.execute("DELETE FROM merges WHERE merged = ?", (merged,))
    return str(row.kept) if row else None


def is_merged(db: Database, learner: str) -> bool:
    return learner in merged_into(db)
