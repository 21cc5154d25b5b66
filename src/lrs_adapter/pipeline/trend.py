"""The trend of a council's (or a department's) compliance: the store's roster, evidence and exemptions read in a
few queries, handed to the pure `rules.trend`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.certify import params_of, pieces_of, routes_of
from lrs_adapter.rules.trend import Month, Tracked, trend
from lrs_adapter.store.certifications import stored_evidence_of
from lrs_adapter.store.database import Database
from lrs_adapter.store.exemptions import exempt_until_of
from lrs_adapter.store.learners import roster_spans


def tracked_people(db: Database, mappings: Sequence[Mapping], department: str | None = None) -> list[Tracked]:
    """Everyone the roster lists or listed (of `department`, as the roster has them now), for every mapping: their
    assignment and leaving dates, the evidence and exemptions stored today."""
    people = roster_spans(db, department)
    learners = [str(p.id) for p in people]
    evidence = stored_evidence_of(db, learners)
    exempt = exempt_until_of(db, learners, [m.certification.id for m in mappings])
    tracked = []
    for mapping in mappings:
        certification, params, routes = mapping.certification.id, params_of(mapping), routes_of(mapping)
        for person in people:
            found = evidence.get((person.id, certification), [])
            tracked.append(
                Tracked(
                    person.id,
                    certification,
                    _day(person.assigned_on),
                    _day(person.left_on),
                    pieces_of(found),
                    params,
                    routes,
                    exempt.get((person.id, certification)),
                )
            )
    return tracked


def roster_trend(
    db: Database, mappings: Sequence[Mapping], days: Sequence[date], department: str | None = None
) -> list[Month]:
    return trend(tracked_people(db, mappings, department), days)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
