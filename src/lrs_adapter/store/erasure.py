"""Erasing a person's data (UK GDPR: a leaver past the retention period, or an erasure request). What identifies
them goes: their roster row and identifiers, register and history rows, evidence, completions, states and
deliveries are deleted; their statements stay (they are the LRSs' record, and other learners' history may refer
to them) with the actor replaced by a random pseudonym in the stored JSON and no learner; their feed records are
emptied where they stand (a consumer's cursor at one stays valid) and a tombstone for each is appended, naming
only the seq it erases (store/certifications.py `tombstone_erased`); their own audit entries keep their place
under the pseudonym, emptied; and what other records say of them is pseudonymised (store/leftovers.py).

The pseudonym is random, not derived from the person, so nobody can recompute it from a payroll number."""

from __future__ import annotations

import uuid
from dataclasses import astuple, dataclass, fields, replace
from datetime import date
from typing import Any

import orjson

from lrs_adapter.store.certifications import tombstone_erased
from lrs_adapter.store.database import Database, rows_in
from lrs_adapter.store.learners import identities, keys_of, payroll_key
from lrs_adapter.store.leftovers import (
    Identifiers,
    forget_as_manager,
    identifiers_of,
    pseudonymise_audit,
    pseudonymise_quarantine,
)
from lrs_adapter.store.statement_keys import id_text
from lrs_adapter.store.statements import Held

#: The account homePage of a pseudonymised actor.
ERASED_HOME = "urn:lrs-adapter:erased"


@dataclass(frozen=True)
class Erased:
    """What one erasure removed or pseudonymised, by kind: the report and the audit entry."""

    pseudonym: str
    statements: int
    roster_rows: int
    identifiers: int
    recorded_rows: int
    completions: int
    states: int
    feed_records: int  # tombstoned: each emptied and a tombstone appended
    deliveries: int
    audit_entries: int
    leftovers: Leftovers


