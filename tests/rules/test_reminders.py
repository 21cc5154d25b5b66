"""Which reminder a learner is owed as of a day: the rules of rules/reminders.py over generated schedules and runs
(hypothesis), and the examples the README gives."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.model.period import Period
from lrs_adapter.rules.reminders import (
    DUE_SOON,
    OVERDUE_REMINDER,
    Reminder,
    Schedule,
    due_reminder,
    next_reminder_day,
    reminders_of,
)

EXAMPLES = settings(max_examples=300, deadline=None)
DUE = date(2026, 6, 1)
WINDOW = Period(months=6)
PREVENT = Schedule((Period(days=30), Period(days=7)), (Period(days=14), Period(days=28)))

offsets = st.lists(
    st.builds(Period, months=st.integers(0, 2), days=st.integers(0, 40)).filter(lambda p: p.months or p.days),
    unique=True,
    max_size=4,
)
schedules = st.builds(Schedule, offsets, offsets)
days = st.integers(-200, 120).map(lambda n: DUE + timedelta(days=n))
run_days = st.sets(st.integers(-200, 120), max_size=120).map(lambda ns: sorted(DUE + timedelta(days=n) for n in ns))


def status_on(day: date) -> str:
    """A learner assigned long ago who never completes: green, then amber from the window, red after the due date."""
    return "red" if day > DUE else "amber" if day >= WINDOW.before(DUE) else "green"


def runs(schedule: Schedule, on: list[date], enabled_on: date) -> list[tuple[date, Reminder]]:
    """The daily runs on `on`: each run's reminder, if any, with what was raised before it."""
    sent: list[Reminder] = []
    raised = []
    enabled = {(kind, str(o)): enabled_on for kind, each in schedule.offsets().items() for o in each}
    for day in on:
        found = due_reminder(
            status_on(day), DUE, schedule, sent=sent, enabled=enabled, as_of=day, on_roster=day >= enabled_on
        )
        if found:
            sent.append(found)
            raised.append((day, found))
    return raised


def each_later_more_urgent(raised: list[tuple[date, Reminder]]) -> bool:
    """Of each kind, every reminder raised falls on a later day (is more urgent) than the one raised before it."""
    return all(
        days == sorted(set(days))
        for kind in (DUE_SOON, OVERDUE_REMINDER)
        for days in [[r.day for _, r in raised if r.kind == kind]]
    )


@EXAMPLES
@given(schedules, run_days, days)
def test_each_offset_is_raised_at_most_once_and_never_before_its_day(
    schedule: Schedule, on: list[date], enabled_on: date
) -> None:
    raised = runs(schedule, on, enabled_on)
    keys = [(r.due_on, r.kind, r.offset) for _, r in raised]
    assert len(keys) == len(set(keys))
    assert all(r.day <= day for day, r in raised)


@EXAMPLES
@given(schedules, run_days, days)
def test_only_the_most_urgent_passed_offset_goes_and_never_a_less_urgent_one_after_it(
    schedule: Schedule, on: list[date], enabled_on: date
) -> None:
    raised = runs(schedule, on, enabled_on)
    for day, reminder in raised:
        kind = reminder.kind
        passed = [r.day for r in reminders_of(kind, schedule.offsets()[kind], DUE) if enabled_on <= r.day <= day]
        assert reminder.day == max(passed)
    assert each_later_more_urgent(raised)


@EXAMPLES
@given(schedules, st.lists(days, max_size=40), days)
def test_a_less_urgent_reminder_never_follows_a_more_urgent_one_whatever_order_the_runs_take(
    schedule: Schedule, on: list[date], enabled_on: date
) -> None:
    """Runs as of any day in any order (a run repeated with an earlier `--as-of`): once an offset went, one less
    urgent of the same due date never goes."""
    assert each_later_more_urgent(runs(schedule, on, enabled_on))


