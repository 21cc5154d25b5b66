"""The manager's compliance page: `render_report` reads a manager's team from the store and renders it, for
`report --html FILE` and for the HTTP API's `/report`; `page` renders it from data alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.report.page import Report, TeamMember, render
from lrs_adapter.store.database import Database
from lrs_adapter.store.states import learner_name


def render_report(
    db: Database,
    *,
    mappings: Sequence[Mapping],
    manager: str,
    department: str | None = None,
    status: str | None = None,
    as_of: date | None = None,
    form_action: str | None = None,
) -> str:
    """`mappings` name the certifications and, with `as_of`, evaluate that day; `form_action` is the URL the page
    is served at (None for a static file). Raises ValueError for a status that is not red, amber, green or none."""
    names = {m.certification.id: m.certification.name for m in mappings}
    members = [
        member(record, names) for record in certification_states(db, manager=manager, as_of=as_of, mappings=mappings)
    ]
    return render(
        Report(
            manager=manager,
            manager_name=learner_name(db, manager),
            members=members,
            department=department,
            status=status,
            as_of=as_of,
            form_action=form_action,
        )
    )


def member(record: dict[str, Any], names: dict[str, str]) -> TeamMember:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return TeamMember(
        learner=record["learner"],
        name=record["name"],
        department=record["department"],
        certification=names.get(record["certification"], record["certification"]),
        status=record["status"],
        certified_on=day(record["certified_on"]),
        window_opens_on=day(record["window_opens_on"]),
        due_on=day(record["due_on"]),
        evaluated_on=date.fromisoformat(record["as_of"]),
        exempt_until=day(record["exempt_until"]),
    )


__all__ = ["render_report"]
