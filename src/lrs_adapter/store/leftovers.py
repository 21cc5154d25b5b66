"""What an erasure must reach beyond the person's own rows: the places where other records name them.

A quarantined statement keeps its raw text (it could not be parsed into a learner, so nothing links it to them but
that text); another entry of the audit trail (a `remap`, someone else's merge) lists them with their status
history; someone else's register row names them as the manager who delivered the briefing; their reports' roster
rows name them as manager. Each is found by the person's identifiers as text and has them replaced, so the record
stays (what was received, what was done, who attended) but no longer says who they were.

The identifiers are gathered before the erasure deletes the roster row and identifiers they come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lrs_adapter.store.database import Database, rows_in
from lrs_adapter.store.quarantine import raw_digest

#: What a manager's name becomes on someone else's register row.
ERASED_NAME = "(erased)"


@dataclass(frozen=True)
class Identifiers:
    """What a person's records can be recognised by as text: payroll numbers, work e-mail addresses and their xAPI
    SHA-1 sums, and the names on the roster (a name another learner bears too is left out: it is no leftover)."""

    payroll_numbers: tuple[str, ...]
    emails: tuple[str, ...]
    sha1sums: tuple[str, ...]
    names: tuple[str, ...]

    def strings(self) -> list[str]:
        """Longest first, so that a replacement never leaves the tail of a longer identifier behind."""
        found = {*self.payroll_numbers, *self.emails, *self.sha1sums, *self.names}
        return sorted(found, key=lambda s: (-len(s), s))


def identifiers_of(db: Database, learners: Sequence[str]) -> Identifiers:
    """The identifiers of `learners` (a person and the identities merged into them) as the store knows them now."""
    ifis = [r.ifi for r in rows_in(db, "SELECT ifi FROM learner_identifiers WHERE learner_id IN ({})", learners)]
    names = {r.name for r in rows_in(db, "SELECT name FROM learners WHERE id IN ({})", learners)}
    holders = rows_in(db, "SELECT id, name FROM learners WHERE name IN ({})", sorted(names))
    shared = {r.name for r in holders if r.id not in learners}

    def after(prefix: str) -> tuple[str, ...]:
        return tuple(sorted({ifi.removeprefix(prefix) for ifi in ifis if ifi.startswith(prefix)}))

    return Identifiers(
        payroll_numbers=tuple(sorted({*learners, *after("payroll:")})),
        emails=after("mbox:mailto:"),
        sha1sums=after("mbox_sha1sum:"),
        names=tuple(sorted(names - shared)),
    )


def _replaced(text: str, strings: Sequence[str], by: str) -> str:
    for string in strings:
        text = text.replace(string, by)
    return text


def _scrubbed(value: Any, strings: Sequence[str], by: str) -> Any:
    """A JSON value with every identifier inside its strings (and keys) replaced."""
    if isinstance(value, str):
        return _replaced(value, strings, by)
    if isinstance(value, list):
        return [_scrubbed(v, strings, by) for v in value]
    if isinstance(value, dict):
        return {_replaced(k, strings, by): _scrubbed(v, strings, by) for k, v in value.items()}
    return value


def _mentioning(
    db: Database, table: str, columns: Sequence[str], strings: Sequence[str], *, key: str = "id"
) -> list[Any]:
    """Rows of `table` (`key`, then `columns`) whose columns hold any of `strings`: LIKE finds candidates on both
    databases (its `_` and `%` only widen the net), Python keeps those that really hold one."""
    if not strings:
        return []
    where = " OR ".join(f"{column} LIKE ?" for column in columns for _ in strings)
    params = [f"%{s}%" for _ in columns for s in strings]
    rows = db.execute(f"SELECT {key}, {', '.join(columns)} FROM {table} WHERE {where}", params)
    width = len(key.split(","))
    return [row for row in rows if any(s in str(v) for v in row[width:] if v is not None for s in strings)]


def pseudonymise_quarantine(db: Database, identifiers: Identifiers, pseudonym: str) -> int:
    """Quarantined input that names the person, their identifiers replaced by the pseudonym in the raw text (and in
    the reason, which may quote a value); its digest follows the new text, and an entry that became the same input
    as another of its connector's is dropped (the quarantine keeps each input once). Returns how many entries named
    the person."""
    strings = identifiers.strings()
    rows = _mentioning(db, "quarantine", ("raw", "reason"), strings)
    for row in rows:
        raw = _replaced(row.raw, strings, pseudonym)
        same = db.one(
            "SELECT id FROM quarantine WHERE connector = (SELECT connector FROM quarantine WHERE id = ?)"
            " AND raw_hash = ? AND id <> ?",
            (row.id, raw_digest(raw), row.id),
        )
        if same:
            db.execute("DELETE FROM quarantine WHERE id = ?", (row.id,))
            continue
        db.execute(
            "UPDATE quarantine SET raw = ?, reason = ?, raw_hash = ? WHERE id = ?",
            (raw, _replaced(row.reason, strings, pseudonym), raw_digest(raw), row.id),
        )
    return len(rows)


def pseudonymise_audit(db: Database, identifiers: Identifiers, pseudonym: str) -> int:
    """Audit entries that still name the person (someone else's merge, a `remap` listing their status change),
    their identifiers replaced by the pseudonym inside the before, after and reason. Returns how many entries."""
    strings = identifiers.strings()
    rows = _mentioning(db, "audit", ("learner", "reason", "before", "after"), strings)

    def json(text: str | None) -> str | None:
        if text is None:
            return None
        return orjson.dumps(_scrubbed(orjson.loads(text), strings, pseudonym), option=orjson.OPT_SORT_KEYS).decode()

    db.executemany(
        "UPDATE audit SET learner = ?, reason = ?, before = ?, after = ? WHERE id = ?",
        [
            (
                None if row.learner is None else _replaced(row.learner, strings, pseudonym),
                None if row.reason is None else _replaced(row.reason, strings, pseudonym),
                json(row.before),
                json(row.after),
                row.id,
            )
            for row in rows
        ],
    )
    return len(rows)


def reports_of(db: Database, learners: Sequence[str]) -> list[str]:
    """Who the roster says `learners` manage."""
    return [r.id for r in rows_in(db, "SELECT id FROM learners WHERE manager IN ({}) ORDER BY id", learners)]


def forget_as_manager(db: Database, learners: Sequence[str], identifiers: Identifiers) -> tuple[int, int]:
    """Other learners' rows that name the person: as their manager on the roster (no manager now, until HR's next
    roster names one), and as who delivered their briefing on a register row (a register's `delivered_by` may hold
    a payroll number, a name or both: replaced whole by `ERASED_NAME`). Returns (roster rows, register rows)."""
    reports = reports_of(db, learners)
    rows_in(db, "UPDATE learners SET manager = NULL WHERE manager IN ({})", learners)
    strings = identifiers.strings()
    delivered = _mentioning(db, "recorded_completions", ("recorded_by",), strings, key="certification, id")
    db.executemany(
        "UPDATE recorded_completions SET recorded_by = ? WHERE certification = ? AND id = ?",
        [(ERASED_NAME, row.certification, row.id) for row in delivered],
    )
    return len(reports), len(delivered)
