"""Reading the periods and durations people write in the configuration and the mappings: one way, here.

A calendar period (a validity, a window, a retention time) is ISO 8601 `PnYnMnWnD` in whole numbers and becomes a
`Period`, added as calendars add months. A duration (an attendance, a health age) is a fixed length of time: ISO 8601
`PnWnDTnHnMnS` (only the last number may have a fraction), or the short form the configuration has always taken,
whole numbers with d, h, m or s, largest first ("26h", "1d12h"). A duration has no years or months: they have no
fixed length. Weeks stand alone ("P4W", never "P4W1D"), as ISO 8601 has them. Both raise ValueError with a sentence
saying what is wrong, for the caller to put beside its key.

xAPI's own `result.duration` on the statement path is read elsewhere (xapi/formats.py checks it, xapi/facts.py
reads it): it may have years and months, is counted from a reference day, and is read a million times a sync.
"""

from __future__ import annotations

import re
from datetime import timedelta

from lrs_adapter.model.period import Period

_PERIOD = re.compile(r"P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", re.ASCII)
#: Beyond this a period is a typing mistake, and date arithmetic with it would fail on every learner.
LONGEST_PERIOD = Period(months=10_000 * 12, days=3_652_425)  # 10,000 years either way
_TOO_LONG_PERIOD = "Too long a period (at most 10000 years)."

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_ISO_DURATION = re.compile(
    rf"P(?=\d|T\d)(?:{_NUMBER}W)?(?:{_NUMBER}D)?(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?", re.ASCII
)
_WEEKS_ALONE = re.compile(r"P\d+(?:[.,]\d+)?W", re.ASCII)
_SHORT_DURATION = re.compile(r"(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", re.ASCII)
_UNITS = ("weeks", "days", "hours", "minutes", "seconds")


def weeks_fault(text: str) -> str | None:
    """Why a duration or period that its caller's pattern matched is still not ISO 8601: weeks mixed with another
    unit; None when its weeks stand alone or it has none.

    ISO 8601 (4.4.3.2) and so xAPI write a duration either in weeks alone or in the other units, never both;
    isodate reads "P4W1D" all the same, so the patterns here and in xapi/formats.py take weeks anywhere and this
    decides, with a reason that says how to write it instead.
    """
    if "W" not in text or _WEEKS_ALONE.fullmatch(text):
        return None
    return (
        "mixes weeks with other units, which ISO 8601 and xAPI do not allow: weeks stand alone, as in 'P4W'; "
        "write the weeks as days ('P4W1D' is 'P29D')"
    )


def parse_period(text: str) -> Period:
    """An ISO 8601 calendar period ("P6Y", "P18M", "P2W", "P1Y6M"): years count as 12 months, weeks as 7 days."""
    found = _PERIOD.fullmatch(text)
    if found is None:
        if text.startswith("P") and ("T" in text or "." in text or "," in text):
            raise ValueError("A calendar period has whole years, months, weeks or days only.")
        raise ValueError("Not an ISO 8601 period.")
    if fault := weeks_fault(text):
        raise ValueError(f"This period {fault}.")
    if any(len(part) > 9 for part in found.groups() if part):
        raise ValueError(_TOO_LONG_PERIOD)
    years, months, weeks, days = (int(part or 0) for part in found.groups())
    period = Period(months=years * 12 + months, days=weeks * 7 + days)
    if period.months > LONGEST_PERIOD.months or period.days > LONGEST_PERIOD.days:
        raise ValueError(_TOO_LONG_PERIOD)
    return period


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration ("PT26H", "P1D", "PT1.5S") or the configuration's short form ("26h", "1d12h")."""
    units: tuple[str, ...] = _UNITS
    if found := _SHORT_DURATION.fullmatch(text):
        units = _UNITS[1:]
    elif found := _ISO_DURATION.fullmatch(text):
        given = [part for part in found.groups() if part is not None]
        if fault := weeks_fault(text):
            raise ValueError(f"This duration {fault}.")
        if any("." in part or "," in part for part in given[:-1]):
            raise ValueError("Only the last number of a duration may have a fraction.")
    elif re.fullmatch(r"P[^T]*[YM].*", text):
        raise ValueError("A duration has no years or months (they have no fixed length): use weeks or days.")
    else:
        raise ValueError("Not a duration.")
    numbers = {unit: float(part.replace(",", ".")) for unit, part in zip(units, found.groups(), strict=True) if part}
    try:
        return timedelta(**numbers)
    except OverflowError:
        raise ValueError("Too long a duration.") from None
