"""Certification events from the cycles and states before and after an evaluation."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.model.events import Cycle
from lrs_adapter.rules.events import (
    CERTIFIED,
    OVERDUE,
    REVOKED,
    WINDOW_OPENED,
    certification_events,
    cycle_statement_id,
)


def cycle(due_on: str, *evidence: str, learner: str = "P1") -> Cycle:
    return Cycle(
        cycle_statement_id(learner, "prevent", due_on, evidence),
        "elearning",
        f"{int(due_on[:4]) - 2}{due_on[4:]}T10:00:00Z",
        f"{int(due_on[:4]) - 2}{due_on[4:]}",
        due_on,
        f"{int(due_on[:4]) - 1}{due_on[4:]}",
        evidence,
        evidence,
        (),
    )


def state(status: str, due_on: str | None = "2027-01-10", window: str | None = "2026-07-10") -> dict[str, Any]:
    return {"status": status, "certified_on": None, "due_on": due_on, "window_opens_on": window, "option_id": None}


def kinds(before: list[Cycle], after: list[Cycle], old: str | None, new: dict[str, Any]) -> list[str]:
    events = certification_events(
        "P1",
        "prevent",
        {c.statement_id: c for c in before},
        {c.statement_id: c for c in after},
        state(old) if old else None,
        new,
    )
    return [e.kind for e in events]


def test_a_new_cycle_is_certified_once() -> None:
    first = cycle("2027-01-10", "e1")
    assert kinds([], [first], None, state("green")) == [CERTIFIED]
    assert kinds([first], [first], "green", state("green")) == []


def test_a_voided_cycle_is_revoked_and_a_re_earned_one_has_another_statement_id() -> None:
    first = cycle("2027-01-10", "e1")
    again = cycle("2027-01-10", "e2")
    assert first.statement_id != again.statement_id
    assert kinds([first], [], "green", state("amber")) == [REVOKED, WINDOW_OPENED]
    assert kinds([first], [again], "green", state("green")) == [REVOKED, CERTIFIED]


def test_time_alone_opens_the_window_and_makes_it_overdue_with_no_cycle_event() -> None:
    first = cycle("2027-01-10", "e1")
    assert kinds([first], [first], "green", state("amber")) == [WINDOW_OPENED]
    assert kinds([first], [first], "amber", state("amber")) == []
    assert kinds([first], [first], "amber", state("red")) == [OVERDUE]


def test_event_ids_are_stable_and_distinct_per_kind_and_subject() -> None:
    first = cycle("2027-01-10", "e1")
    one = certification_events("P1", "prevent", {}, {first.statement_id: first}, None, state("green"))
    two = certification_events("P1", "prevent", {}, {first.statement_id: first}, None, state("green"))
    assert one[0].id == two[0].id
    other = certification_events("P2", "prevent", {}, {first.statement_id: first}, None, state("green"))
    assert other[0].id != one[0].id


due_dates = st.dates(min_value=date(2030, 1, 1), max_value=date(2049, 12, 31)).map(date.isoformat)
cycles = st.lists(st.tuples(due_dates, st.sampled_from(["e1", "e2", "e3"])), max_size=5).map(
    lambda pairs: {c.statement_id: c for c in (cycle(due, ev) for due, ev in pairs)}
)


@given(cycles, cycles)
def test_replaying_the_cycle_events_on_before_gives_after(before: dict[str, Cycle], after: dict[str, Cycle]) -> None:
    """What a receiver holds after applying certified/revoked to what it held is what the store holds."""
    events = certification_events("P1", "prevent", before, after, state("green"), state("green"))
    held = dict(before)
    for event in events:
        assert event.cycle is not None
        if event.kind == REVOKED:
            held.pop(event.cycle.statement_id)
        elif event.kind == CERTIFIED:
            held[event.cycle.statement_id] = event.cycle
    assert held == after


def test_an_exemption_is_news_when_it_starts_and_when_its_end_moves() -> None:
    first = cycle("2027-01-10", "e1")
    exempt = state("exempt") | {"exempt_until": "2027-06-30"}
    before = {first.statement_id: first}

    def events(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
        return [e.kind for e in certification_events("P1", "prevent", before, before, old, new)]

    assert events(state("amber"), exempt) == ["exempted"]
    assert events(exempt, exempt) == []
    assert events(exempt, exempt | {"exempt_until": "2027-12-31"}) == ["exempted"]
