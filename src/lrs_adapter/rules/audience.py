"""Who sees whom on the report pages, decided on the server for every request: a manager sees everyone below them
in the roster's chain of managers; a role (from the configuration, or a group the provider names) gives a
department-wide or a whole-council view; everyone sees themselves.

Pure: the signed-in person, their roles and the roster's places in; the people they may see out. The routes ask
`visible_to` and answer "not found" for anyone outside it, the same answer as for someone who does not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from lrs_adapter.rules.hierarchy import everyone_below


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: their roster id, and the wider views their roles give."""

    person: str
    council: bool = False
    departments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Places:
    """The roster now: each person's manager and department."""

    managers: Mapping[str, str | None]
    departments: Mapping[str, str]


def viewer_of(
    person: str, groups: Collection[str], council: Collection[str], departments: Mapping[str, Collection[str]]
) -> Viewer:
    """The roles of `person`: an entry of `council` or of a department's list names them by payroll number, or a
    group they are in as `group:NAME`."""
    who = {person, *(f"group:{group}" for group in groups)}
    return Viewer(
        person=person,
        council=bool(who & set(council)),
        departments=frozenset(name for name, entries in departments.items() if who & set(entries)),
    )


def visible_to(viewer: Viewer, places: Places) -> frozenset[str]:
    """Everyone `viewer` may see, themselves included."""
    if viewer.council:
        return frozenset(places.departments) | {viewer.person}
    in_departments = {person for person, name in places.departments.items() if name in viewer.departments}
    return everyone_below(places.managers, viewer.person) | in_departments | {viewer.person}


def may_see_department(viewer: Viewer, department: str) -> bool:
    return viewer.council or department in viewer.departments
