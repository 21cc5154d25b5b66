"""The audit trail: every administrative change and every import, appended in the transaction that makes the
change, so an entry exists exactly when its change does. Entries are only ever added: the trail is what an
administrator shows when asked who changed a learner's record, and why."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from lrs_adapter.store.database import Database, Row


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    learner: str | None
    reason: str | None
    before: Any
    after: Any


def os_user() -> str:
    """The person at the keyboard, when no `--actor` names them (a shared service account should name them)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry, as in some containers
        return "unknown"


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def append_audit(
    db: Database,
    *,
    actor: str,
    action: str,
    at: str,
    learner: str | None = None,
    reason: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Call inside the change's own transaction: a rolled-back change leaves no entry behind."""
    db.execute(
        "INSERT INTO audit (at, actor, action, learner, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, actor, action, learner, reason, _json(before), _json(after)),
    )


def list_audit(
    db: Database,
    *,
    learner: str | None = None,
    since: date | None = None,
    after: int = 0,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Oldest first, the order things happened in; `since` a day (UTC), inclusive; `after` an entry's id, to read
    on from the last one seen."""
    clauses: list[str] = ["id > ?"]
    params: list[Any] = [after]
    if learner:
        clauses.append("learner = ?")
        params.append(learner)
    if since:
        clauses.append("at >= ?")
        params.append(since.isoformat())
    sql = "SELECT id, at, actor, action, learner, reason, before, after FROM audit"
    sql += f" WHERE {' AND '.join(clauses)}"
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_entry(r) for r in db.execute(sql, tuple(params))]


def latest_entry(db: Database, action: str) -> AuditEntry | None:
    """The newest entry of `action` (e.g. the latest `store.backup`), or None."""
    row = db.one(
        "SELECT id, at, actor, action, learner, reason, before, after FROM audit WHERE action = ?"
        " ORDER BY id DESC LIMIT 1",
        (action,),
    )
    return _entry(row) if row else None


def _entry(r: Row) -> AuditEntry:
    """`r`: an audit row, every column."""
    return AuditEntry(
        int(r.id),
        r.at,
        r.actor,
        r.action,
        r.learner,
        r.reason,
        None if r.before is None else orjson.loads(r.before),
        None if r.after is None else orjson.loads(r.after),
    )
