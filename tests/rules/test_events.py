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
    revocations,
)


def cycle(due_on: str, *evidence: str, learner: str = "P1", issue: int = 0) -> Cycle:
    return Cycle(
        cycle_statement_id(learner, "prevent", due_on, evidence, issue=issue),
        issue,
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


def test_a_cycle_revoked_and_back_on_the_same_evidence_is_certified_under_new_ids_each_time() -> None:
    """An LRS keeps a voided id voided for ever and a receiver drops an event id it has seen: the second and third
    issues of one cycle differ from the first and from each other, in the statement and in both events."""
    issues = [cycle("2027-01-10", "e1", issue=n) for n in range(3)]
    assert len({c.statement_id for c in issues}) == 3
    assert issues[0].statement_id == cycle_statement_id("P1", "prevent", "2027-01-10", ["e1"], issue=0)
    made = [
        event.id
        for c in issues
        for event in (
            *certification_events("P1", "prevent", {}, {c.statement_id: c}, None, state("green")),
            *certification_events("P1", "prevent", {c.statement_id: c}, {}, state("green"), state("green")),
        )
    ]
    assert len(made) == len(set(made)) == 6


def test_revocations_count_each_time_a_cycle_stopped_standing() -> None:
    history = [("c1", "K"), ("c1", None), ("c1", "K"), ("c2", "L"), ("c1", None), ("c1", "K")]
    assert revocations(history) == {"K": 2}
    assert revocations([("c1", "K"), ("c1", "K")]) == {}  # its record changed, its cycle did not (a reason)
    assert revocations([("c1", "K"), ("c2", "K"), ("c1", None)]) == {}  # moved to another completion: it stood
    assert revocations([("c1", "K"), ("c1", "L")]) == {"K": 1}  # its due date moved: another cycle


keys = st.sampled_from([("2030-01-10", "e1"), ("2030-01-10", "e2"), ("2031-05-01", "e1")])


@given(st.lists(st.frozensets(keys, max_size=3), min_size=1, max_size=8))
def test_a_history_of_evaluations_never_reuses_an_id_and_evaluating_again_makes_nothing(
    evaluations: list[frozenset[tuple[str, str]]],
) -> None:
    """Each evaluation as certify makes it: the revocations recorded so far give the issues of the cycles before
    and after, then the change log gets the evaluation's changes (one completion per cycle here). Every certified
    and revoked event id is new; a revocation voids the issue last certified; evaluating again makes nothing."""
    history: list[tuple[str, str | None]] = []
    standing: frozenset[tuple[str, str]] = frozenset()
    seen: set[str] = set()
    held: dict[str, str] = {}  # an LRS's live statements: cycle key -> statement id

    def cycles(which: frozenset[tuple[str, str]]) -> dict[str, Cycle]:
        revoked = revocations(history)
        made = (cycle(due, ev, issue=revoked[cycle(due, ev).statement_id]) for due, ev in sorted(which))
        return {c.statement_id: c for c in made}

    for after in evaluations:
        events = certification_events("P1", "prevent", cycles(standing), cycles(after), None, state("green"))
        for event in events:
            assert event.id not in seen
            assert event.cycle is not None
            seen.add(event.id)
            key = cycle(event.cycle.due_on, *event.cycle.evidence_ids).statement_id
            if event.kind == REVOKED:
                assert held.pop(key) == event.cycle.statement_id
            else:
                held[key] = event.cycle.statement_id
        for due, ev in sorted(standing ^ after):
            key = cycle(due, ev).statement_id
            history.append((key, key if (due, ev) in after else None))
        standing = after
        assert set(held.values()) == set(cycles(standing))
        assert certification_events("P1", "prevent", cycles(standing), cycles(after), None, state("green")) == []
