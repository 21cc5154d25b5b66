"""What a pull takes in: each statement accepted (a row to store) or rejected (a quarantine entry), and the
connector's cursor that moves with them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

#: What an LRS sets or may rewrite; two copies of one statement that differ only here are the same statement.
LRS_ASSIGNED = frozenset({"id", "stored", "authority", "version"})


def content_hash(statement: dict[str, Any]) -> str:
    """SHA-256 of the statement without what an LRS assigns, keys sorted: equal content, equal hash."""
    content = {key: value for key, value in statement.items() if key not in LRS_ASSIGNED}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Accepted(NamedTuple):
    """A statement to store: text and keys only, no parsed value, because pages are taken in by other processes
    (pipeline/page_intake.py) and this crosses back to the one that stores it (a tuple of strings unpickles 10x
    faster than a dataclass holding the checked statement), `raw` left empty when it is the text that was sent."""

    id: str
    learner: str | None  # identity key of the actor (see xapi/identity.py); None for a Group
    verb_id: str
    object_type: str
    object_id: str | None
    registration: str | None
    voids: str | None  # the target's id when this is a voiding statement
    timestamp: str
    stored: str
    #: Set only by the slow path, which hashes what was received before it fills in an id, `stored` or `timestamp`;
    #: the fast path keeps the text as received, and the store hashes it only when its id is met again
    #: (store/statements.py), so nearly every statement is never hashed.
    content_hash: str | None
    raw: str
    facts: str  # what mappings ask about, as compact JSON (see xapi/facts.py)


@dataclass(frozen=True, slots=True)
class Rejected:
    source: str
    statement_id: str | None
    field: str
    reason: str
    raw: str


#: The most of a rejected input kept in quarantine; beyond it the rest is cut and the cut said so.
QUARANTINE_RAW_LIMIT = 1_000_000


def cut_raw(text: str) -> str:
    """A rejected input's text as quarantine keeps it."""
    if len(text) > QUARANTINE_RAW_LIMIT:
        return text[:QUARANTINE_RAW_LIMIT] + f"... [cut: {len(text)} characters in all]"
    return text


def reject_unparsable(source: str, text: str, reason: str) -> Rejected:
    """Input that is not even JSON: kept as received so that nothing is lost, with the parser's words. A NUL
    character, which PostgreSQL's text cannot hold, is replaced as undecodable bytes are (U+FFFD)."""
    return Rejected(source, None, "(json)", f"not valid JSON: {reason}", cut_raw(text.replace("\x00", "\ufffd")))


@dataclass(frozen=True)
class Cursor:
    position: str
    basis: str  # "consistent_through": the LRS vouched for it; "newest_seen": an overlap is re-read next time
