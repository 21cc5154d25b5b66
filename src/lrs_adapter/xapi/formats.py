"""Scalar formats inside an xAPI statement: IRIs, UUIDs, language tags, mailboxes, timestamps, durations.

Each check names what is wrong in plain words, so a quarantined statement carries a reason an administrator
can act on. They sit on the hot path of intake (tens of thousands of statements a second), hence compiled
regular expressions instead of a schema library, and a small memo of values already found good: a real LRS
repeats the same few hundred verb, activity and extension IRIs, language tags and durations, and a set lookup
is ten times cheaper than a regex. The ``*_fault`` functions return ``None`` for a good value, else the reason,
so callers build a field's JSON path only when there is a fault to report.

The formats follow xAPI 1.0.3 (Data 4) as ADL's LRS conformance suite enforces it, and are no stricter where
the suite is silent: a statement a conformant LRS accepts must never be quarantined.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import isodate

from lrs_adapter.model.durations import weeks_fault
from lrs_adapter.model.timestamps import TimestampError, read_timestamp


class StatementInvalid(ValueError):
    """A statement the adapter cannot rely on. ``field`` is the JSON path of the fault, ``reason`` says what.

    ``field`` looks like ``actor.mbox``, ``result.duration`` or ``context.contextActivities.parent[0].id``;
    ``$`` stands for the statement itself. A path may name a property that is missing (its parent exists).
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def within(self, prefix: str) -> StatementInvalid:
        """The same fault seen from an enclosing object: ``prefix`` is that object's path to this one.

        Lets a loop check its items with a relative path (``.id``) and pay for the item's full path
        (``context.contextActivities.parent[0]``) only when an item is at fault.
        """
        field = self.field
        if field and field[0] not in ".[":
            field = "." + field
        return StatementInvalid(prefix + field, self.reason)

    def __reduce__(self) -> tuple[type[StatementInvalid], tuple[str, str]]:
        # Picklable with both attributes (multiprocessing, queued logging).
        return (type(self), (self.field, self.reason))


_MEMO_LIMIT = 20_000


def _remember(memo: set[str], value: str) -> None:
    """Add a value found good; start afresh when full, so hostile input cannot grow memory without bound."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo.add(value)


def show(value: object) -> str:
    """A short rendering of an offending value for a reason string; cheap and safe on any JSON value."""
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        return repr(text) if len(text) <= 60 else repr(text[:57] + "...")
    if kind is dict:
        return "an object"
    if kind is list:
        return "an array"
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int and value.bit_length() > 64:  # type: ignore[attr-defined]  # repr of a huge int can raise
        return "a very large number"
    if kind in (int, float):
        return repr(value)
    return f"a {kind.__name__}"


# RFC 3987: a scheme, ":" and a non-empty rest. Whitespace and control characters are never part of an IRI;
# ruling them out is also what lets the identity key ``account:<homePage> <name>`` use a space as its
# separator. ``str.isprintable`` is false exactly for control and separator characters other than the ASCII
# space, so with the space test it does in C what a character-class regex does twice as slowly.
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:.", re.ASCII | re.DOTALL)
_GOOD_IRIS: set[str] = set()


def iri_fault(value: object) -> str | None:
    """An absolute IRI (the suite rejects ``ab=c://should.fail.com`` and plain words)."""
    if type(value) is not str:
        return f"must be an IRI string, not {show(value)}"
    if value in _GOOD_IRIS:
        return None
    if _IRI_SCHEME.match(value) is None or not value.isprintable() or " " in value:
        return f"{show(value)} is not an absolute IRI"
    _remember(_GOOD_IRIS, value)
    return None


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def uuid_fault(value: object) -> str | None:
    """A UUID in its hyphenated 8-4-4-4-12 form (any version: xAPI ids come from many generators)."""
    if type(value) is not str or _UUID.fullmatch(value) is None:
        return f"{show(value)} is not a UUID"
    return None


# BCP 47 (RFC 5646) well-formedness: language (+ extlangs), script, region, variants, extensions, private use,
# and the irregular grandfathered tags. The suite rejects 'something' and 'a12345678', accepts 'tlh', 'und',
# 'sr-Cyrl', 'zh-Hans-CN', 'es-MX'.
_LANGUAGE = re.compile(
    r"""(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})
        (?:-[a-z]{4})?
        (?:-(?:[a-z]{2}|\d{3}))?
        (?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*
        (?:-[\da-wyz](?:-[a-z\d]{2,8})+)*
        (?:-x(?:-[a-z\d]{1,8})+)?
      |x(?:-[a-z\d]{1,8})+
      |en-gb-oed|i-[a-z]{2,8}|sgn-(?:be-fr|be-nl|ch-de)""",
    re.IGNORECASE | re.VERBOSE | re.ASCII,
)
_GOOD_LANGUAGES: set[str] = set()


def language_fault(value: object) -> str | None:
    """A well-formed BCP 47 language tag (``context.language``, language map keys)."""
    if type(value) is not str:
        return f"must be a language tag string, not {show(value)}"
    if value in _GOOD_LANGUAGES:
        return None
    if _LANGUAGE.fullmatch(value) is None:
        return f"{show(value)} is not a language tag"
    _remember(_GOOD_LANGUAGES, value)
    return None


def language_map_fault(value: object) -> str | None:
    """A language map: language tag -> string (``verb.display``, activity ``name``/``description``)."""
    if type(value) is not dict:
        return f"must be a language map object, not {show(value)}"
    good = _GOOD_LANGUAGES
    for tag, text in value.items():
        if tag not in good and language_fault(tag) is not None:
            return f"key {show(tag)} is not a language tag"
        if type(text) is not str:
            return f"value for {show(tag)} must be a string, not {show(text)}"
    return None


def extensions_fault(value: object) -> str | None:
    """Extensions: keys are absolute IRIs; values are opaque to the adapter (any JSON, null included)."""
    if type(value) is not dict:
        return f"must be an object, not {show(value)}"
    good = _GOOD_IRIS
    for key in value:
        if key not in good and iri_fault(key) is not None:
            return f"key {show(key)} is not an absolute IRI"
    return None


_MBOX = re.compile(r"(?i:mailto):[^@\s]+@[^@\s]+")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")


def mbox_fault(value: object) -> str | None:
    """``mailto:`` followed by an address (the suite rejects ``http://...`` and ``mailto:should.fail.com``)."""
    if type(value) is not str or _MBOX.fullmatch(value) is None:
        return f"{show(value)} is not a mailto: IRI with an email address"
    return None


def sha1_fault(value: object) -> str | None:
    """``mbox_sha1sum``: the hex SHA-1 of a mailto IRI, 40 hex digits."""
    if type(value) is not str or _SHA1.fullmatch(value) is None:
        return f"{show(value)} is not a SHA-1 hex digest (40 hex digits)"
    return None


def parse_timestamp(value: object, field: str) -> datetime:
    """Parse an xAPI timestamp into an aware UTC datetime, or name the fault at `field`."""
    try:
        return read_timestamp(value)
    except TimestampError as error:
        raise StatementInvalid(field, str(error)) from None


# xAPI durations are ISO 8601 "PnYnMnDTnHnMnS", or "PnW" (weeks alone: model/durations.py `weeks_fault`).
# isodate, which reads them later, also takes '-P1D', 'PT', 'P1YT', 'P1.5YT2H', 'P4W1D' and the alternative
# 'P0003-06-04T12:30:05', none of which is a valid xAPI duration, so this strict pattern (and `weeks_fault`)
# decides; only the lowest-order component may carry a fraction (ISO 8601 4.4.3.2).
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?=\d|T\d)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?",
    re.ASCII,
)
_EARLY_FRACTION = re.compile(r"[.,]\d+[A-Z].", re.ASCII)  # a fraction with another component after it
# On what the pattern accepts, isodate can only fail one way: the weeks-to-seconds part overflowing a timedelta
# (over 999,999,999 days). With no integer part longer than 7 digits the total stays under 200 million days, so
# isodate is sure to succeed and is consulted only for longer numbers. (Calling it on every duration would cost
# 5-10 us a statement: real durations such as 'PT15.17S' are mostly distinct, so the memo seldom helps.)
_LONG_INTEGER = re.compile(r"(?<![.,\d])\d{8}", re.ASCII)
_GOOD_DURATIONS: set[str] = set()


