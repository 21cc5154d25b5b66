"""Exemptions: an administrator's decision that a learner need not hold a certification (or any) until a day, say
for long-term leave. Stored apart from the evidence, and handed to the pure engine as data whenever the learner is
evaluated, so the certification rules themselves never change and apply as before once the day comes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lrs_adapter.store.database import Database, Row, rows_in

#: The certification column's value for an exemption from every certification.
ALL = "*"


@dataclass(frozen=True)
class Exemption:
    learner: str
    certification: str  # ALL for every certification
    until: date  # the day it ends: exempt on every day before it
    reason: str
    actor: str
    created_at: str

    def as_record(self) -> dict[str, str]:
        """How the audit trail shows it."""
        return {"certification": self.certification, "until": self.until.isoformat(), "reason": self.reason}


def _exemption(row: Row) -> Exemption:
    return Exemption(
        str(row.learner),
        str(row.certification),
        date.fromisoformat(str(row.until)),
        str(row.reason),
        str(row.actor),
        str(row.created_at),
    )


_SELECT = "SELECT learner, certification, until, reason, actor, created_at FROM exemptions"


def save_exemption(db: Database, exemption: Exemption) -> None:
    """A new exemption of the same learner and certification replaces the old one (a leave extended)."""
    db.execute(
        "INSERT INTO exemptions (learner, certification, until, reason, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (learner, certification) DO UPDATE SET until = excluded.until, reason = excluded.reason,"
        " actor = excluded.actor, created_at = excluded.created_at",
        (
            exemption.learner,
            exemption.certification,
            exemption.until.isoformat(),
            exemption.reason,
            exemption.actor,
            exemption.created_at,
        ),
    )


def remove_exemption(db: Database, learner: str, certification: str) -> Exemption | None:
    """The exemption removed, or None when there was none."""
    found = exemption_of(db, learner, certification)
    db.execute("DELETE FROM exemptions WHERE learner = ? AND certification = ?", (learner, certification))
    return found


def exemption_of(db: Database, learner: str, certification: str) -> Exemption | None:
    """The exemption recorded for exactly this learner and certification (ALL: the one from every certification)."""
    row = db.one(f"{_SELECT} WHERE learner = ? AND certification = ?", (learner, certification))
    return _exemption(row) if row else None


def exempt_until(db: Database, learner: str, certification: str) -> date | None:
    """The day the learner's exemption from this certification ends: the later of one for it and one for all."""
    return exempt_until_of(db, [learner], [certification]).get((learner, certification))


def exempt_until_of(
    db: Database, learners: Sequence[str], certifications: Sequence[str]
) -> dict[tuple[str, str], date]:
    """`exempt_until` of each of `learners` for each of `certifications`, by (learner, certification); those not
    exempt left out. One query for a batch of learners."""
    found: dict[tuple[str, str], date] = {}
    for row in rows_in(db, "SELECT learner, certification, until FROM exemptions WHERE learner IN ({})", learners):
        until = date.fromisoformat(row.until)
        for certification in certifications if row.certification == ALL else [row.certification]:
            key = (row.learner, certification)
            found[key] = max(until, found.get(key, until))
    return found


def list_exemptions(db: Database, learners: list[str] | None = None) -> list[Exemption]:
    """Every exemption recorded (ended ones too, until removed), or only those of `learners`, by learner."""
    rows = db.execute(f"{_SELECT} ORDER BY learner, certification")
    found = [_exemption(r) for r in rows]
    return found if learners is None else [e for e in found if e.learner in set(learners)]
