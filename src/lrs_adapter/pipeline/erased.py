"""Statements of an erased person arriving again (an LRS still sending, a `pull --full`, a sync that was pulling
while the erasure ran): held in quarantine with the reason, under the erasure's id instead of the person, and never
stored against a learner, so nobody erased is recreated. The check runs in the transaction that stores the page, so
an erasure committing meanwhile is seen (store/erasure_log.py)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from lrs_adapter.model.statements import Accepted, Rejected
from lrs_adapter.store.database import Database
from lrs_adapter.store.erasure import ERASED_HOME
from lrs_adapter.store.erasure_log import Erasure, erased_rows
from lrs_adapter.store.statements import unchanged


def actor_keys(item: Accepted) -> list[str]:
    """The identity keys of a statement's actor that an erasure may have remembered (none for a Group)."""
    return [item.learner] if item.learner else []


def _held(item: Accepted, erasure: Erasure, source: str) -> Rejected:
    """The statement as quarantine keeps it: the actor replaced by the erasure's id (no personal data; the same
    statement met again is the same entry), everything else as received."""
    statement = orjson.loads(item.raw)
    statement["actor"] = {"objectType": "Agent", "account": {"homePage": ERASED_HOME, "name": f"erased-{erasure.id}"}}
    return Rejected(source, item.id, "actor", erasure.reason, orjson.dumps(statement).decode())


def hold_erased(db: Database, accepted: Sequence[Accepted], *, source: str) -> tuple[list[Accepted], list[Rejected]]:
    """(the statements to store, in page order; those of erased people as quarantine entries). Call in the storing
    transaction. A statement the store already holds, unchanged, is let through: the erasure pseudonymised it in
    place, and it counts as the duplicate it is (an export file is read whole at every sync)."""
    _, erased = erased_rows(db, list(enumerate(accepted)), lambda pair: actor_keys(pair[1]), hold=True)
    if not erased:
        return list(accepted), []
    known = unchanged(db, [item for (_, item), _ in erased])
    held = {at: (item, erasure) for (at, item), erasure in erased if item.id not in known}
    kept = [item for at, item in enumerate(accepted) if at not in held]
    return kept, [_held(item, erasure, source) for item, erasure in held.values()]
