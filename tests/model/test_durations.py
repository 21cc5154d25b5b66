"""Periods and durations are read one way for the configuration and the mappings (model/durations.py)."""

from __future__ import annotations

from datetime import timedelta

import isodate
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.model.durations import LONGEST_PERIOD, parse_duration, parse_period
from lrs_adapter.model.period import Period

counts = st.integers(min_value=0, max_value=5000)
maybe = st.none() | counts


@given(st.integers(0, LONGEST_PERIOD.months), st.integers(0, LONGEST_PERIOD.days))
def test_a_period_reads_back_from_what_it_prints(months: int, days: int) -> None:
    period = Period(months=months, days=days)
    assert parse_period(str(period)) == period


@given(maybe, maybe, maybe, maybe)
def test_years_are_twelve_months_and_weeks_seven_days(
    years: int | None, months: int | None, weeks: int | None, days: int | None
) -> None:
    parts = zip((years, months, weeks, days), "YMWD", strict=True)
    text = "P" + "".join(f"{number}{unit}" for number, unit in parts if number is not None)
    if text == "P":
        with pytest.raises(ValueError, match="Not an ISO 8601 period"):
            parse_period(text)
        return
    if weeks is not None and (years, months, days) != (None, None, None):  # ISO 8601: weeks stand alone
        with pytest.raises(ValueError, match="mixes weeks with other units"):
            parse_period(text)
        return
    expected = Period(months=(years or 0) * 12 + (months or 0), days=(weeks or 0) * 7 + (days or 0))
    assert parse_period(text) == expected


@given(maybe, maybe, maybe, maybe)
def test_the_short_form_and_iso_8601_agree(
    days: int | None, hours: int | None, minutes: int | None, seconds: int | None
) -> None:
    """ "1d12h" (what the configuration always took) is "P1DT12H": one reading, whichever way it is written."""
    if (days, hours, minutes, seconds) == (None, None, None, None):
        return
    short = "".join(
        f"{n}{unit}" for n, unit in zip((days, hours, minutes, seconds), "dhms", strict=True) if n is not None
    )
    clock = "".join(f"{n}{unit}" for n, unit in zip((hours, minutes, seconds), "HMS", strict=True) if n is not None)
    iso = "P" + (f"{days}D" if days is not None else "") + (f"T{clock}" if clock else "")
    expected = timedelta(days=days or 0, hours=hours or 0, minutes=minutes or 0, seconds=seconds or 0)
    assert parse_duration(short) == parse_duration(iso) == expected


@given(maybe, maybe, maybe, maybe, maybe, st.integers(0, 99))
def test_iso_durations_read_as_isodate_reads_them(
    weeks: int | None, days: int | None, hours: int | None, minutes: int | None, seconds: int | None, hundredths: int
) -> None:
    """isodate read the mappings' durations before: what both take, both read alike (a fraction on the last), but
    for the weeks mixed with other units that isodate takes and ISO 8601 does not."""
    date = "".join(f"{n}{unit}" for n, unit in zip((weeks, days), "WD", strict=True) if n is not None)
    clock = "".join(f"{n}{unit}" for n, unit in zip((hours, minutes), "HM", strict=True) if n is not None)
    clock += f"{seconds}.{hundredths:02d}S" if seconds is not None else ""
    if not date and not clock:
        return
    text = "P" + date + (f"T{clock}" if clock else "")
    if weeks is not None and text != f"P{weeks}W":  # isodate takes weeks mixed with days; ISO 8601 does not
        with pytest.raises(ValueError, match="mixes weeks with other units"):
            parse_duration(text)
        return
    assert abs(parse_duration(text) - isodate.parse_duration(text)) < timedelta(microseconds=1)


@given(st.text())
def test_any_text_is_read_or_refused_with_a_reason(text: str) -> None:
    for parse in (parse_period, parse_duration):
        reason = None
        try:
            parse(text)
        except ValueError as error:
            reason = str(error)
        assert reason is None or reason.endswith("."), reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("6 years", "Not an ISO 8601 period."),
        ("P", "Not an ISO 8601 period."),
        ("-P1Y", "Not an ISO 8601 period."),
        ("PT6H", "whole years, months, weeks or days only"),
        ("P1YT6H", "whole years, months, weeks or days only"),  # isodate's reading dropped the hours
        ("P1.5M", "whole years, months, weeks or days only"),  # isodate's reading made it one month
        ("P10001Y", "Too long a period"),
        ("P" + "9" * 5000 + "D", "Too long a period"),
    ],
)
def test_a_wrong_period_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("26", "Not a duration."),
        ("h", "Not a duration."),
        ("1h1d", "Not a duration."),  # the short form is largest first
        ("-1h", "Not a duration."),
        ("-PT1H", "Not a duration."),
        ("", "Not a duration."),
        ("PT", "Not a duration."),
        ("P1DT", "Not a duration."),
        ("P1M", "no years or months"),  # isodate's total_seconds() read it as 0 s
        ("P1Y2D", "no years or months"),
        ("PT1.5H30M", "Only the last number"),
        ("PT" + "9" * 400 + "S", "Too long a duration."),
        ("9" * 5000 + "s", "Too long a duration."),
    ],
)
def test_a_wrong_duration_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26h", timedelta(hours=26)),
        ("90m", timedelta(minutes=90)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("0h", timedelta(0)),
        ("PT26H", timedelta(hours=26)),
        ("P1D", timedelta(days=1)),
        ("P2W", timedelta(weeks=2)),
        ("PT1.5H", timedelta(minutes=90)),
        ("PT0,5S", timedelta(milliseconds=500)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_durations_in_both_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
