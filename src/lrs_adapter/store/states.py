"""Certification states as the reports read them: stored by the last sync, or evaluated as of another day from the
stored evidence, so "who will be red on 1 June?" needs neither a sync nor a change to the store.

`status`, `report`, the report page and the API all read through here, so they agree on who is shown and how.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.store.certifications import evaluate_learner, stored_evidence
from lrs_adapter.store.database import Database
from lrs_adapter.store.exemptions import exempt_until
from lrs_adapter.store.learners import roster_facts

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


def certification_states(
    db: Database,
    *,
    learner: str | None = None,
    certification: str | None = None,
    manager: str | None = None,
    department: str | None = None,
    as_of: date | None = None,
    mappings: Sequence[Mapping] = (),
) -> list[dict[str, Any]]:
    """One record per learner and certification (keyed by `COLUMNS`), by certification then learner.

    `manager` keeps only their direct reports still on the roster: a leaver is no longer theirs to chase.
    With `as_of`, each state of a certification in `mappings` is evaluated again for that day.
    """
    clauses, params = [], []
    filters = (
        ("s.learner", learner),
        ("s.certification", certification),
        ("l.manager", manager),
        ("l.department", department),
    )
    for column, value in filters:
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if manager:
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
    records = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    if as_of is None:
        return records
    by_id = {m.certification.id: m for m in mappings}
    for record in records:
        mapping = by_id.get(record["certification"])
        if mapping is None:
            continue
        evidence = stored_evidence(db, record["learner"], record["certification"])
        until = exempt_until(db, record["learner"], record["certification"])
        state, _ = evaluate_learner(mapping, evidence, roster_facts(db, record["learner"])[1], as_of, (), until)
        record.update(
            status=state.status,
            certified_on=state.certified_on and state.certified_on.isoformat(),
            due_on=state.due_on and state.due_on.isoformat(),
            window_opens_on=state.window_opens_on and state.window_opens_on.isoformat(),
            option=state.option,
            as_of=as_of.isoformat(),
            exempt_until=state.exempt_until and state.exempt_until.isoformat(),
        )
    return records


def learner_name(db: Database, learner: str) -> str | None:
    """A manager is named on their own page when the roster knows them."""
    row = db.one("SELECT name FROM learners WHERE id = ?", (learner,))
    return str(row[0]) if row and row[0] else None
