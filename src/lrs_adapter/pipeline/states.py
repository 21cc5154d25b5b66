"""Certification states as people ask for them: stored by the last sync, or evaluated as of another day from the
stored evidence, so "who will be red on 1 June?" needs neither a sync nor a change to the store.

`status`, `report`, the report page and the API all read through here, so they agree on who is shown and how.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.certify import evaluate_learner
from lrs_adapter.store.certifications import stored_evidence
from lrs_adapter.store.database import Database
from lrs_adapter.store.exemptions import exempt_until
from lrs_adapter.store.learners import roster_facts
from lrs_adapter.store.states import stored_states


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
    """One record per learner and certification (keyed by `store.states.COLUMNS`), by certification then learner.

    `manager` keeps only their direct reports still on the roster: a leaver is no longer theirs to chase.
    With `as_of`, each state of a certification in `mappings` is evaluated again for that day.
    """
    records = stored_states(db, learner=learner, certification=certification, manager=manager, department=department)
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
