"""Intake: one received statement becomes either a row to store or a quarantine entry with its reason.

Pure: no store, no clock (the receive time is an argument). A statement that lacks what an LRS adds on POST (an
export file written by hand or by a tool) gets it as an LRS would: an id derived from its content, so that
importing the same file twice is a no-op, `stored` = the import time and `timestamp` = `stored`.
"""

from __future__ import annotations

import reprlib
import uuid
from datetime import datetime
from typing import Any

import orjson

from lrs_adapter.model.statements import Accepted, Rejected, content_hash, cut_raw, reject_unparsable
from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.xapi.facts import encode, extract
from lrs_adapter.xapi.fast import fast_check
from lrs_adapter.xapi.statement import CheckedStatement, StatementInvalid, check_statement

#: Namespace of the ids derived for statements that arrive without one.
DERIVED_ID_NAMESPACE = uuid.UUID("0f6f2b1e-5a7c-4d0b-9a53-6c1b7f3f2a10")
#: How a rejected value too deep for `repr` is kept.
_OUTER_LEVELS = reprlib.Repr()
_OUTER_LEVELS.maxlevel = 12
_OUTER_LEVELS.maxstring = _OUTER_LEVELS.maxother = 1000
_OUTER_LEVELS.maxdict = _OUTER_LEVELS.maxlist = 100


def _raw_text(value: Any) -> str:
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        try:
            text = repr(value)
        except RecursionError:  # nested a thousand levels deep or more: its outer levels tell it from another
            text = _OUTER_LEVELS.repr(value)
    return cut_raw(text)


def take_in_text(text: bytes, *, source: str, received_at: datetime, version: str = "1.0.3") -> Accepted | Rejected:
    """One statement's JSON text (an item of an LRS's page, a line of an export file): broken JSON is kept in
    quarantine as received, and the statements around it go on.

    The fast path (xapi/fast.py) takes nearly every statement; `take_in` and its checker see only those it does
    not take, to accept them or to name the field and the reason for their quarantine."""
    fast = fast_check(text, version)
    if fast is not None and None not in (fast.checked.id, fast.checked.stored, fast.checked.timestamp):
        # Its raw text is kept as received. (One that lacks what an LRS adds, from an export file, goes to
        # `take_in`, which fills it in.) Its content is hashed only if its id is met again (store/statements.py).
        # It is not parsed a second time: msgspec's decoder refuses every text orjson refuses (tests/xapi/test_fast.py
        # holds the two to one verdict), so only a statement the fast path leaves is parsed into a dict.
        return _accepted(fast.checked, None, text.decode(), fast.facts)
    try:
        statement = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return reject_unparsable(source, text.decode("utf-8", "replace"), str(error))
    return take_in(statement, source=source, received_at=received_at, version=version)


def _accepted(checked: CheckedStatement, digest: str | None, raw: str, facts: dict[str, Any]) -> Accepted:
    """The row of a statement either path took, once it has an id, `stored` and `timestamp`."""
    assert checked.id is not None
    assert checked.timestamp is not None
    assert checked.stored is not None
    return Accepted(
        id=checked.id,
        learner=checked.learner,
        verb_id=checked.verb_id,
        object_type=checked.object_type,
        object_id=checked.object_id,
        registration=checked.registration,
        voids=checked.voids,
        timestamp=format_instant(checked.timestamp),
        stored=format_instant(checked.stored),
        content_hash=digest,
        raw=raw,
        facts=encode(facts),
    )


def take_in(statement: Any, *, source: str, received_at: datetime, version: str = "1.0.3") -> Accepted | Rejected:
    """Check one parsed statement and fill what an LRS would have added; never raises for bad input."""
    if not isinstance(statement, dict):
        return Rejected(source, None, "(statement)", "not a JSON object", _raw_text(statement))
    try:
        digest = content_hash(statement)
    except TypeError as error:  # e.g. a non-string key that orjson refuses to sort
        return Rejected(source, None, "(statement)", f"cannot be serialised: {error}", _raw_text(statement))
    filled = [key for key in ("id", "stored", "timestamp") if key not in statement]
    if "id" in filled:
        statement["id"] = str(uuid.uuid5(DERIVED_ID_NAMESPACE, digest))
    if "stored" in filled:
        statement["stored"] = format_instant(received_at)
    if "timestamp" in filled:
        statement["timestamp"] = statement["stored"]
    try:
        checked = check_statement(statement, version)
    except StatementInvalid as error:
        for key in filled:  # quarantine keeps what was received, so meeting it again is recognised
            del statement[key]
        raw_id = statement.get("id")
        return Rejected(
            source, raw_id if isinstance(raw_id, str) else None, error.field, error.reason, _raw_text(statement)
        )
    return _accepted(checked, digest, orjson.dumps(statement).decode(), extract(statement))