def duration_fault(value: object) -> str | None:
    """A valid ISO 8601 duration, which isodate is sure to read without error."""
    if type(value) is not str:
        return f"must be an ISO 8601 duration string, not {show(value)}"
    if value in _GOOD_DURATIONS:
        return None
    if _DURATION.fullmatch(value) is None:
        return f"{show(value)} is not an ISO 8601 duration"
    if fault := weeks_fault(value):
        return f"{show(value)} {fault}"
    if ("." in value or "," in value) and _EARLY_FRACTION.search(value) is not None:
        return f"{show(value)}: only its last component may have a fraction"
    if _LONG_INTEGER.search(value) is not None:
        try:
            isodate.parse_duration(value)
        except (ValueError, ArithmeticError) as error:  # ISO8601Error is a ValueError; overflow is arithmetic
            return f"{show(value)} is too long a duration ({error})"
    _remember(_GOOD_DURATIONS, value)
    return None


_VERSION_1 = re.compile(r"1\.0(?:\.\d+)?", re.ASCII)
_VERSION_1_OR_2 = re.compile(r"[12]\.0(?:\.\d+)?", re.ASCII)


def version_fault(value: object, *, allow_2: bool) -> str | None:
    """``version``: 1.0.x (``1.0`` included, as the suite wants); 2.0.x too when reading an xAPI 2.0 LRS."""
    pattern = _VERSION_1_OR_2 if allow_2 else _VERSION_1
    if type(value) is not str or pattern.fullmatch(value) is None:
        return f"{show(value)} is not an xAPI version {'1.0.x or 2.0.x' if allow_2 else '1.0.x'}"
    return None


def check(fault: str | None, field: str) -> None:
    """Raise for a fault found by one of the ``*_fault`` functions (for fields whose path is a constant)."""
    if fault is not None:
        raise StatementInvalid(field, fault)


def require_object(value: object, field: str, what: str) -> dict[str, Any]:
    """A JSON object, returned typed for the caller."""
    if type(value) is not dict:
        raise StatementInvalid(field, f"must be {what} (a JSON object), not {show(value)}")
    return value


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*", re.ASCII)


def key_path(path: str, key: object) -> str:
    """The path of property ``key`` of the object at ``path``: ``path.key``, or ``path["odd key"]`` for a key
    that a dotted path cannot spell (empty, or holding dots, brackets, spaces)."""
    if type(key) is str and _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key if type(key) is str else str(key))}]"


def unknown_property(obj: dict[Any, Any], allowed: frozenset[str], path: str) -> StatementInvalid:
    """The error for the first property outside ``allowed`` (xAPI property names are case-sensitive)."""
    key = next(key for key in obj if key not in allowed)
    return StatementInvalid(key_path(path, key), "not an allowed property here (names are case-sensitive)")
