"""The manager's compliance page: `render_report` reads a manager's team from the store and renders it, for
`report --html FILE` and for the HTTP API's `/report`; `page` renders it from data alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.report.page import Report, TeamMember, render, urgency
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import is_manager_known
from lrs_adapter.store.states import learner_name


class UnknownManager(LookupError):
    """Nobody on the roster has this id or is managed by it: a typing mistake, not an empty team (CLI exit 2, HTTP
    404)."""

    def __init__(self, manager: str) -> None:
        self.manager = manager
        super().__init__(f"no manager {manager!r}: nobody on the roster has this id or reports to it")


def team_states(
    db: Database, *, mappings: Sequence[Mapping], manager: str, as_of: date | None = None
) -> list[dict[str, Any]]:
    """The manager's direct reports' states (`certification_states`), most urgent first, as the page shows them.
    Raises UnknownManager for an id the roster does not know."""
    if not is_manager_known(db, manager):
        raise UnknownManager(manager)
    records = certification_states(db, manager=manager, as_of=as_of, mappings=mappings)
    return sorted(records, key=urgency_of)


def urgency_of(record: dict[str, Any]) -> tuple[object, ...]:
    return urgency(record["status"], record["due_on"], record["name"], record["learner"], record["certification"])


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
    is served at (None for a static file). Raises ValueError for a status that is not red, amber, green or none,
    UnknownManager for a manager the roster does not know."""
    names = {m.certification.id: m.certification.name for m in mappings}
    options = {(m.certification.id, o.id): o.name for m in mappings for o in m.options.values()}
    records = team_states(db, mappings=mappings, manager=manager, as_of=as_of)
    members = [member(record, names, options) for record in records]
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


def member(record: dict[str, Any], names: dict[str, str], options: dict[tuple[str, str], str]) -> TeamMember:
    """`names` of the certifications and `options` (by certification and option id) as the mappings call them."""

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
        option=options.get((record["certification"], record["option"]), record["option"]),
    )


__all__ = ["UnknownManager", "render_report", "team_states"]
