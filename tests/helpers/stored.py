"""What the statements table holds, in the text forms the rest of the adapter uses (the table keys ids by their
16 bytes and actors by number: store/statement_keys.py)."""

from __future__ import annotations

from lrs_adapter.store import Database
from lrs_adapter.store.statement_keys import id_text


def stored_ids(db: Database) -> set[str]:
    return {id_text(row.id) for row in db.execute("SELECT id FROM statements")}


def statement_learners(db: Database) -> list[str | None]:
    """Each stored statement's actor key (None for a Group's or an erased person's), in arrival order."""
    rows = db.execute(
        "SELECT k.learner FROM statements s LEFT JOIN statement_learners k ON k.id = s.learner_key ORDER BY s.seq"
    )
    return [row.learner for row in rows]
