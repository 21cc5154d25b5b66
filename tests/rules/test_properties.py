"""Properties of the certification engine, over generated histories (hypothesis; 500 examples each, derandomized
under CI=true so a CI run is repeatable)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import AMBER, GREEN, NONE, RED, Params, Piece, evaluate, states_on

EXAMPLES = settings(max_examples=500, deadline=None)
OPTIONS = ("elearning", "webinar_live", "wrap")
ORDER = {NONE: 0, GREEN: 1, AMBER: 2, RED: 3}

params_strategy = st.builds(
    Params,
    validity=st.sampled_from([Period(months=24), Period(months=12), Period(months=36)]),
    window=st.sampled_from([Period(months=6), Period(months=1), Period(months=3)]),
    first_due=st.sampled_from([Period(months=6), Period(months=1)]),
    recertify_from=st.sampled_from(["completion", "expiry"]),
    time_zone=st.sampled_from(["Europe/London", "UTC", "America/New_York"]),
)
# Hypothesis takes naive bounds only (an aware draw comes from `timezones=`); each instant is made aware in UTC below.
instants = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2030, 12, 31)).map(  # noqa: DTZ001
    lambda moment: moment.replace(tzinfo=UTC)
)
histories = st.lists(st.tuples(st.sampled_from(OPTIONS), instants), max_size=8).map(
    lambda items: [Piece(f"e{index}", option, "done", at) for index, (option, at) in enumerate(items)]
)
assignments = st.none() | st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31))
FAR = date(9999, 12, 31)


@EXAMPLES
@given(
    histories,
    params_strategy,
    assignments,
    st.randoms(use_true_random=False),
    st.dates(min_value=date(2019, 1, 1), max_value=date(2032, 1, 1)),
)
def test_arrival_order_never_matters(
    pieces: list[Piece], params: Params, assigned_on: date | None, rnd: random.Random, as_of: date
) -> None:
    shuffled = list(pieces)
    rnd.shuffle(shuffled)
    first = evaluate(pieces, params=params, as_of=as_of, assigned_on=assigned_on)
    second = evaluate(shuffled, params=params, as_of=as_of, assigned_on=assigned_on)
    assert first[0] == second[0]
    assert sorted(first[1], key=lambda c: c.evidence) == sorted(second[1], key=lambda c: c.evidence)


@EXAMPLES
@given(histories, params_strategy, assignments)
def test_a_counted_recertification_never_lies_before_its_window(
    pieces: list[Piece], params: Params, assigned_on: date | None
) -> None:
    _, completions = evaluate(pieces, params=params, as_of=FAR, assigned_on=assigned_on)
    counted = [c for c in completions if c.counted]
    for before, after in itertools.pairwise(counted):
        assert before.due_on is not None
        window_opens = before.due_on - relativedelta(months=params.window.months)
        expired = after.on > before.due_on
        assert after.on >= window_opens or expired


@EXAMPLES
@given(histories, params_strategy.filter(lambda p: p.recertify_from == "completion"), assignments)
def test_due_date_is_the_certifying_completion_plus_validity(
    pieces: list[Piece], params: Params, assigned_on: date | None
) -> None:
    _, completions = evaluate(pieces, params=params, as_of=FAR, assigned_on=assigned_on)
    for completion in completions:
        if completion.counted:
            assert completion.due_on == completion.on + relativedelta(months=params.validity.months)


@EXAMPLES
@given(histories, params_strategy, assignments)
def test_between_two_events_status_only_moves_forward(
    pieces: list[Piece], params: Params, assigned_on: date | None
) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(params.time_zone)
    days = sorted({p.instant.astimezone(zone).date() for p in pieces} | ({assigned_on} if assigned_on else set()))
    bounds = [*days, days[-1] + timedelta(days=3 * 366)] if days else []
    for start, end in itertools.pairwise(bounds):
        previous = -1
        day = start
        step = max(1, (end - start).days // 60)
        while day < end:
            state, _ = evaluate(pieces, params=params, as_of=day, assigned_on=assigned_on)
            assert ORDER[state.status] >= previous, (start, day, state)
            previous = ORDER[state.status]
            day += timedelta(days=step)


@EXAMPLES
@given(
    histories,
    params_strategy,
    assignments,
    st.lists(st.dates(min_value=date(2019, 1, 1), max_value=date(2032, 1, 1)), max_size=12).map(sorted),
    st.none() | st.dates(min_value=date(2019, 1, 1), max_value=date(2032, 1, 1)),
)
def test_one_replay_over_many_days_finds_what_each_days_evaluation_finds(
    pieces: list[Piece], params: Params, assigned_on: date | None, days: list[date], exempt_until: date | None
) -> None:
    """The trend's shortcut (`states_on`, one replay stopping at each day) against the engine's own answer for each
    day: the same state, dates and next transition, exemptions included."""
    found = states_on(pieces, params=params, days=days, assigned_on=assigned_on, exempt_until=exempt_until)
    each = [
        evaluate(pieces, params=params, as_of=day, assigned_on=assigned_on, exempt_until=exempt_until)[0]
        for day in days
    ]
    assert found == each
