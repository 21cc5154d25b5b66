"""The presence rule's measure (mapper.attendance): the union of join/leave intervals, the one way presence is
computed, for the evidence and for what `attendance import` says of each person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.mapper import attendance, map_learner
from lrs_adapter.xapi.facts import StatementFacts

ROOT = Path(__file__).resolve().parents[2]
PREVENT = load_mapping(ROOT / "mappings" / "prevent.toml")
PRESENT = PREVENT.options["webinar_live"].components["present"]
SESSION = "https://learning.example.gov.uk/xapi/activities/prevent-webinar-live/session/s1"
PARENT = "https://learning.example.gov.uk/xapi/activities/prevent-webinar-live"
START = datetime(2026, 3, 10, 9, tzinfo=UTC)

intervals = st.lists(st.tuples(st.integers(0, 240), st.integers(0, 120)), max_size=6)


def _fact(number: int, verb: str, minute: int) -> StatementFacts:
    return StatementFacts(
        id=f"00000000-0000-4000-8000-{number:012d}", learner="account:x P1", verb=verb,
        instant=START + timedelta(minutes=minute), object_id=SESSION, places={"parent": (PARENT,)},
        registration="11111111-1111-4111-8111-111111111111", completion=None, success=None, scaled=None,
        duration_s=None, extensions={}, instructor=None, cmi5_session=False, cmi5_category=False,
    )  # fmt: skip


def _statements(stretches: list[tuple[int, int]]) -> list[StatementFacts]:
    assert PRESENT.presence is not None
    made = []
    for at, (start, length) in enumerate(stretches):
        made += [_fact(2 * at, PRESENT.presence.join, start), _fact(2 * at + 1, PRESENT.presence.leave, start + length)]
    return made


@given(intervals)
def test_time_present_is_the_union_of_the_stretches(stretches: list[tuple[int, int]]) -> None:
    """Against a count of the minutes covered: overlaps count once (how joins are paired with leaves does not
    change which minutes someone was in), and the evidence exists exactly when the union reaches the hour."""
    assert PRESENT.presence is not None
    covered = {minute for start, length in stretches for minute in range(start, start + length)}
    found = attendance(PRESENT, PRESENT.presence, _statements(stretches))
    evidence = map_learner("P1", _statements(stretches), PREVENT)
    if not stretches:
        assert (found, evidence) == ([], [])
        return
    (one,) = found
    assert one.present_s == len(covered) * 60
    assert (one.met_at is not None) == (one.present_s >= 3600)
    assert [e.option for e in evidence] == (["webinar_live"] if one.met_at is not None else [])
    if evidence:
        assert evidence[0].instant == one.met_at
        assert evidence[0].statement_ids == one.statement_ids


def test_someone_who_left_and_came_back_is_counted_by_the_union() -> None:
    assert PRESENT.presence is not None
    (bob,) = attendance(PRESENT, PRESENT.presence, _statements([(0, 36), (51, 30)]))
    assert (bob.present_s, bob.met_at) == (66 * 60, START + timedelta(minutes=81))
    assert len(bob.statement_ids) == 4
    (cat,) = attendance(PRESENT, PRESENT.presence, _statements([(0, 40)]))
    assert (cat.present_s, cat.at_least_s, cat.met_at) == (40 * 60, 3600, None)
