"""xAPI instants: strict parsing (ISO 8601 with an offset) and the one text form the store keeps.

`datetime.fromisoformat` alone is too lenient for xAPI: it takes a missing offset and the `-00` offset, both of
which a conformant LRS rejects, so a regular expression guards it first.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)")
_NEGATIVE_ZERO = re.compile(r"-00(?::?00)?$")


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime, or None when `value` is not an xAPI timestamp (absent, not text, no offset, -00)."""
    if not isinstance(value, str) or not _INSTANT.fullmatch(value) or _NEGATIVE_ZERO.search(value):
        return None
    text = value
    if "." in text:
        # fromisoformat accepts at most 6 fractional digits; xAPI allows more precision.
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
    try:
        return datetime.fromisoformat(text.replace("z", "Z")).astimezone(UTC)
    except ValueError:
        return None


def format_instant(value: datetime) -> str:
    """The store's text form: UTC, microseconds, `Z`; sorting these strings sorts the instants."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_since(value: datetime) -> str:
    """`since`/`until` as Learning Locker needs them: it compares them as text with `stored`, which it writes in UTC
    with milliseconds, so any other form (an offset, microseconds) filters wrongly. Truncating to the millisecond
    only ever widens an exclusive `since`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
