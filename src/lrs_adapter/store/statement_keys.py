"""How the statements table keys its rows: a statement id as its UUID's 16 bytes, an actor's identity key as a
number in `statement_learners`. Only the store sees them; every function of the store takes and returns the
text forms, as xAPI writes an id and xapi/identity.py an identity key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lrs_adapter.store.database import Database, rows_in

#: The bytes of a UUID.
UUID_BYTES = 16
#: The characters of one as xAPI writes it: 32 hex digits in five groups, four hyphens between.
UUID_TEXT = 36


def id_bytes(statement_id: str) -> bytes:
    """The stored form of a statement id (intake has checked it is a UUID, hyphenated). Three times faster than
    `uuid.UUID(...).bytes`, and a pull converts every id it meets."""
    packed = bytes.fromhex(statement_id.replace("-", ""))
    if len(packed) != UUID_BYTES or len(statement_id) != UUID_TEXT or statement_id[8:24:5] != "----":
        raise ValueError(f"not a UUID: {statement_id!r}")
    return packed


def held_id(text: str) -> bytes | None:
    """The stored form of a text that may be a statement id, or None when it is none (so no statement has it)."""
    try:
        return id_bytes(text)
    except ValueError:
        return None


def id_text(stored: bytes) -> str:
    """A stored id as xAPI writes it: lower-case, hyphenated (intake lower-cases every id it takes)."""
    digits = bytes(stored).hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def ids_bytes(statement_ids: Iterable[str]) -> list[bytes]:
    return [id_bytes(statement_id) for statement_id in statement_ids]


def learner_keys(db: Database, learners: Iterable[str], *, add: bool = False) -> dict[str, int]:
    """The number of each identity key of `learners` the statements refer to it by; with `add`, those not yet
    numbered get one (call in the transaction that stores their statements)."""
    wanted = sorted(set(learners))
    found: dict[str, int] = dict(_numbered(db, wanted))
    missing = [learner for learner in wanted if learner not in found]
    if add and missing:
        # Another connector's pull may number the same learner at once (PostgreSQL): the first one's number stands.
        db.insert_new("statement_learners", [("learner", "text")], [(m,) for m in missing], key="learner")
        found.update(_numbered(db, missing))
    return found


def _numbered(db: Database, learners: Sequence[str]) -> list[tuple[str, int]]:
    return [
        (row.learner, row.id)
        for row in rows_in(db, "SELECT learner, id FROM statement_learners WHERE learner IN ({})", learners)
    ]


#: The learners that statements are held for, as a subquery of `statement_learners`' text keys: a key numbered
#: once and left without statements (an erasure pseudonymises them) is no learner with statements.
WITH_STATEMENTS = (
    "SELECT k.learner FROM statement_learners k WHERE EXISTS (SELECT 1 FROM statements s WHERE s.learner_key = k.id)"
)
