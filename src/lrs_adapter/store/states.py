"""Certification states as people ask for them: as stored by the last sync, or evaluated as of another day from
the stored evidence, with the learner's place in the organisation. One reader for the CLI's status and report
commands and for the API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.store.certifications import evaluate_learner, stored_evidence
from lrs_adapter.store.database import Database
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
)


def read_states(
    db: Database, mappings: Sequence[Path], where: str, params: tuple[Any, ...], as_of: date | None
) -> list[dict[str, Any]]:
    """`where` filters `certification_states s LEFT JOIN learners l`; `mappings`: the configured mapping files,
    read only to evaluate `as_of` another day."""
    rows = db.execute(
        "SELECT s.learner, COALESCE(l.name, ''), COALESCE(l.department, ''), COALESCE(l.staff_group, ''), l.manager,"
        " s.certification, s.status, s.certified_on, s.due_on, s.window_opens_on, s.option_id, s.as_of"
        f" FROM certification_states s LEFT JOIN learners l ON l.id = s.learner {where}"
        " ORDER BY s.certification, s.learner",
        params,
    )
    records = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    if as_of is None:
        return records
    loaded = {m.certification.id: m for m in map(load_mapping, mappings)}
    for record in records:
        mapping = loaded.get(record["certification"])
        if mapping is None:
            continue
        evidence = stored_evidence(db, record["learner"], record["certification"])
        state, _ = evaluate_learner(mapping, evidence, roster_facts(db, record["learner"])[1], as_of)
        record.update(
            status=state.status,
            certified_on=state.certified_on and state.certified_on.isoformat(),
            due_on=state.due_on and state.due_on.isoformat(),
            window_opens_on=state.window_opens_on and state.window_opens_on.isoformat(),
            option=state.option,
            as_of=as_of.isoformat(),
        )
    return records