@dataclass(frozen=True)
class Leftovers:
    """What other records said of the person, now pseudonymised or replaced (store/leftovers.py)."""

    quarantined: int = 0
    other_audit_entries: int = 0
    reports: int = 0  # other learners' roster rows that named them as manager
    delivered_briefings: int = 0  # other learners' register rows that named them as who delivered the briefing

    def __add__(self, other: Leftovers) -> Leftovers:
        return Leftovers(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class Leaver:
    learner: str
    left_on: date


def leavers_before(db: Database, cutoff: date) -> list[Leaver]:
    """People whose leaving date lies before `cutoff` (the retention period's start)."""
    rows = db.execute(
        "SELECT id, left_on FROM learners WHERE left_on IS NOT NULL AND left_on < ? ORDER BY left_on, id",
        (cutoff.isoformat(),),
    )
    return [Leaver(str(r.id), date.fromisoformat(str(r.left_on))) for r in rows]


def roster_standing(db: Database, learner: str) -> dict[str, Any] | None:
    """Whether the person is on the roster and when they left (None: not on it): an erasure's audit entry keeps
    this much of them as they were."""
    row = db.one("SELECT left_on, on_roster FROM learners WHERE id = ?", (learner,))
    return {"left_on": row.left_on, "on_roster": bool(row.on_roster)} if row else None


def employment(db: Database, learner: str, today: date) -> str | None:
    """Why the person still counts as employed (None when they do not): an erasure then needs forcing."""
    row = db.one("SELECT on_roster, left_on FROM learners WHERE id = ?", (learner,))
    if row is None:
        return None
    on_roster, left_on = bool(row.on_roster), row.left_on
    if left_on is None and on_roster:
        return "on HR's roster with no leaving date"
    if left_on is not None and date.fromisoformat(str(left_on)) > today:
        return f"leaving on {left_on}, not yet"
    return None


def _pseudonymised(raw: str, actor: dict[str, Any]) -> str:
    statement = orjson.loads(raw)
    statement["actor"] = actor
    return orjson.dumps(statement).decode()


def erase(db: Database, learner: str, *, home_page: str | None, now: str) -> Erased:
    """Call in a transaction; then compact the store (store/compaction.py), so the deleted bytes leave the database
    files too. The identities merged into the learner are the same person: they are erased too, each under its own
    pseudonym, and counted here."""
    merged = [erase_one(db, m, home_page=home_page, now=now) for m in identities(db, learner)[1:]]
    erased = erase_one(db, learner, home_page=home_page, now=now)
    summed = {f.name: sum((getattr(m, f.name) for m in merged), getattr(erased, f.name)) for f in fields(Erased)[1:]}
    return replace(erased, **summed)


def erase_one(db: Database, learner: str, *, home_page: str | None, now: str) -> Erased:
    pseudonym = f"erased-{uuid.uuid4().hex}"
    identifiers = identifiers_of(db, [learner])
    actor = {"objectType": "Agent", "account": {"homePage": ERASED_HOME, "name": pseudonym}}
    keys = sorted(set(keys_of(db, learner, home_page)) | {payroll_key(learner)})
    statements = rows_in(
        db,
        "SELECT s.id, s.content_hash, s.raw FROM statements s JOIN statement_learners k ON k.id = s.learner_key"
        " WHERE k.learner IN ({})",
        keys,
    )
    # The hash of what was received stays with the row, whose text no longer is that (store/statements.py): the
    # statement met again is known as the one stored.
    db.executemany(
        "UPDATE statements SET raw = ?, learner_key = NULL, content_hash = ? WHERE id = ?",
        [(_pseudonymised(r.raw, actor), Held(r.content_hash, r.raw).digest, r.id) for r in statements],
    )
    rows_in(db, "DELETE FROM statement_learners WHERE learner IN ({})", keys)
    ids = [id_text(row.id) for row in statements]
    conflicts = rows_in(db, "SELECT id, raw FROM statement_conflicts WHERE statement_id IN ({})", ids)
    db.executemany(
        "UPDATE statement_conflicts SET raw = ? WHERE id = ?", [(_pseudonymised(r.raw, actor), r.id) for r in conflicts]
    )
    recorded = rows_in(db, "SELECT id FROM recorded_completions WHERE learner_key IN ({})", keys)
    recorded += db.execute("SELECT id FROM recorded_completions WHERE payroll_number = ?", (learner,))
    rows_in(db, "DELETE FROM recorded_completions WHERE learner_key IN ({})", keys)
    db.execute("DELETE FROM recorded_completions WHERE payroll_number = ?", (learner,))
    rows_in(db, "DELETE FROM learners_to_map WHERE learner IN ({})", keys)

    def delete(table: str, column: str = "learner") -> int:
        found = db.one(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (learner,))
        db.execute(f"DELETE FROM {table} WHERE {column} = ?", (learner,))
        return int(found[0]) if found else 0

    counts = {
        "completions": delete("completions"),
        "states": delete("certification_states"),
        "deliveries": delete("outbox"),
        "roster_rows": delete("learners", "id"),
        "identifiers": delete("learner_identifiers", "learner_id"),
    }
    for table, column in (("evidence", "learner"), ("exemptions", "learner"), ("retractions", "learner")):
        delete(table, column)
    db.execute("DELETE FROM merges WHERE merged = ? OR kept = ?", (learner, learner))
    feed = tombstone_erased(db, [learner], now)
    audit = db.one("SELECT COUNT(*) FROM audit WHERE learner = ?", (learner,))
    db.execute(
        "UPDATE audit SET learner = ?, before = NULL, after = NULL, reason = NULL WHERE learner = ?",
        (pseudonym, learner),
    )
    return Erased(
        pseudonym=pseudonym,
        statements=len(statements),
        recorded_rows=len(set(recorded)),
        feed_records=feed,
        audit_entries=int(audit[0]) if audit else 0,
        leftovers=erase_leftovers(db, learner, identifiers, pseudonym),
        **counts,
    )


def erase_leftovers(db: Database, learner: str, identifiers: Identifiers, pseudonym: str) -> Leftovers:
    """After the person's own rows: what other records say of them (store/leftovers.py)."""
    reports, briefings = forget_as_manager(db, [learner], identifiers)
    return Leftovers(
        quarantined=pseudonymise_quarantine(db, identifiers, pseudonym),
        other_audit_entries=pseudonymise_audit(db, identifiers, pseudonym),
        reports=reports,
        delivered_briefings=briefings,
    )
