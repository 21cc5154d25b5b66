"""The trend's counting: who is on the roster at each month's end, and the counts per status those days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import Params, Piece
from lrs_adapter.rules.trend import STATUSES, Tracked, month_ends, trend

PARAMS = Params(Period(months=24), Period(months=6), Period(months=6), "completion", "Europe/London")


def person(
    learner: str,
    assigned: date | None,
    left: date | None = None,
    done: list[str] = [],  # noqa: B006 - never changed
    exempt_until: date | None = None,
) -> Tracked:
    pieces = [
        Piece(f"{learner}-{n}", "elearning", "done", datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC))
        for n, day in enumerate(done)
    ]
    return Tracked(learner, "prevent", assigned, left, pieces, PARAMS, {}, exempt_until)


def test_month_ends_are_each_months_last_day_leap_years_included() -> None:
    assert month_ends(date(2023, 11, 15), date(2024, 3, 2)) == [
        date(2023, 11, 30),
        date(2023, 12, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
    assert month_ends(date(2024, 5, 1), date(2024, 4, 1)) == []


def test_each_month_counts_those_on_the_roster_on_its_last_day() -> None:
    days = month_ends(date(2024, 1, 1), date(2024, 12, 1))
    people = [
        person("new", date(2024, 3, 31)),  # assigned on March's last day: counted from March, red from October
        person("leaver", date(2020, 1, 1), left=date(2024, 6, 30)),  # gone on 30 June: not counted in June
        person("certified", date(2020, 1, 1), done=["2023-09-15"]),  # due 2025-09-15: green, amber from March 2025
        person("lapsing", date(2020, 1, 1), done=["2022-05-10"]),  # due 2024-05-10: amber to April, then red
        person("away", date(2020, 1, 1), exempt_until=date(2024, 8, 1)),  # red (due 2020-07-01) from August
    ]
    months = {m.day.month: m.counts for m in trend(people, days)}
    assert months[1] == {"red": 1, "amber": 1, "green": 1, "exempt": 1, "none": 0}  # the leaver red, lapsing amber
    assert months[3] == {"red": 1, "amber": 2, "green": 1, "exempt": 1, "none": 0}  # the new starter's window open
    assert months[5] == {"red": 2, "amber": 1, "green": 1, "exempt": 1, "none": 0}
    assert months[6] == {"red": 1, "amber": 1, "green": 1, "exempt": 1, "none": 0}  # the leaver gone
    assert months[8] == {"red": 2, "amber": 1, "green": 1, "exempt": 0, "none": 0}  # the exemption over
    assert months[10] == {"red": 3, "amber": 0, "green": 1, "exempt": 0, "none": 0}  # the new starter overdue
    assert all(list(counts) == list(STATUSES) for counts in months.values())


def test_nobody_on_the_roster_counts_nothing() -> None:
    days = month_ends(date(2024, 1, 1), date(2024, 2, 1))
    months = trend([person("later", date(2025, 1, 1))], days)
    assert [m.people for m in months] == [0, 0]
    assert [m.day for m in months] == days
