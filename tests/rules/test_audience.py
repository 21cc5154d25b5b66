"""Who sees whom, as properties over any roster: a manager's view is exactly their chain below them plus
themselves; a role only ever widens a view; nobody without a role sees a peer or their own manager."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.rules.audience import Places, Viewer, may_see_department, viewer_of, visible_to
from lrs_adapter.rules.hierarchy import everyone_below

PEOPLE = st.sampled_from([f"P{n}" for n in range(10)])
DEPARTMENTS = st.sampled_from(["Adult Care", "Highways", "Libraries"])
PLACES = st.dictionaries(PEOPLE, st.tuples(st.none() | PEOPLE, DEPARTMENTS), max_size=10).map(
    lambda rows: Places({p: m for p, (m, _) in rows.items()}, {p: d for p, (_, d) in rows.items()})
)


def reaches(managers: Mapping[str, str | None], person: str, manager: str) -> bool:
    seen: set[str] = set()
    boss = managers.get(person)
    while boss is not None and boss not in seen:
        if boss == manager:
            return True
        seen.add(boss)
        boss = managers.get(boss)
    return False


@given(PLACES, PEOPLE)
def test_a_manager_sees_their_chain_and_themselves_only(places: Places, person: str) -> None:
    seen = visible_to(Viewer(person), places)
    assert seen == everyone_below(places.managers, person) | {person}
    for other in set(places.managers) - seen:  # whoever is not seen has no chain up to the person
        assert person != other
        assert not reaches(places.managers, other, person)


@given(PLACES, PEOPLE, st.frozensets(DEPARTMENTS), st.booleans())
def test_roles_only_widen(places: Places, person: str, departments: frozenset[str], council: bool) -> None:
    own = visible_to(Viewer(person), places)
    widened = visible_to(Viewer(person, council, departments), places)
    assert own <= widened
    if council:
        assert widened == set(places.departments) | {person}
    else:
        assert widened == own | {p for p, d in places.departments.items() if d in departments}


def test_roles_come_from_payroll_numbers_or_groups() -> None:
    council = ["P1", "group:dlo-admins"]
    departments = {"Adult Care": ["group:safeguarding-adults"], "Highways": ["P3"]}
    assert viewer_of("P1", [], council, departments) == Viewer("P1", council=True)
    assert viewer_of("P2", ["dlo-admins"], council, departments).council
    lead = viewer_of("P2", ["safeguarding-adults"], council, departments)
    assert lead == Viewer("P2", departments=frozenset({"Adult Care"}))
    assert may_see_department(lead, "Adult Care")
    assert not may_see_department(lead, "Highways")
    assert viewer_of("P9", ["P1", "safeguarding"], council, departments) == Viewer("P9")  # a group is not a person
