"""Merging two identities that are one person (an old and a new payroll number, a personal and a work email):
the merged learner's identifiers and history resolve to the learner kept, for as long as the merge stands, whatever
the roster says later. Nothing is moved or rewritten, so `unmerge` only has to drop the merge and evaluate both
again to give each their own history back, exactly as it was."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.store.certifications import save_certification
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import merged_into
from lrs_adapter.store.outbox import SinkEvents


def merge(db: Database, kept: str, merged: str, *, reason: str, actor: str, now: str) -> None:
    db.execute(
        "INSERT INTO merges (merged, kept, reason, actor, merged_at) VALUES (?, ?, ?, ?, ?)",
        (merged, kept, reason, actor, now),
    )


def unmerge(db: Database, merged: str) -> str | None:
    """The learner `merged` had been merged into, or None when it was not merged."""
    row = db.one("SELECT kept FROM merges WHERE merged = ?", (merged,))
    db.execute("DELETE FROM merges WHERE merged = ?", (merged,))
    return str(row[0]) if row else None


def is_merged(db: Database, learner: str) -> bool:
    return learner in merged_into(db)


def retire_states(
    db: Database, learner: str, mappings: Sequence[Mapping], *, now: str, sinks: SinkEvents | None
) -> None:
    """A merged learner's own states no longer stand (their history is the kept learner's now): each completion is
    tombstoned and each cycle revoked (as an evaluation with no evidence does), then the state itself tombstoned."""
    for mapping in mappings:
        certification = mapping.certification.id
        if not db.one(
            "SELECT 1 FROM certification_states WHERE learner = ? AND certification = ?", (learner, certification)
        ):
            continue
        save_certification(db, mapping, learner, [], None, as_of=date.fromisoformat(now[:10]), now=now, sinks=sinks)
        db.execute("DELETE FROM certification_states WHERE learner = ? AND certification = ?", (learner, certification))
        db.execute("DELETE FROM evidence WHERE learner = ? AND certification = ?", (learner, certification))
        db.execute(
            "INSERT INTO changes (learner, certification, kind, subject, record, changed_at) VALUES (?, ?, 'state', ?,"
            " NULL, ?)",
            (learner, certification, f"{learner}|{certification}", now),
        )
