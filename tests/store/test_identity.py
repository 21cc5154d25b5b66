"""Merges in the store (SQLite and PostgreSQL): a merged learner's identifiers resolve to the learner kept, whose
keys include them, through a chain of merges too, until the merge is undone."""

from __future__ import annotations

from lrs_adapter.store import Database
from lrs_adapter.store.identity import is_merged, merge, unmerge
from lrs_adapter.store.learners import account_key, keys_of, payroll_key, resolve

HOME = "https://learning.example.gov.uk"


def test_merged_identifiers_resolve_to_the_learner_kept_until_unmerged(db: Database) -> None:
    with db.transaction():
        db.execute("INSERT INTO learner_identifiers (ifi, learner_id) VALUES (?, 'B'), (?, 'A')", ("mbox:b", "mbox:a"))
        merge(db, "A", "B", reason="one person", actor="ann", now="n")
    keys = ["mbox:b", account_key(HOME, "B"), "mbox:a", payroll_key("nobody")]
    assert resolve(db, keys, HOME) == {"mbox:b": "A", account_key(HOME, "B"): "A", "mbox:a": "A"}
    assert keys_of(db, "A", HOME) == sorted({"mbox:a", "mbox:b", account_key(HOME, "A"), account_key(HOME, "B")})
    assert is_merged(db, "B")
    assert not is_merged(db, "A")
    with db.transaction():
        merge(db, "C", "A", reason="and again", actor="ann", now="n")
    assert resolve(db, ["mbox:b"], HOME) == {"mbox:b": "C"}  # B into A, A into C
    with db.transaction():
        assert unmerge(db, "A") == "C"
        assert unmerge(db, "B") == "A"
        assert unmerge(db, "B") is None
    assert resolve(db, keys, HOME) == {"mbox:b": "B", account_key(HOME, "B"): "B", "mbox:a": "A"}
