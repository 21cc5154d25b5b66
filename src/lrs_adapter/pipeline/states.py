"""Certification states as people ask for them: stored by the last sync, or evaluated as of another day from the
stored evidence, so "who will be red on 1 June?" needs neither a sync nor a change to the store.

`status`, `report`, the report page and the API all read through here, so they agree on who is shown and how.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.certify import evaluate_learner
from lrs_adapter.rules.hierarchy import everyone_below, manager_cycles
from lrs_adapter.store.certifications import stored_evidence
from lrs_adapter.store.database import Database
from lrs_adapter.store.exemptions import exempt_until
from lrs_adapter.store.learners import roster_facts, roster_places
from lrs_adapter.store.states import stored_states


@dataclass(frozen=True)
class Team:
    """Everyone below a manager, and the loops in HR's chains of managers (to report, never to follow)."""

    people: frozenset[str]
    cycles: list[tuple[str, ...]]


def team(db: Database, manager: str) -> Team:
    managers = {person: boss for person, (boss, _) in roster_places(db).items()}
    return Team(everyone_below(managers, manager), manager_cycles(managers))


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

    `manager` keeps everyone below them in the roster's chain of managers (`team`), on the roster now: a leaver is
    no longer theirs to chase. With `as_of`, each state of a certification in `mappings` is evaluated again for that
    day.
    """
    records = stored_states(
        db, learner=learner, certification=certification, department=department, on_roster=manager is not None
    )
    if manager is not None:
        people = team(db, manager).people
        records = [record for record in records if record["learner"] in people]
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
