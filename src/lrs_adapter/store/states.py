"""Certification states as the reports read them, with the learner's roster details (pipeline/states.py adds
evaluating them as of another day)."""

from __future__ import annotations

from typing import Any

from lrs_adapter.store.database import Database

COLUMNS = (
    "learner",
    "name",
    "department",
    "staff_group",
    "manager",
    "certification",
    "status",
    "certified_on",
    "due_on",
    "window_opens_on",
    "option",
    "as_of",
    "exempt_until",
)


def stored_states(
    db: Database,
    *,
    learner: str | None = None,
    certification: str | None = None,
    department: str | None = None,
    on_roster: bool = False,
) -> list[dict[str, Any]]:
    """One record per learner and certification (keyed by `COLUMNS`), by certification then learner, as the last
    settling stored it. `on_roster` keeps only people on the roster now (a leaver is no longer anyone's to chase)."""
    clauses, params = [], []
    filters = (
        ("s.learner", learner),
        ("s.certification", certification),
        ("l.department", department),
    )
    for column, value in filters:
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if on_roster:
        clauses.append("l.on_roster = 1")
    rows = db.execute(
        "SELECT s.learner, COALESCE(l.name, ''), COALESCE(l.department, ''), COALESCE(l.staff_group, ''), l.manager,"
        " s.certification, s.status, s.certified_on, s.due_on, s.window_opens_on, s.option_id, s.as_of,"
        " s.exempt_until"
        " FROM certification_states s LEFT JOIN learners l ON l.id = s.learner"
        f" {'WHERE ' + ' AND '.join(clauses) if clauses else ''}"
        " ORDER BY s.certification, s.learner",
        tuple(params),
    )
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def learner_name(db: Database, learner: str) -> str | None:
    """A manager is named on their own page when the roster knows them."""
    row = db.one("SELECT name FROM learners WHERE id = ?", (learner,))
    return str(row.name) if row and row.name else None
