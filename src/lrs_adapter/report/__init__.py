"""The manager's compliance page: `render_report` reads a manager's team from the store and renders it, for
`report --html FILE` and for the HTTP API's `/report`; `page` renders it from data alone. `render_own_status` is a
signed-in learner's own page (`own`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.report.own import OwnCertification, OwnStatus, render_own
from lrs_adapter.report.page import Report, SignedIn, TeamMember, render, urgency
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
    db: Database,
    *,
    mappings: Sequence[Mapping],
    manager: str | None,
    as_of: date | None = None,
    department: str | None = None,
    people: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """The states (`certification_states`) of everyone below `manager`, most urgent first, as the page shows them;
    with no manager, of `department`'s people, or with neither of the whole council. `people` keeps only those (whom
    a signed-in reader may see). Raises UnknownManager for an id the roster does not know."""
    if manager is not None and not is_manager_known(db, manager):
        raise UnknownManager(manager)
    records = certification_states(
        db, manager=manager, department=None if manager else department, as_of=as_of, mappings=mappings
    )
    return sorted((r for r in records if people is None or r["learner"] in people), key=urgency_of)


def urgency_of(record: dict[str, Any]) -> tuple[object, ...]:
    return urgency(record["status"], record["due_on"], record["name"], record["learner"], record["certification"])


def render_report(
    db: Database,
    *,
    mappings: Sequence[Mapping],
    manager: str | None,
    department: str | None = None,
    status: str | None = None,
    as_of: date | None = None,
    form_action: str | None = None,
    people: Collection[str] | None = None,
    signed_in: SignedIn | None = None,
    heading: str | None = None,
) -> str:
    """`mappings` name the certifications and, with `as_of`, evaluate that day; `form_action` is the URL the page
    is served at (None for a static file). Raises ValueError for a status that is not red, amber, green or none,
    UnknownManager for a manager the roster does not know.

    Served to someone signed in: `people` is who they may see (the page shows no one else), `signed_in` names them.
    No `manager` is a department's page (`department`), or the whole council's, named by `heading`."""
    names = {m.certification.id: m.certification.name for m in mappings}
    options = {(m.certification.id, o.id): o.name for m in mappings for o in m.options.values()}
    records = team_states(db, mappings=mappings, manager=manager, as_of=as_of, department=department, people=people)
    members = [member(record, names, options) for record in records]
    return render(
        Report(
            manager=manager or "",
            manager_name=heading or (learner_name(db, manager) if manager else None),
            members=members,
            department=department,
            status=status,
            as_of=as_of,
            form_action=form_action,
            signed_in=signed_in,
        )
    )


def render_own_status(db: Database, *, mappings: Sequence[Mapping], learner: str, signed_in: SignedIn) -> str:
    """A learner's own page: each certification as the last sync stored it, with every option that certifies."""
    by_id = {m.certification.id: m for m in mappings}
    names = {m.certification.id: m.certification.name for m in mappings}
    option_names = {(m.certification.id, o.id): o.name for m in mappings for o in m.options.values()}
    certifications, evaluated = [], []
    for record in certification_states(db, learner=learner):
        mapping = by_id.get(record["certification"])
        state = member(record, names, option_names)
        evaluated.append(state.evaluated_on)
        certifications.append(
            OwnCertification(
                certification=state.certification,
                status=state.status,
                certified_on=state.certified_on,
                window_opens_on=state.window_opens_on,
                due_on=state.due_on,
                exempt_until=state.exempt_until,
                certified_by=state.option,
                options=tuple(o.name for o in mapping.options.values()) if mapping else (),
            )
        )
    return render_own(
        OwnStatus(
            learner=learner,
            name=learner_name(db, learner) or learner,
            certifications=certifications,
            evaluated_on=max(evaluated, default=None),
            signed_in=signed_in,
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


__all__ = ["UnknownManager", "render_own_status", "render_report", "team_states"]
