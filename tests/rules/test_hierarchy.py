"""Everyone below a manager, and the loops in HR's chains of managers: properties over any roster hypothesis can
draw (loops, people managed by someone not on the roster, managers of themselves), checked against the definition:
a person is below a manager when walking up their chain of managers reaches the manager."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.rules.hierarchy import everyone_below, manager_cycles

PEOPLE = st.sampled_from([f"P{n}" for n in range(12)])
#: Person -> manager: a manager may be off the roster (P12..), absent (None), themselves, or loop back.
ROSTERS = st.dictionaries(PEOPLE, st.none() | PEOPLE | st.sampled_from(["P12", "P13"]), max_size=12)


def chain_up(managers: dict[str, str | None], person: str) -> list[str]:
    """The managers above `person`, in order, stopping at the end of the chain or where it starts to repeat."""
    seen: list[str] = []
    boss = managers.get(person)
    while boss is not None and boss not in seen:
        seen.append(boss)
        boss = managers.get(boss)
    return seen


@given(ROSTERS, PEOPLE | st.sampled_from(["P12"]))
def test_below_is_whoever_reaches_the_manager_going_up(managers: dict[str, str | None], manager: str) -> None:
    expected = {person for person in managers if person != manager and manager in chain_up(managers, person)}
    assert everyone_below(managers, manager) == expected


@given(ROSTERS)
def test_every_loop_is_reported_once_and_is_a_loop(managers: dict[str, str | None]) -> None:
    cycles = manager_cycles(managers)
    in_loops = [person for loop in cycles for person in loop]
    assert len(in_loops) == len(set(in_loops))  # each person in one loop, once
    for loop in cycles:
        assert loop[0] == min(loop)
        for here, there in zip(loop, (*loop[1:], loop[0]), strict=True):
            assert managers[here] == there
    # whoever walks up into their own chain again is in a loop
    looping = {person for person in managers if person in chain_up(managers, person)}
    assert set(in_loops) == looping


def test_a_loop_through_the_manager_stops_at_them() -> None:
    managers: dict[str, str | None] = {"A": "C", "B": "A", "C": "B", "D": "B", "E": None}
    assert everyone_below(managers, "A") == {"B", "C", "D"}
    assert manager_cycles(managers) == [("A", "C", "B")]


def test_a_tree_has_no_loop_and_every_depth_counts() -> None:
    managers: dict[str, str | None] = {"CEO": None, "D1": "CEO", "T1": "D1", "S1": "T1", "S2": "T1", "X": "Y"}
    assert everyone_below(managers, "D1") == {"T1", "S1", "S2"}
    assert everyone_below(managers, "S1") == frozenset()
    assert manager_cycles(managers) == []
