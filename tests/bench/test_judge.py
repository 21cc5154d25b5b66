"""bench/judge.py: the rotation every benchmark runs its cases in, median and range, and PASS/MISS from medians.

The benchmarks' figures cannot be tested for speed here (no timing assertions); what can be tested is that they
are judged honestly: every case takes every place in the order, a median ignores one wild run, and a target fails
when its median misses by any amount.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.judge import MIN_ROUNDS, Spread, Target, rotations, verdicts


def test_each_case_goes_first_in_turn() -> None:
    assert rotations(["pull", "sync", "plain"], 4) == [
        ["pull", "sync", "plain"],
        ["sync", "plain", "pull"],
        ["plain", "pull", "sync"],
        ["pull", "sync", "plain"],
    ]


@given(st.lists(st.text(), min_size=1, max_size=6, unique=True), st.integers(MIN_ROUNDS, 12))
def test_every_round_runs_every_case_once(cases: list[str], rounds: int) -> None:
    orders = rotations(cases, rounds)
    assert len(orders) == rounds
    assert all(sorted(order) == sorted(cases) for order in orders)
    if rounds >= len(cases):  # then each case has been first at least once
        assert {order[0] for order in orders} == set(cases)


def test_fewer_rounds_than_a_median_needs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        rotations(["pull"], 2)


def test_the_median_is_untouched_by_one_wild_run() -> None:
    spread = Spread.of([10.0, 11.0, 500.0])
    assert (spread.median, spread.low, spread.high) == (11.0, 10.0, 500.0)
    assert spread.show(".0f") == "11 [10-500]"


def test_a_case_that_never_ran_has_no_figure() -> None:
    with pytest.raises(ValueError, match="never ran"):
        Spread.of([])


def test_a_rate_target_passes_at_its_bound_and_misses_below_it() -> None:
    assert Target("pull / plain", 0.6, 0.6).verdict == "PASS"
    assert Target("pull / plain", 0.599, 0.6).verdict == "MISS"


def test_a_ceiling_target_misses_above_it() -> None:
    assert Target("CPU / plain's", 2.0, 2.0, at_least=False).passed
    assert not Target("CPU / plain's", 2.01, 2.0, at_least=False).passed


def test_the_line_gives_verdict_figure_bound_and_the_rounds_range() -> None:
    target = Target("sync / pull", 0.4, 0.5, paired=Spread(0.4, 0.3, 0.55))
    assert target.line() == "MISS  sync / pull: 0.40 >= 0.50 (round by round 0.40 [0.30-0.55])"


def test_one_miss_makes_the_exit_status_1() -> None:
    passing, missing = Target("a", 1.0, 0.5), Target("b", 0.1, 0.5)
    assert verdicts([passing]) == 0
    assert verdicts([passing, missing]) == 1
