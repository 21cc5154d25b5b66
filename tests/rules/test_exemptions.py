"""An exemption in the engine (rule 5): the status `exempt` before it ends, and nothing else changed, so the rules
apply as before from the day it ends (hypothesis over generated histories, as the other properties)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import EXEMPT, RED, Params, Piece, evaluate

EXAMPLES = settings(max_examples=500, deadline=None)
params_strategy = st.builds(
    Params,
    validity=st.sampled_from([Period(months=24), Period(months=12)]),
    window=st.sampled_from([Period(months=6), Period(months=1)]),
    first_due=st.sampled_from([Period(months=6), Period(months=1)]),
    recertify_from=st.sampled_from(["completion", "expiry"]),
    time_zone=st.sampled_from(["Europe/London", "America/New_York"]),
)
# Hypothesis takes naive bounds only (an aware draw comes from `timezones=`); each instant is made aware in UTC below.
instants = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2030, 12, 31)).map(  # noqa: DTZ001
    lambda moment: moment.replace(tzinfo=UTC)
)
histories = st.lists(st.tuples(st.sampled_from(["elearning", "wrap"]), instants), max_size=6).map(
    lambda items: [Piece(f"e{index}", option, "done", at) for index, (option, at) in enumerate(items)]
)
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2032, 1, 1))
assignments = st.none() | days


@EXAMPLES
@given(histories, params_strategy, assignments, days, days)
def test_an_exemption_changes_the_status_before_its_end_and_nothing_else(
    pieces: list[Piece], params: Params, assigned_on: date | None, as_of: date, until: date
) -> None:
    plain, plain_completions = evaluate(pieces, params=params, as_of=as_of, assigned_on=assigned_on)
    state, completions = evaluate(pieces, params=params, as_of=as_of, assigned_on=assigned_on, exempt_until=until)
    assert completions == plain_completions  # every decision stands
    if as_of < until:
        # The dates stay as the rules make them; a sync re-evaluates on the day the exemption ends.
        assert state == replace(plain, status=EXEMPT, exempt_until=until, next_transition=until)
    else:
        assert state == plain


def test_an_overdue_learner_is_exempt_until_the_day_it_ends_and_overdue_from_it() -> None:
    params = Params(Period(months=24), Period(months=6), Period(months=6), "completion", "Europe/London")
    done = [Piece("e1", "elearning", "done", datetime(2023, 3, 1, 10, tzinfo=UTC))]  # due 2025-03-01

    def status(day: date) -> str:
        return evaluate(done, params=params, as_of=day, exempt_until=date(2026, 3, 1))[0].status

    assert status(date(2026, 2, 28)) == EXEMPT
    assert status(date(2026, 3, 1)) == RED
