"""xAPI instants: strict parsing (ISO 8601 with a time zone, as the conformance suite wants) and the text forms
the store and the LRSs need.

One parser serves statements, LRS headers, the config and cursors, so an instant means the same everywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The clock: every "now" of the adapter, aware and in UTC (a test passes its own instead)."""
    return datetime.now(UTC)


class TimestampError(ValueError):
    """Says, in words an admin can act on, why a value is not an xAPI timestamp."""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ISO 8601 date-time, extended or basic format (never mixed), a time of day at hour, minute or second precision
# with an optional fraction, and then a zone: a time without one is local time somewhere unknown, which no
# local-date rule can use. Second 60 is matched only to be refused by name: a leap second (RFC 3339 5.7) is a
# real UTC instant, but Python's datetime, and so the adapter's instants and the store's sorted text, have no
# place for it. RFC 3339's space separator is accepted (the 2.0 suite requires it). A bare date is
# ISO 8601 too and is taken as midnight UTC, which keeps its calendar date in Europe/London.
_TIMESTAMP = re.compile(
    r"""\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])
        (?:[T\x20](?:[01]\d|2[0-3])(?::[0-5]\d(?::(?P<second>[0-5]\d|60)(?:[.,]\d+)?)?)?
           (?P<zone>Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?))?
      |\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])
        (?:T(?:[01]\d|2[0-3])(?:[0-5]\d(?:(?P<basic_second>[0-5]\d|60)(?:[.,]\d+)?)?)?
           (?P<basic_zone>Z|[+-](?:[01]\d|2[0-3])(?:[0-5]\d)?))?""",
    re.VERBOSE | re.ASCII,
)
# -00, -0000 and -00:00 mean "offset unknown" (RFC 3339 4.3); xAPI 1.0.3 Data 4.5 says the LRS rejects them.
_UNKNOWN_OFFSETS = frozenset({"-00", "-0000", "-00:00"})


def read_timestamp(value: object) -> datetime:
    """An aware UTC datetime from an xAPI timestamp, rejecting what the conformance suite rejects.

    ``datetime.fromisoformat`` alone is not enough: it accepts ``-00`` offsets and offset-less times.
    """
    if type(value) is not str:
        raise TimestampError(f"must be an ISO 8601 timestamp string, not {_show(value)}")
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        raise TimestampError(f"{_show(value)} is not an ISO 8601 date-time with a time zone")
    if "60" in (match["second"], match["basic_second"]):
        raise TimestampError(
            f"{_show(value)} is a leap second (second 60), which the adapter cannot place among its instants: "
            "send the moment before it (second 59.999)"
        )
    zone = match["zone"] or match["basic_zone"]
    if zone in _UNKNOWN_OFFSETS:
        raise TimestampError(f"{_show(value)} has the 'unknown' offset {zone}, which xAPI forbids")
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:  # a bare date
            return parsed.replace(tzinfo=UTC)
        return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)
    except ValueError as error:  # a calendar fault the pattern cannot see: 30 February, year 0
        raise TimestampError(f"{_show(value)} is not a real date-time ({error})") from None
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise TimestampError(f"{_show(value)} is out of range in UTC") from None


def parse_timestamp(value: object) -> datetime | None:
    """`read_timestamp`, or None for anything that is not a timestamp (an absent header, say)."""
    try:
        return read_timestamp(value)
    except TimestampError:
        return None


def format_instant(value: datetime) -> str:
    """The store's text form: UTC, microseconds, `Z`; sorting these strings sorts the instants."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"  # twice strftime's speed


def format_since(value: datetime) -> str:
    """`since`/`until` as Learning Locker needs them: it compares them as text with `stored`, which it writes in UTC
    with milliseconds, so any other form (an offset, microseconds) filters wrongly. Truncating to the millisecond
    only ever widens an exclusive `since`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