@EXAMPLES
@given(schedules, run_days, days)
def test_a_reminder_whose_day_passed_before_it_was_switched_on_never_goes(
    schedule: Schedule, on: list[date], enabled_on: date
) -> None:
    assert all(r.day >= enabled_on for _, r in runs(schedule, on, enabled_on))


@EXAMPLES
@given(schedules, days, st.sampled_from(["green", "exempt", "none"]), st.booleans())
def test_only_amber_and_red_learners_on_the_roster_get_one(
    schedule: Schedule, as_of: date, status: str, on_roster: bool
) -> None:
    """Certified again (green for a new date), exempt, never due: none; a leaver: none whatever the status."""
    assert due_reminder(status, DUE, schedule, sent=[], enabled={}, as_of=as_of, on_roster=on_roster) is None
    for late in ("amber", "red"):
        assert due_reminder(late, DUE, schedule, sent=[], enabled={}, as_of=as_of, on_roster=False) is None


@EXAMPLES
@given(schedules, run_days)
def test_the_next_reminder_day_is_the_first_of_the_status_kind_after_the_day(
    schedule: Schedule, on: list[date]
) -> None:
    """The daily run requeues a learner on their next reminder day: no reminder falls between two such days."""
    for day in on:
        following = next_reminder_day(status_on(day), DUE, schedule, day)
        kind = DUE_SOON if status_on(day) == "amber" else OVERDUE_REMINDER
        later = [r.day for r in reminders_of(kind, schedule.offsets()[kind], DUE) if r.day > day]
        assert following == (min(later) if later and status_on(day) in ("amber", "red") else None)


#: Every Prevent offset switched on long before the examples' days.
LONG_AGO = {(kind, str(o)): date(2020, 1, 1) for kind, each in PREVENT.offsets().items() for o in each}


def prevent(as_of: date, sent: list[Reminder], status: str | None = None, due: date = DUE) -> Reminder | None:
    status = status or status_on(as_of)
    return due_reminder(status, due, PREVENT, sent=sent, enabled=LONG_AGO, as_of=as_of, on_roster=True)


def test_the_readme_example_a_missed_run_sends_only_the_seven_day_reminder_once() -> None:
    thirty = prevent(date(2026, 5, 2), [])
    assert thirty == Reminder(DUE, DUE_SOON, "P30D", date(2026, 5, 2))
    assert prevent(date(2026, 5, 3), [thirty]) is None
    # no run from 24 May to 27 May: the run of 28 May sends P7D (25 May) once
    seven = prevent(date(2026, 5, 28), [thirty])
    assert seven == Reminder(DUE, DUE_SOON, "P7D", date(2026, 5, 25))
    assert prevent(date(2026, 5, 29), [thirty, seven]) is None
    # both passed unsent (installed late, or no run for a month): only P7D
    assert prevent(date(2026, 5, 28), []) == seven


def test_escalations_follow_the_due_date_and_a_new_due_date_ends_the_old_ones() -> None:
    fourteen = prevent(date(2026, 6, 15), [])
    assert fourteen == Reminder(DUE, OVERDUE_REMINDER, "P14D", date(2026, 6, 15))
    assert prevent(date(2026, 6, 29), [fourteen]) == Reminder(DUE, OVERDUE_REMINDER, "P28D", date(2026, 6, 29))
    # certified on 20 June: green for a due date two years on, so the old date's P28D never goes
    assert prevent(date(2026, 6, 29), [fourteen], status="green", due=date(2028, 6, 20)) is None


def test_switching_reminders_on_late_sends_none_whose_day_passed() -> None:
    enabled = {(DUE_SOON, "P30D"): date(2026, 5, 20), (DUE_SOON, "P7D"): date(2026, 5, 20)}
    as_of = date(2026, 5, 20)
    assert due_reminder("amber", DUE, PREVENT, sent=[], enabled=enabled, as_of=as_of, on_roster=True) is None
    later = date(2026, 5, 25)
    found = due_reminder("amber", DUE, PREVENT, sent=[], enabled=enabled, as_of=later, on_roster=True)
    assert found == Reminder(DUE, DUE_SOON, "P7D", later)
